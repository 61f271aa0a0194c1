/**
 * Capacity mode: a care team that can make a fixed number of contacts a day (K per 100 patients).
 * Each day at the round hour it either contacts the K patients ranked highest on the worklist
 * (libs/worklist's `rankWorklist`, the function care-api's worklist uses) or spends the same K on
 * the oldest unhandled alerts, in the order they arrived. A contact reaches the patient and resolves
 * the alerts the team had seen by then. An episode is reached before its peak when a contact falls in
 * its detection window (from `leadAllowanceHours` before the onset to `peakGraceHours` after the peak,
 * the window of a true alert). No snoozes: what the ranking alone does.
 */
import { AlertSeverity, WorklistAlertInput, WorklistPatientInput, rankWorklist } from '@vigil/worklist';
import { EpisodeLine } from '../cohort';
import { DAY_MS, HOUR_MS } from '../patient';
import { AlertRecord, DEFAULT_WINDOWS, EvalWindows, detectionWindow } from './classify';
import { median, r1, r3 } from './metrics';
import { ScorePoint } from './replay-patient';

export type CapacityPolicy = 'worklist' | 'alerts';
export const CAPACITY_POLICIES: readonly CapacityPolicy[] = ['worklist', 'alerts'];
/** Contacts per 100 patients per day. */
export const CAPACITY_K: readonly number[] = [3, 5, 10];
/** The hour (UTC, device-time scale) of the team's daily round. */
export const ROUND_HOUR = 12;
/** Only the last week of scores feeds the worklist's trend (its own window is 7 days). */
const TREND_DAYS = 7;

export interface CapacityPatient {
  patientId: string;
  expectedCheckInIntervalHours: number;
  episodes: readonly EpisodeLine[];
  /** Risk alerts and missed-check-in alerts together. */
  alerts: readonly AlertRecord[];
  scores: readonly ScorePoint[];
}

export interface CapacityResult {
  policy: CapacityPolicy;
  /** Contacts a day per 100 patients, and the whole-team number it rounds to. */
  k: number;
  contactsPerDay: number;
  contacts: number;
  episodes: number;
  reachedBeforePeak: number;
  /** reachedBeforePeak / episodes. */
  shareReached: number | null;
  /** Median over reached episodes of (peak − first contact in the window), days. */
  medianLeadDays: number | null;
  /** contacts / reachedBeforePeak: what one reached episode costs. */
  contactsPerEpisodeReached: number | null;
}

interface Book {
  p: CapacityPatient;
  /** Items the team can see (sentAt ≤ now), by arrival. */
  scores: ScorePoint[];
  alerts: AlertRecord[];
  nextScore: number;
  nextAlert: number;
  latest: ScorePoint | null;
  /** Alerts seen and not yet resolved by a contact. */
  open: AlertRecord[];
  lastContactMs: number | null;
  contacts: number[];
}

const bySent = <T extends { sentAt: number; at: number }>(a: T, b: T): number => a.sentAt - b.sentAt || a.at - b.at;

function advance(b: Book, nowMs: number): void {
  while (b.nextScore < b.scores.length && b.scores[b.nextScore].sentAt <= nowMs) {
    const s = b.scores[b.nextScore++];
    if (b.latest === null || s.at >= b.latest.at) b.latest = s;
  }
  while (b.nextAlert < b.alerts.length && b.alerts[b.nextAlert].sentAt <= nowMs) b.open.push(b.alerts[b.nextAlert++]);
}

/** The unresolved alerts as care-api holds them: one per alert id (an interrupting update raises its severity). */
function openAlerts(b: Book): WorklistAlertInput[] {
  const byId = new Map<string, WorklistAlertInput>();
  b.open.forEach((a, i) => {
    const id = a.alertId ?? `${b.p.patientId}:${i}`;
    const seen = byId.get(id);
    const severity = a.severity as AlertSeverity;
    if (seen === undefined) {
      byId.set(id, { alertId: id, severity, problem: a.problem ?? a.ruleCode, raisedAtMs: a.at, reasons: a.codes.map((code) => ({ code, message: code })) });
    } else if (['medium', 'high', 'critical'].indexOf(severity) > ['medium', 'high', 'critical'].indexOf(seen.severity)) {
      seen.severity = severity;
    }
  });
  return [...byId.values()];
}

function worklistInput(b: Book, nowMs: number): WorklistPatientInput {
  const from = nowMs - TREND_DAYS * DAY_MS;
  const trend = b.scores.slice(0, b.nextScore).filter((s) => s.at >= from);
  return {
    patientId: b.p.patientId,
    alerts: openAlerts(b),
    latestScore: b.latest ? { value: b.latest.value, level: b.latest.level, atMs: b.latest.at, factors: b.latest.factors } : null,
    trend: trend.map((s) => ({ value: s.value, level: s.level, atMs: s.at })),
    lastCheckInMs: b.latest ? b.latest.at : null,
    expectedCheckInIntervalHours: b.p.expectedCheckInIntervalHours,
    lastContact: b.lastContactMs === null ? null : { atMs: b.lastContactMs, outcome: 'reached' },
  };
}

/** Whom the team contacts this round. */
function choose(books: Book[], policy: CapacityPolicy, n: number, nowMs: number): Book[] {
  if (policy === 'worklist') {
    const byId = new Map(books.map((b) => [b.p.patientId, b]));
    return rankWorklist(
      books.map((b) => worklistInput(b, nowMs)),
      nowMs,
    )
      .filter((e) => e.priority > 0)
      .slice(0, n)
      .map((e) => byId.get(e.patientId) as Book);
  }
  const queue = books.flatMap((b) => b.open.map((a) => ({ b, a }))).sort((x, y) => bySent(x.a, y.a) || (x.b.p.patientId < y.b.p.patientId ? -1 : 1));
  const chosen: Book[] = [];
  for (const { b } of queue) {
    if (chosen.length >= n) break;
    if (!chosen.includes(b)) chosen.push(b);
  }
  return chosen;
}

export function capacityRun(
  patients: readonly CapacityPatient[],
  policy: CapacityPolicy,
  k: number,
  horizon: { startMs: number; days: number },
  w: EvalWindows = DEFAULT_WINDOWS,
): CapacityResult {
  const contactsPerDay = Math.max(1, Math.round((k * patients.length) / 100));
  const books: Book[] = patients.map((p) => ({
    p,
    scores: [...p.scores].sort(bySent),
    alerts: [...p.alerts].sort(bySent),
    nextScore: 0,
    nextAlert: 0,
    latest: null,
    open: [],
    lastContactMs: null,
    contacts: [],
  }));
  let contacts = 0;
  for (let d = 0; d < horizon.days; d++) {
    const nowMs = horizon.startMs + d * DAY_MS + ROUND_HOUR * HOUR_MS;
    for (const b of books) advance(b, nowMs);
    for (const b of choose(books, policy, contactsPerDay, nowMs)) {
      contacts++;
      b.contacts.push(nowMs);
      b.lastContactMs = nowMs;
      b.open = [];
    }
  }
  let episodes = 0;
  let reached = 0;
  const leads: number[] = [];
  for (const b of books) {
    for (const e of b.p.episodes) {
      if (e.censored) continue;
      episodes++;
      const win = detectionWindow(e, w);
      const first = b.contacts.find((c) => c >= win.from && c <= win.to);
      if (first === undefined) continue;
      reached++;
      leads.push(Math.max(0, (Date.parse(e.peak) - first) / DAY_MS));
    }
  }
  const ml = median(leads);
  return {
    policy,
    k,
    contactsPerDay,
    contacts,
    episodes,
    reachedBeforePeak: reached,
    shareReached: episodes > 0 ? r3(reached / episodes) : null,
    medianLeadDays: ml === null ? null : r1(ml),
    contactsPerEpisodeReached: reached > 0 ? r1(contacts / reached) : null,
  };
}

/** Every policy at every K. */
export function capacityMode(
  patients: readonly CapacityPatient[],
  horizon: { startMs: number; days: number },
  w: EvalWindows = DEFAULT_WINDOWS,
): CapacityResult[] {
  return CAPACITY_K.flatMap((k) => CAPACITY_POLICIES.map((policy) => capacityRun(patients, policy, k, horizon, w)));
}
