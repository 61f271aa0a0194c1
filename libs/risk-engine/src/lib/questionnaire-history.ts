/**
 * v1: an unchanged questionnaire is not a new finding. GAD-7 and CAT totals are kept in the
 * history by device time; a medium-or-higher total no higher than the same instrument's previous
 * answer (within REPEAT_WINDOW_MS before it) is marked as a repeat, so that on its own it does not
 * raise `risk.level` (it keeps its points: the score and level still show it). PHQ-9 is left out
 * (a depression already moderately severe that deepens would lose its alert) and item 9 is a
 * critical factor with its own alert, never touched here.
 */
import { insertReading, Retention } from './history';
import { formatInstantForPeople, HOUR_MS } from './time';
import { QuestionnaireHistory, RiskFactor, Series } from './types';

/** A previous answer counts for this long: the two-week recall period of GAD-7, plus two days for a late or shifted check-in. */
export const REPEAT_WINDOW_MS = 16 * 24 * HOUR_MS;

/** Enough for the window from any check-in that is not late (the default 24 h, or a few days more). */
const RETENTION: Retention = Object.freeze({ min: 2, spanMs: 20 * 24 * HOUR_MS, max: 32 });

/** Factor code -> history key, for the instruments this applies to. */
const KEY_OF_CODE: Readonly<Record<string, keyof QuestionnaireHistory>> = { 'gad7.total': 'gad7', 'cat.total': 'cat' };

const NAME: Readonly<Record<keyof QuestionnaireHistory, string>> = { gad7: 'GAD-7', cat: 'CAT' };

export function emptyQuestionnaireHistory(): QuestionnaireHistory {
  return { gad7: { t: [], v: [] }, cat: { t: [], v: [] } };
}

/** The history with this check-in's totals (from its `gad7.total` / `cat.total` factors) folded in; keys in canonical order. */
export function foldQuestionnaires(q: QuestionnaireHistory | undefined, at: number, factors: readonly RiskFactor[]): QuestionnaireHistory {
  const base = q ?? emptyQuestionnaireHistory();
  let gad7 = base.gad7;
  let cat = base.cat;
  for (const f of factors) {
    const key = KEY_OF_CODE[f.code];
    if (key === undefined || typeof f.value !== 'number') continue;
    if (key === 'gad7') gad7 = insertReading(gad7, at, f.value, RETENTION);
    else cat = insertReading(cat, at, f.value, RETENTION);
  }
  // Most check-ins have no questionnaire: share the unchanged object (outputs are immutable).
  return gad7 === base.gad7 && cat === base.cat ? base : { gad7, cat };
}

/** The newest answer strictly before `at` and within the window (the highest, if several at that instant), or null. */
export function previousAnswer(s: Series | undefined, at: number): { at: number; total: number } | null {
  if (s === undefined) return null;
  for (let i = s.t.length - 1; i >= 0; i--) {
    const t = s.t[i];
    if (t >= at) continue;
    return at - t <= REPEAT_WINDOW_MS ? { at: t, total: s.v[i] } : null;
  }
  return null;
}

/**
 * Marks GAD-7 and CAT totals of medium or higher severity no higher than the previous answer: the
 * message says so, and their codes are returned for the alert decision. The total, not the band:
 * a rise inside a band (CAT 22 to 29 at the start of an exacerbation) is still news.
 */
export function markRepeats(factors: RiskFactor[], q: QuestionnaireHistory | undefined, at: number): Set<string> {
  const repeats = new Set<string>();
  for (let i = 0; i < factors.length; i++) {
    const f = factors[i];
    const key = KEY_OF_CODE[f.code];
    if (key === undefined || typeof f.value !== 'number' || (f.severity !== 'medium' && f.severity !== 'high')) continue;
    const prev = previousAnswer(q?.[key], at);
    if (prev === null || f.value > prev.total) continue;
    repeats.add(f.code);
    factors[i] = {
      ...f,
      message: `${f.message} No higher than the previous ${NAME[key]} (${prev.total} on ${formatInstantForPeople(prev.at)}): not a new finding, so on its own it raises no alert.`,
    };
  }
  return repeats;
}
