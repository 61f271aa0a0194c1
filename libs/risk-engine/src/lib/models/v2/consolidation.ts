/**
 * v2's alert policy (README "v2"): one open alert per patient and clinical problem. Evidence for
 * an open problem becomes an `alert.updated` (its severity may rise, its reasons grow); only a new
 * problem, or a severity above what the team was told, interrupts the team. Ids come from the
 * cause (problem and check-in), so a redelivered check-in, scored on the state it produced,
 * yields nothing new, and out-of-order check-ins join the open alert instead of raising another.
 */
import { alertId, type AlertDecisionInput } from '../../alerts';
import { LEVEL_RULE_CODE } from '../../catalogue';
import { capitalise } from '../../format';
import { deterministicUuid } from '../../ids';
import { HOUR_MS } from '../../time';
import { combine, levelRank, severityRank } from '../../score';
import { AlertSeverity, AlertUpdate, ClinicalProblem, Level, ModelBook, ProblemCandidate, ProblemMemo, RaisedAlert, RiskFactor } from '../../types';
import { confirmedAlone } from './confirmation';
import { PROBLEM_NAMES, factorsByProblem, problemOf } from './problems';

/** An open alert closes after this long without evidence for its problem (device time). */
export const PROBLEM_QUIET_HOURS = 72;
/** An unconfirmed problem waits this long for the next reading to confirm it. */
export const CANDIDATE_HOURS = 72;

/** The critical factors a late check-in still alerts on: suicidal thoughts, NEWS2 ≥ 7, level 2 hypoglycaemia, chest pain. */
export function criticalWhenLate(f: RiskFactor): boolean {
  if (f.code === 'symptom.chestPain') return severityRank(f.severity) >= 3;
  return f.severity === 'critical' && (f.code === 'phq9.item9' || f.code === 'news2.total' || f.code === 'glucose.low2');
}

/** The same check-in facts every model's alert decision reads (alerts.ts), plus whether it arrived late. */
export interface ConsolidationInput extends Omit<AlertDecisionInput, 'model' | 'opts' | 'repeats'> {
  readonly late: boolean;
  /** Repeated questionnaire totals (v1's rule): they do not open an alert on their own. */
  readonly repeats: ReadonlySet<string> | null;
  /** The check-in has at least one device reading (a vital, weight or glucose). */
  readonly measured: boolean;
}

function asSeverity(level: Level): AlertSeverity | null {
  return levelRank(level) >= 2 ? (level as AlertSeverity) : null;
}

function maxSeverity(a: AlertSeverity, b: AlertSeverity): AlertSeverity {
  return severityRank(a) >= severityRank(b) ? a : b;
}

/** The severity a problem's factors reach on their own: the level of their points, critical with a critical factor. */
function problemSeverity(fs: readonly RiskFactor[]): AlertSeverity | null {
  if (fs.some((f) => f.severity === 'critical')) return 'critical';
  return asSeverity(combine(fs).level);
}

const LOW_GLUCOSE = /^glucose\.low/;

/**
 * R2: blood sugar swinging the other way while a blood-sugar alert is open (hypoglycaemia told, now
 * a medium-or-higher hyperglycaemia, or the reverse) is a new problem for the team, not more of the
 * same: the update interrupts though the severity did not rise.
 */
export function reversesGlucose(codes: readonly string[], fs: readonly RiskFactor[]): boolean {
  const wasLow = codes.some((c) => LOW_GLUCOSE.test(c));
  const wasHigh = codes.includes('glucose.high');
  return fs.some(
    (f) => severityRank(f.severity) >= 2 && ((f.code === 'glucose.high' && wasLow && !wasHigh) || (LOW_GLUCOSE.test(f.code) && wasHigh && !wasLow)),
  );
}

function mergeCodes(codes: readonly string[], fs: readonly RiskFactor[]): string[] {
  const set = new Set(codes);
  for (const f of fs) set.add(f.code);
  return [...set].sort();
}

function labels(fs: readonly RiskFactor[]): string {
  const shown = fs
    .filter((f) => f.points > 0 || f.severity !== 'info')
    .slice(0, 3)
    .map((f) => f.label);
  return fs.length > 3 ? `${shown.join('; ')}; +${fs.length - 3} more` : shown.join('; ');
}

export interface ConsolidationResult {
  alerts: RaisedAlert[];
  updates: AlertUpdate[];
  book: ModelBook;
}

export function consolidate(input: ConsolidationInput): ConsolidationResult {
  const { profile, book, at, checkInId, late } = input;
  const conditions = Array.isArray(profile.conditions) ? profile.conditions : [];
  const quietMs = PROBLEM_QUIET_HOURS * HOUR_MS;
  const candidateMs = CANDIDATE_HOURS * HOUR_MS;
  const open = new Map<ClinicalProblem, ProblemMemo>();
  for (const m of book.problems ?? []) if (at <= m.lastAt + quietMs) open.set(m.problem, m);
  const candidates: ProblemCandidate[] = (book.candidates ?? []).filter((c) => Math.abs(at - c.at) <= candidateMs);
  const alerts: RaisedAlert[] = [];
  const updates: AlertUpdate[] = [];
  const lateMark = late ? { late: true as const } : {};
  // R3: supporting signs (fatigue, medication not taken, pain) open nothing, but they count toward
  // the severity of a problem that has its own evidence at this check-in, as they count in the score.
  const supporting = late ? [] : input.factors.filter((f) => f.severity !== 'info' && problemOf(f.code, conditions) === null);
  const withSupport = (fs: readonly RiskFactor[]): readonly RiskFactor[] => (supporting.length === 0 ? fs : [...fs, ...supporting]);

  // R6: the next reading decides. A later check-in with device readings and no alert-level evidence
  // for a waiting problem (the weight back to usual, the pulse settled) cancels the wait, so an
  // artefact is not confirmed by an unrelated finding days later.
  const refutes = !late && input.measured;
  const evidenced = new Set<ClinicalProblem>();
  for (const [problem, all] of factorsByProblem(input.factors, conditions)) {
    // A late check-in speaks only through its critical factors: the rest describes a state long past.
    const fs = late ? all.filter(criticalWhenLate) : all;
    if (fs.length === 0) continue;
    const severity = problemSeverity(withSupport(fs));
    if (severity !== null) evidenced.add(problem);
    const memo = open.get(problem);
    if (memo !== undefined) {
      const newSeverity = severity === null ? memo.severity : maxSeverity(memo.severity, severity);
      const codes = mergeCodes(memo.codes, fs);
      const interrupts = severityRank(newSeverity) > severityRank(memo.notified) || (severity !== null && reversesGlucose(memo.codes, fs));
      if (interrupts || codes.length !== memo.codes.length || newSeverity !== memo.severity) {
        updates.push({
          updateId: deterministicUuid(['vigil.alert-update.v1', memo.alertId, checkInId]),
          alertId: memo.alertId,
          modelVersion: 'v2',
          patientId: profile.patientId,
          tenantId: profile.tenantId,
          careTeamId: profile.careTeamId,
          problem,
          ruleCode: memo.ruleCode,
          severity: newSeverity,
          previousSeverity: memo.severity,
          interrupts,
          level: input.level,
          score: input.score,
          checkInId,
          triggeredAt: input.recordedAt,
          ...lateMark,
          reasons: fs,
          allReasonCodes: codes,
          summary: `${PROBLEM_NAMES[problem]}${interrupts ? `, now ${newSeverity}` : ', new evidence'}: ${labels(fs)}`,
        });
      }
      open.set(problem, {
        ...memo,
        lastAt: Math.max(memo.lastAt, at),
        severity: newSeverity,
        notified: interrupts ? newSeverity : memo.notified,
        codes,
      });
      continue;
    }
    // Repeated questionnaire totals do not open an alert on their own.
    const opening = input.repeats && input.repeats.size > 0 ? fs.filter((f) => !input.repeats?.has(f.code)) : fs;
    const openSeverity = problemSeverity(withSupport(opening));
    if (openSeverity === null) continue;
    const critical = opening.find((f) => f.severity === 'critical');
    const waited = candidates.some((c) => c.problem === problem && c.at !== at);
    if (critical === undefined && !waited && !confirmedAlone(opening)) {
      if (!candidates.some((c) => c.problem === problem && c.at === at)) candidates.push({ problem, at, severity: openSeverity });
      continue;
    }
    const ruleCode = critical?.code ?? LEVEL_RULE_CODE;
    const id = alertId('v2', profile.tenantId, profile.patientId, ruleCode, `${problem}:${checkInId}`);
    const why = critical !== undefined ? `Critical: ${critical.label}` : `${capitalise(openSeverity)} risk`;
    alerts.push({
      alertId: id,
      modelVersion: 'v2',
      patientId: profile.patientId,
      tenantId: profile.tenantId,
      careTeamId: profile.careTeamId,
      ruleCode,
      severity: openSeverity,
      level: input.level,
      score: input.score,
      checkInId,
      triggeredAt: input.recordedAt,
      reasons: fs,
      summary: `${PROBLEM_NAMES[problem]}: ${why}${late ? ' (late check-in)' : ''}, score ${input.score}: ${labels(fs)}`,
      problem,
      ...lateMark,
    });
    open.set(problem, { problem, alertId: id, ruleCode, openedAt: at, lastAt: at, severity: openSeverity, notified: openSeverity, codes: mergeCodes([], fs) });
  }

  const problems = [...open.values()].sort((a, b) => (a.problem < b.problem ? -1 : a.problem > b.problem ? 1 : 0));
  const confirmedNow = new Set(problems.map((m) => m.problem));
  const keptCandidates = candidates
    .filter((c) => !confirmedNow.has(c.problem) && !(refutes && c.at < at && !evidenced.has(c.problem)))
    .sort((a, b) => (a.problem < b.problem ? -1 : a.problem > b.problem ? 1 : a.at - b.at));
  const newest = book.lastLevelAt === null || at >= book.lastLevelAt;
  const next: ModelBook = {
    lastLevel: newest && !late ? input.level : book.lastLevel,
    lastScore: newest && !late ? input.score : book.lastScore,
    lastLevelAt: newest && !late ? at : book.lastLevelAt,
    alerts: book.alerts,
    engagementNotifiedFor: book.engagementNotifiedFor,
  };
  if (book.remindedFor !== undefined) next.remindedFor = book.remindedFor;
  next.problems = problems;
  next.candidates = keptCandidates;
  return { alerts, updates, book: next };
}
