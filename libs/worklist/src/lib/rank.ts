/**
 * The worklist ranking: who needs contact now, and why. Pure and deterministic: the result depends
 * only on the input and `nowMs` (no clock, no randomness, no locale). README.md explains the points.
 */
import { DEFAULT_WORKLIST_OPTIONS, PRIORITY_LEVEL_FLOORS, WEIGHTS } from './options';
import {
  AlertSeverity,
  PriorityComponents,
  PriorityLevel,
  RiskLevel,
  WorklistAlertInput,
  WorklistEntry,
  WorklistInputError,
  WorklistOptions,
  WorklistPatientInput,
  WorklistRanking,
  WorklistReason,
} from './types';
import { capitalise, num, OUTCOME_WORDS, round1, severityWord, span } from './words';

const HOUR_MS = 3_600_000;
const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { medium: 1, high: 2, critical: 3 };
const LEVEL_RANK: Readonly<Record<RiskLevel, number>> = { none: 0, low: 1, medium: 2, high: 3, critical: 4 };
/** How many of the latest score's factors are listed as reasons. */
const MAX_FACTOR_REASONS = 3;

export function severityRank(s: AlertSeverity | null | undefined): number {
  return s ? (SEVERITY_RANK[s] ?? 0) : 0;
}

export function levelRank(l: RiskLevel | null | undefined): number {
  return l ? (LEVEL_RANK[l] ?? 0) : 0;
}

export function priorityLevelFor(priority: number): PriorityLevel {
  if (priority >= PRIORITY_LEVEL_FLOORS.urgent) return 'urgent';
  if (priority >= PRIORITY_LEVEL_FLOORS.high) return 'high';
  if (priority >= PRIORITY_LEVEL_FLOORS.medium) return 'medium';
  return 'low';
}

const finite = (x: number | null | undefined): x is number => typeof x === 'number' && Number.isFinite(x);

/** A group of reasons that sorts as one (a score and the factors that explain it stay together). */
interface Group {
  points: number;
  order: number;
  reasons: WorklistReason[];
}

/** Alerts first by severity, then the one waiting longest, then by id: a total order. */
function byWorst(a: WorklistAlertInput, b: WorklistAlertInput): number {
  return (
    severityRank(b.severity) - severityRank(a.severity) ||
    (a.raisedAtMs || 0) - (b.raisedAtMs || 0) ||
    (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0)
  );
}

/** The time of the last contact that dealt with the patient (reached or escalated), if any. */
function handledAt(p: WorklistPatientInput): number | null {
  const c = p.lastContact;
  return c && finite(c.atMs) && (c.outcome === 'reached' || c.outcome === 'escalated') ? c.atMs : null;
}

function alertText(a: WorklistAlertInput, nowMs: number): string {
  const what = a.summary ?? (a.reasons && a.reasons.length > 0 ? a.reasons.map((r) => r.message).join('; ') : a.problem);
  const ack = finite(a.acknowledgedAtMs) ? ', acknowledged' : '';
  const age = finite(a.raisedAtMs) ? ` ${span(nowMs - a.raisedAtMs)} ago` : '';
  return `${severityWord(a.severity)} alert${age}${ack}: ${what}`;
}

function alertsPart(p: WorklistPatientInput, nowMs: number, handled: number | null): { points: number; group: Group | null; coveredCodes: Set<string> } {
  const alerts = [...(p.alerts ?? [])].sort(byWorst);
  const covered = new Set<string>();
  if (alerts.length === 0) return { points: 0, group: null, coveredCodes: covered };
  const weightOf = (a: WorklistAlertInput): number =>
    (finite(a.acknowledgedAtMs) ? WEIGHTS.acknowledgedFactor : 1) *
    (handled !== null && finite(a.raisedAtMs) && a.raisedAtMs <= handled ? WEIGHTS.handledFactor : 1);

  // The worst alert counts whole; the one with the highest weighted points is the "worst" here, so an
  // acknowledged critical alert does not hide a fresh, unacknowledged high one.
  let worst = alerts[0];
  let worstPoints = -1;
  for (const a of alerts) {
    const waiting =
      !finite(a.acknowledgedAtMs) && finite(a.raisedAtMs)
        ? Math.min(WEIGHTS.waitingCap, Math.max(0, (nowMs - a.raisedAtMs) / HOUR_MS) * WEIGHTS.waitingPerHour)
        : 0;
    const pts = (WEIGHTS.alertSeverity[a.severity] ?? 0) * weightOf(a) + waiting;
    if (pts > worstPoints) {
      worst = a;
      worstPoints = pts;
    }
  }
  const reasons: WorklistReason[] = [{ kind: 'alert', code: `alert.${worst.problem}`, text: alertText(worst, nowMs), points: round1(worstPoints) }];
  const seenProblems = new Set([worst.problem]);
  let extra = 0;
  for (const a of alerts) {
    for (const r of a.reasons ?? []) covered.add(r.code);
    if (a === worst) continue;
    let pts = 0;
    if (!seenProblems.has(a.problem)) {
      seenProblems.add(a.problem);
      pts = Math.min(WEIGHTS.extraProblem * weightOf(a), WEIGHTS.extraProblemCap - extra);
      extra += pts;
    }
    reasons.push({ kind: 'alert', code: `alert.${a.problem}`, text: alertText(a, nowMs), points: round1(pts) });
  }
  if (handled !== null && alerts.some((a) => finite(a.raisedAtMs) && a.raisedAtMs <= handled)) {
    reasons.push({ kind: 'contact', code: 'contact.handled', text: `Contacted ${span(nowMs - handled)} ago, after the earlier alerts`, points: 0 });
  }
  const points = worstPoints + extra;
  return { points, group: { points, order: 1, reasons }, coveredCodes: covered };
}

function scorePart(
  p: WorklistPatientInput,
  nowMs: number,
  handled: number | null,
  opts: WorklistOptions,
  covered: Set<string>,
): { points: number; group: Group | null } {
  const s = p.latestScore;
  if (!s || !finite(s.value)) return { points: 0, group: null };
  let points = (WEIGHTS.scoreLevel[s.level] ?? 0) + Math.max(0, Math.min(100, s.value)) * WEIGHTS.scoreValueFactor;
  const age = finite(s.atMs) ? nowMs - s.atMs : 0;
  const stale = age > opts.staleScoreHours * HOUR_MS;
  const wasHandled = handled !== null && finite(s.atMs) && s.atMs <= handled;
  if (stale) points *= 0.5;
  if (wasHandled) points *= WEIGHTS.handledFactor;
  if (levelRank(s.level) === 0 && points < 1) return { points, group: null };
  const when = finite(s.atMs) ? ` ${span(age)} ago` : '';
  const notes = [stale ? 'an old score' : '', wasHandled ? 'before the last contact' : ''].filter(Boolean).join(', ');
  const reasons: WorklistReason[] = [
    {
      kind: 'score',
      code: 'score.level',
      text: `${capitalise(s.level)} risk, score ${num(s.value)}${when}${notes ? ` (${notes})` : ''}`,
      points: round1(points),
    },
  ];
  const factors = [...(s.factors ?? [])]
    .filter(
      (f) =>
        f.severity !== 'info' && !covered.has(f.code) && ((f.points ?? 0) > 0 || f.severity === 'medium' || f.severity === 'high' || f.severity === 'critical'),
    )
    .sort((a, b) => (b.points ?? 0) - (a.points ?? 0) || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))
    .slice(0, MAX_FACTOR_REASONS);
  for (const f of factors) reasons.push({ kind: 'factor', code: `factor.${f.code}`, text: f.message, points: 0 });
  return { points, group: { points, order: 2, reasons } };
}

function trendPart(p: WorklistPatientInput, nowMs: number, opts: WorklistOptions): Group | null {
  const latest = p.latestScore;
  if (!latest || !finite(latest.value) || !finite(latest.atMs)) return null;
  const from = nowMs - opts.trendWindowHours * HOUR_MS;
  let low: { value: number; atMs: number } | null = null;
  for (const t of p.trend ?? []) {
    if (!finite(t.value) || !finite(t.atMs) || t.atMs < from || t.atMs >= latest.atMs) continue;
    if (!low || t.value < low.value || (t.value === low.value && t.atMs < low.atMs)) low = t;
  }
  if (!low) return null;
  const rise = latest.value - low.value;
  if (rise < opts.trendMinRise) return null;
  const points = Math.min(WEIGHTS.trendCap, rise * WEIGHTS.trendPerPoint);
  return {
    points,
    order: 3,
    reasons: [
      {
        kind: 'trend',
        code: 'trend.rising',
        text: `Score rising: ${num(low.value)} to ${num(latest.value)} in ${span(latest.atMs - low.atMs)}`,
        points: round1(points),
      },
    ],
  };
}

function checkInPart(p: WorklistPatientInput, nowMs: number, handled: number | null, opts: WorklistOptions): { overdue: number; group: Group | null } {
  const intervalH =
    finite(p.expectedCheckInIntervalHours) && p.expectedCheckInIntervalHours > 0 ? p.expectedCheckInIntervalHours : opts.defaultCheckInIntervalHours;
  const intervalMs = intervalH * HOUR_MS;
  if (!finite(p.lastCheckInMs)) {
    const points = WEIGHTS.neverCheckedIn;
    return { overdue: 0, group: { points, order: 4, reasons: [{ kind: 'checkin', code: 'checkin.none', text: 'No check-in yet', points }] } };
  }
  const silence = nowMs - p.lastCheckInMs;
  const overdue = silence > intervalMs ? Math.floor(silence / intervalMs) : 0;
  if (overdue === 0) return { overdue, group: null };
  let points = Math.min(WEIGHTS.overdueCap, WEIGHTS.overdueFirst + WEIGHTS.overduePerFurther * (overdue - 1));
  // A successful call after the patient went quiet: the gap is known to the team.
  const known = handled !== null && handled >= p.lastCheckInMs + intervalMs;
  if (known) points *= WEIGHTS.handledFactor;
  const text = `No check-in for ${span(silence)} (expected every ${num(intervalH)} h)${known ? ', known since the last contact' : ''}`;
  return { overdue, group: { points, order: 4, reasons: [{ kind: 'checkin', code: 'checkin.overdue', text, points: round1(points) }] } };
}

function contactPart(p: WorklistPatientInput, nowMs: number, opts: WorklistOptions): Group | null {
  const c = p.lastContact;
  if (!c || !finite(c.atMs)) return null;
  if (c.outcome !== 'no-answer' && c.outcome !== 'message-left') return null;
  if (nowMs - c.atMs > opts.retryWindowHours * HOUR_MS) return null;
  const points = WEIGHTS.notReached;
  return {
    points,
    order: 5,
    reasons: [{ kind: 'contact', code: 'contact.notReached', text: `Not reached ${span(nowMs - c.atMs)} ago (${OUTCOME_WORDS[c.outcome]})`, points }],
  };
}

/** Whether the snooze holds, and what broke it if not. */
function snoozeState(p: WorklistPatientInput, nowMs: number): { held: boolean; broken: WorklistReason | null; reason: WorklistReason | null } {
  const z = p.snooze;
  if (!z || !finite(z.untilMs) || nowMs >= z.untilMs) return { held: false, broken: null, reason: null };
  const setAt = finite(z.setAtMs) ? z.setAtMs : p.lastContact && finite(p.lastContact.atMs) ? p.lastContact.atMs : Number.NEGATIVE_INFINITY;
  const alerts = p.alerts ?? [];
  const sevAtSet =
    z.alertSeverityAtSet !== undefined
      ? z.alertSeverityAtSet
      : alerts
          .filter((a) => finite(a.raisedAtMs) && a.raisedAtMs <= setAt)
          .reduce<AlertSeverity | null>((w, a) => (severityRank(a.severity) > severityRank(w) ? a.severity : w), null);
  let levelAtSet: RiskLevel | null | undefined = z.levelAtSet;
  if (levelAtSet === undefined) {
    let best: { atMs: number; level: RiskLevel } | null = null;
    for (const t of p.trend ?? []) if (t.level && finite(t.atMs) && t.atMs <= setAt && (!best || t.atMs > best.atMs)) best = { atMs: t.atMs, level: t.level };
    levelAtSet = best ? best.level : null;
  }
  const newWorse = [...alerts]
    .sort(byWorst)
    .find((a) => finite(a.raisedAtMs) && a.raisedAtMs > setAt && (a.severity === 'critical' || severityRank(a.severity) > severityRank(sevAtSet)));
  if (newWorse) {
    return {
      held: false,
      broken: { kind: 'snooze', code: 'snooze.broken', text: `New since the snooze: ${newWorse.severity} alert`, points: 0 },
      reason: null,
    };
  }
  const s = p.latestScore;
  if (s && finite(s.atMs) && s.atMs > setAt && levelRank(s.level) >= LEVEL_RANK.medium && levelRank(s.level) > levelRank(levelAtSet)) {
    return { held: false, broken: { kind: 'snooze', code: 'snooze.broken', text: `New since the snooze: risk rose to ${s.level}`, points: 0 }, reason: null };
  }
  return {
    held: true,
    broken: null,
    reason: { kind: 'snooze', code: 'snooze.held', text: `Snoozed: next contact due in ${span(z.untilMs - nowMs)}`, points: 0 },
  };
}

/** One patient's priority, level and reasons at `nowMs`. */
export function prioritise(patient: WorklistPatientInput, nowMs: number, options: Partial<WorklistOptions> = {}): WorklistRanking {
  if (!finite(nowMs)) throw new WorklistInputError('nowMs', 'nowMs must be a finite number of epoch milliseconds');
  if (typeof patient.patientId !== 'string' || patient.patientId.length === 0)
    throw new WorklistInputError('patientId', 'patientId must be a non-empty string');
  const opts: WorklistOptions = { ...DEFAULT_WORKLIST_OPTIONS, ...options };
  const handled = handledAt(patient);

  const a = alertsPart(patient, nowMs, handled);
  const s = scorePart(patient, nowMs, handled, opts, a.coveredCodes);
  const trend = trendPart(patient, nowMs, opts);
  const checkIn = checkInPart(patient, nowMs, handled, opts);
  const contact = contactPart(patient, nowMs, opts);

  // Alerts and the score often say the same thing: the larger counts whole, the smaller a quarter.
  const alertsFirst = a.points >= s.points;
  const components: PriorityComponents = {
    alerts: round1(alertsFirst ? a.points : a.points * WEIGHTS.overlapFactor),
    score: round1(alertsFirst ? s.points * WEIGHTS.overlapFactor : s.points),
    trend: round1(trend?.points ?? 0),
    checkIn: round1(checkIn.group?.points ?? 0),
    contact: round1(contact?.points ?? 0),
  };
  const raw = components.alerts + components.score + components.trend + components.checkIn + components.contact;
  const priority = round1(Math.max(0, Math.min(100, raw)));

  const groups = [a.group, s.group, trend, checkIn.group, contact].filter((g): g is Group => g !== null);
  groups.sort((x, y) => y.points - x.points || x.order - y.order);
  const snooze = snoozeState(patient, nowMs);
  const reasons = [...(snooze.broken ? [snooze.broken] : []), ...(snooze.reason ? [snooze.reason] : []), ...groups.flatMap((g) => g.reasons)];

  const worst = (patient.alerts ?? []).reduce<AlertSeverity | null>((w, x) => (severityRank(x.severity) > severityRank(w) ? x.severity : w), null);
  return {
    patientId: patient.patientId,
    priority,
    level: priorityLevelFor(priority),
    reasons,
    components,
    snoozed: snooze.held,
    snoozeBroken: snooze.broken !== null,
    overdueCheckIns: checkIn.overdue,
    worstAlertSeverity: worst,
  };
}

/** The worklist order: entries not snoozed first, then higher priority, then patient id (a total order). */
export function compareRankings(
  a: Pick<WorklistRanking, 'snoozed' | 'priority' | 'patientId'>,
  b: Pick<WorklistRanking, 'snoozed' | 'priority' | 'patientId'>,
): number {
  if (a.snoozed !== b.snoozed) return a.snoozed ? 1 : -1;
  if (a.priority !== b.priority) return b.priority - a.priority;
  return a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : 0;
}

/**
 * Ranks patients by who needs contact now. Deterministic: the same patients (in any order) and the same
 * `nowMs` give the same entries in the same order. A patient id given twice is an error.
 */
export function rankWorklist(patients: readonly WorklistPatientInput[], nowMs: number, options: Partial<WorklistOptions> = {}): WorklistEntry[] {
  const seen = new Set<string>();
  const ranked: WorklistRanking[] = [];
  for (const p of patients) {
    if (seen.has(p.patientId)) throw new WorklistInputError('patientId', `patient ${p.patientId} is given twice`);
    seen.add(p.patientId);
    ranked.push(prioritise(p, nowMs, options));
  }
  ranked.sort(compareRankings);
  return ranked.map((r, i) => ({ ...r, rank: i + 1 }));
}
