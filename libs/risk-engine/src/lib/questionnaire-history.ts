/**
 * v1: an unchanged questionnaire is not a new finding. GAD-7 and CAT totals are kept in the
 * history by device time; a medium-or-higher total is marked as a repeat when it is not at least
 * the instrument's minimal clinically important difference above both the previous answer (within
 * REPEAT_WINDOW_MS) and the patient's usual (the median of the answers within USUAL_WINDOW_MS).
 * A repeat does not raise `risk.level` on its own (it keeps its points: the score and level still
 * show it). PHQ-9 is left out (a depression already moderately severe that deepens would lose its
 * alert) and item 9 is a critical factor with its own alert, never touched here.
 */
import { medianOf } from './baseline';
import { insertReading, Retention } from './history';
import { fmtAuto } from './format';
import { formatInstantForPeople, HOUR_MS } from './time';
import { QuestionnaireHistory, RiskFactor, Series } from './types';

/** A previous answer counts for this long: the two-week recall period of GAD-7, plus two days for a late or shifted check-in. */
export const REPEAT_WINDOW_MS = 16 * 24 * HOUR_MS;

/** The patient's usual: the median of the answers in the five weeks before (about five weekly CATs or three GAD-7s). */
export const USUAL_WINDOW_MS = 35 * 24 * HOUR_MS;

/**
 * The smallest rise that is news: the instrument's minimal clinically important difference (CAT
 * 2 points, Kon et al. 2014; GAD-7 4 points, Toussaint et al. 2020). A smaller rise is within the
 * instrument's week-to-week noise.
 */
export const MIN_IMPORTANT_RISE: Readonly<Record<keyof QuestionnaireHistory, number>> = Object.freeze({ gad7: 4, cat: 2 });

/** Enough for the usual window from any check-in that is not late (the default 24 h, or a few days more). */
const RETENTION: Retention = Object.freeze({ min: 2, spanMs: 40 * 24 * HOUR_MS, max: 32 });

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

/** The median of the answers strictly before `at` within USUAL_WINDOW_MS, or null if there are none. */
export function usualAnswer(s: Series | undefined, at: number): number | null {
  if (s === undefined) return null;
  const vals: number[] = [];
  for (let i = s.t.length - 1; i >= 0; i--) {
    const t = s.t[i];
    if (t >= at) continue;
    if (at - t > USUAL_WINDOW_MS) break;
    vals.push(s.v[i]);
  }
  if (vals.length === 0) return null;
  vals.sort((a, b) => a - b);
  return medianOf(vals, vals.length);
}

/**
 * Marks GAD-7 and CAT totals of medium or higher severity that are not a clinically important rise
 * (MIN_IMPORTANT_RISE) above both the previous answer and the patient's usual: the message says
 * so, and their codes are returned for the alert decision. Totals, not bands: a rise inside a band
 * (CAT 22 to 29 at the start of an exacerbation) is still news.
 */
export function markRepeats(factors: RiskFactor[], q: QuestionnaireHistory | undefined, at: number): Set<string> {
  const repeats = new Set<string>();
  for (let i = 0; i < factors.length; i++) {
    const f = factors[i];
    const key = KEY_OF_CODE[f.code];
    if (key === undefined || typeof f.value !== 'number' || (f.severity !== 'medium' && f.severity !== 'high')) continue;
    // No answer in the usual window means none in the shorter repeat window either.
    const usual = usualAnswer(q?.[key], at);
    if (usual === null) continue;
    const prev = previousAnswer(q?.[key], at);
    const reference = prev === null ? usual : Math.max(prev.total, usual);
    const minRise = MIN_IMPORTANT_RISE[key];
    if (f.value >= reference + minRise) continue;
    repeats.add(f.code);
    const usualText = `this patient's usual (${fmtAuto(usual)}, median of the past 5 weeks)`;
    const against = prev === null ? usualText : `both the previous ${NAME[key]} (${prev.total} on ${formatInstantForPeople(prev.at)}) and ${usualText}`;
    factors[i] = {
      ...f,
      message: `${f.message} No rise of ${minRise} points or more over ${against}: not a new finding, so on its own it raises no alert.`,
    };
  }
  return repeats;
}
