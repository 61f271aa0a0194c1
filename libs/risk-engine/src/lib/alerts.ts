/**
 * Alert policy (README "Alerts"):
 *  - a critical factor raises an alert under its own code;
 *  - a level that rises to medium or above (against the previous level, if that is recent; in v1
 *    against the highest level of the level memory) raises `risk.level`, unless a critical-factor
 *    alert is raised for the same check-in (it says more); in v1 a new glucose finding counts as a
 *    rise too (`newGlucoseFinding`);
 *  - the same rule code is not raised again within the cool-down (device time) unless its
 *    severity rises.
 * Alert ids are derived from the cause, so the same check-in on the same prior state yields the
 * same ids.
 */
import { LEVEL_RULE_CODE } from './catalogue';
import { capitalise } from './format';
import { deterministicUuid } from './ids';
import { ResolvedOptions } from './options';
import { combine, levelRank, severityRank } from './score';
import { AlertMemo, AlertSeverity, Level, LevelMark, ModelBook, ModelVersion, PatientProfile, RaisedAlert, RiskFactor } from './types';

export function alertId(model: ModelVersion, tenantId: string, patientId: string, ruleCode: string, cause: string): string {
  return deterministicUuid(['vigil.alert.v1', model, tenantId, patientId, ruleCode, cause]);
}

export function findMemo(memos: readonly AlertMemo[], ruleCode: string): AlertMemo | undefined {
  for (const m of memos) if (m.ruleCode === ruleCode) return m;
  return undefined;
}

/** Memos sorted by rule code, `memo` replacing any of the same code. */
export function putMemo(memos: readonly AlertMemo[], memo: AlertMemo): AlertMemo[] {
  const out: AlertMemo[] = [];
  let placed = false;
  for (const m of memos) {
    if (!placed && memo.ruleCode <= m.ruleCode) {
      out.push(memo);
      placed = true;
      if (m.ruleCode === memo.ruleCode) continue;
    }
    out.push(m);
  }
  if (!placed) out.push(memo);
  return out;
}

/** True when an alert for this rule at this time and severity is held back by the cool-down. */
export function coolingDown(memos: readonly AlertMemo[], ruleCode: string, at: number, severity: AlertSeverity, coolDownMs: number): boolean {
  const m = findMemo(memos, ruleCode);
  if (m === undefined) return false;
  return Math.abs(at - m.at) < coolDownMs && severityRank(severity) <= severityRank(m.severity);
}

export interface AlertDecisionInput {
  readonly model: ModelVersion;
  readonly profile: PatientProfile;
  readonly book: ModelBook;
  readonly at: number;
  readonly checkInId: string;
  readonly recordedAt: string;
  readonly level: Level;
  readonly score: number;
  /** In output order. */
  readonly factors: readonly RiskFactor[];
  readonly opts: ResolvedOptions;
  /** v1: codes of questionnaire totals no higher than their previous answer (questionnaire-history.ts); they raise no `risk.level` on their own. */
  readonly repeats?: ReadonlySet<string> | null;
}

const MAX_SUMMARY_LABELS = 3;

/** Labels of the factors with points, largest first (stable for ties). */
function topLabels(factors: readonly RiskFactor[]): string[] {
  return factors
    .filter((f) => f.points > 0)
    .map((f, i) => ({ f, i }))
    .sort((a, b) => b.f.points - a.f.points || a.i - b.i)
    .map((x) => x.f.label);
}

function summaryOf(labels: readonly string[]): string {
  const shown = labels.slice(0, MAX_SUMMARY_LABELS).join('; ');
  return labels.length > MAX_SUMMARY_LABELS ? `${shown}; +${labels.length - MAX_SUMMARY_LABELS} more` : shown;
}

/** Previous level for the "rises" rule: the book's, if set within the level memory. */
export function previousLevel(book: ModelBook, at: number, opts: ResolvedOptions): Level {
  if (book.lastLevelAt === null || Math.abs(at - book.lastLevelAt) > opts.levelMemoryMs) return 'none';
  return book.lastLevel;
}

/**
 * v1's previous level for the "rises" rule: the highest level of the scored check-ins within the
 * level memory (and never below `previousLevel`, so a book without `recentLevels` behaves as before).
 */
export function recentPeakLevel(book: ModelBook, at: number, opts: ResolvedOptions): Level {
  const marks = book.recentLevels;
  // The marks hold the newest check-in's level too, except when it was held as a repeat (decideAlerts).
  if (marks === undefined) return previousLevel(book, at, opts);
  let peak: Level = 'none';
  for (const m of marks) {
    if (Math.abs(at - m.at) <= opts.levelMemoryMs && levelRank(m.level) > levelRank(peak)) peak = m.level;
  }
  return peak;
}

/**
 * The level window after the newest check-in at `at` scored `level`: marks older than the level
 * memory are dropped, then every mark not higher than the new level (it outlasts them), then the
 * new one is appended. Levels stay strictly decreasing, so there are at most four marks.
 */
export function pushLevel(marks: readonly LevelMark[], level: Level, at: number, opts: ResolvedOptions): LevelMark[] {
  const out: LevelMark[] = [];
  for (const m of marks) if (at - m.at <= opts.levelMemoryMs && levelRank(m.level) > levelRank(level)) out.push(m);
  if (level !== 'none') out.push({ level, at });
  return out;
}

/** A factor of this code family at medium or above makes a level a glucose level. */
const GLUCOSE_CODE_PREFIX = 'glucose.';

/** A level of medium or above caused in part by glucose (a glucose factor at medium or above). */
export function isGlucoseLevel(level: Level, factors: readonly RiskFactor[]): boolean {
  if (levelRank(level) < 2) return false;
  for (const f of factors) if (severityRank(f.severity) >= 2 && f.code.startsWith(GLUCOSE_CODE_PREFIX)) return true;
  return false;
}

/**
 * v1: a glucose level with no other glucose level within the level memory. High sugar two days
 * after a pulse alert is a different problem, not the same one still evolving, so the memory of
 * that unrelated level does not hold it back (README "Alerts").
 */
export function newGlucoseFinding(book: ModelBook, at: number, glucoseLevel: boolean, opts: ResolvedOptions): boolean {
  if (!glucoseLevel) return false;
  return book.glucoseLevelAt === undefined || Math.abs(at - book.glucoseLevelAt) > opts.levelMemoryMs;
}

/** How a model remembers levels for the "level rises" rule: the one thing static-v0's and v1's alert policies differ in. */
export interface LevelMemory {
  /** The level a new one must exceed to be a rise. */
  previous(book: ModelBook, at: number, opts: ResolvedOptions): Level;
  /** Whether this level counts as a glucose level (v1's rule N); static-v0: never. */
  glucoseLevel(level: Level, factors: readonly RiskFactor[]): boolean;
  /** Writes the model's own book fields into `next`. */
  extend(next: ModelBook, book: ModelBook, newest: boolean, remembered: Level, at: number, glucoseLevel: boolean, opts: ResolvedOptions): void;
}

/** static-v0: the level of the newest check-in, if within the level memory. */
export const LAST_LEVEL_MEMORY: LevelMemory = {
  previous: previousLevel,
  glucoseLevel: () => false,
  extend: () => undefined,
};

/** v1: the highest level of the level memory's window, and a new glucose finding counts as a rise. */
export const LEVEL_WINDOW_MEMORY: LevelMemory = {
  previous: recentPeakLevel,
  glucoseLevel: isGlucoseLevel,
  extend(next, book, newest, remembered, at, glucoseLevel, opts) {
    const marks = book.recentLevels ?? [];
    next.recentLevels = newest ? pushLevel(marks, remembered, at, opts) : [...marks];
    const glucoseAt = glucoseLevel ? Math.max(at, book.glucoseLevelAt ?? at) : book.glucoseLevelAt;
    if (glucoseAt !== undefined) next.glucoseLevelAt = glucoseAt;
  },
};

export function decideAlerts(input: AlertDecisionInput, memory: LevelMemory): { alerts: RaisedAlert[]; book: ModelBook } {
  const { model, profile, book, at, checkInId, level, score, factors, opts } = input;
  let memos = book.alerts;
  const alerts: RaisedAlert[] = [];
  let contributingCache: RiskFactor[] | null = null;
  const contributing = (): RiskFactor[] => (contributingCache ??= factors.filter((f) => f.severity !== 'info'));
  const make = (ruleCode: string, severity: AlertSeverity, reasons: RiskFactor[], summary: string): RaisedAlert => ({
    alertId: alertId(model, profile.tenantId, profile.patientId, ruleCode, checkInId),
    modelVersion: model,
    patientId: profile.patientId,
    tenantId: profile.tenantId,
    careTeamId: profile.careTeamId,
    ruleCode,
    severity,
    level,
    score,
    checkInId,
    triggeredAt: input.recordedAt,
    reasons,
    summary,
  });

  for (const f of factors) {
    if (f.severity !== 'critical' || coolingDown(memos, f.code, at, 'critical', opts.coolDownMs)) continue;
    const others = topLabels(contributing().filter((x) => x !== f));
    const also = others.length > 0 ? `. Also: ${summaryOf(others)}` : '';
    const a = make(f.code, 'critical', [f, ...contributing().filter((x) => x !== f)], `Critical: ${f.label} (score ${score})${also}`);
    alerts.push(a);
    memos = putMemo(memos, { ruleCode: f.code, at, severity: 'critical', alertId: a.alertId });
  }

  const prev = memory.previous(book, at, opts);
  const glucoseLevel = memory.glucoseLevel(level, factors);
  const glucoseIsNew = newGlucoseFinding(book, at, glucoseLevel, opts);
  const rises = (l: Level): boolean => levelRank(l) >= 2 && (levelRank(l) > levelRank(prev) || glucoseIsNew);
  // v1: a rise made only by repeated questionnaire totals raises nothing, and the level memory keeps
  // the level without them, so that a new finding in the next days still counts as a rise.
  let remembered = level;
  let held = false;
  const repeats = input.repeats;
  if (repeats && repeats.size > 0 && alerts.length === 0 && rises(level)) {
    const without = combine(factors.filter((f) => !repeats.has(f.code))).level;
    held = !rises(without);
    if (held) remembered = without;
  }
  if (!held && rises(level)) {
    const severity = level as AlertSeverity;
    if (!coolingDown(memos, LEVEL_RULE_CODE, at, severity, opts.coolDownMs)) {
      if (alerts.length > 0) {
        // Covered by the critical alert just raised: remember it so the same rise is not raised again.
        memos = putMemo(memos, { ruleCode: LEVEL_RULE_CODE, at, severity, alertId: alerts[0].alertId });
      } else {
        const reasons = contributing();
        const a = make(LEVEL_RULE_CODE, severity, reasons, `${capitalise(level)} risk, score ${score}: ${summaryOf(topLabels(reasons))}`);
        alerts.push(a);
        memos = putMemo(memos, { ruleCode: LEVEL_RULE_CODE, at, severity, alertId: a.alertId });
      }
    }
  }

  const newest = book.lastLevelAt === null || at >= book.lastLevelAt;
  const next: ModelBook = {
    lastLevel: newest ? level : book.lastLevel,
    lastScore: newest ? score : book.lastScore,
    lastLevelAt: newest ? at : book.lastLevelAt,
    alerts: memos,
    engagementNotifiedFor: book.engagementNotifiedFor,
  };
  memory.extend(next, book, newest, remembered, at, glucoseLevel, opts);
  return { alerts, book: next };
}
