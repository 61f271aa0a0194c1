/**
 * One patient's worklist state and the pure fold of events into it. The state is everything the
 * ranking (libs/worklist) needs; each topic's events change their own part, and every change is a
 * deterministic function of (state, event), so replaying or redelivering events changes nothing:
 * - profile (patients.v1): the newest `updatedAt` wins;
 * - scores (risk-scores.v1): the newest device time is the latest score; the trend keeps 8 days;
 * - alerts (alerts.v1): raised adds (unless already resolved), acknowledged marks, resolved removes
 *   for good (a resolved id is remembered, so a re-published raise cannot bring it back);
 * - contacts (care-activity.v1): the newest contact is the last contact and sets or clears the snooze.
 */
import type { AlertSeverity, ContactOutcome, RiskLevel } from '@vigil/contracts';

const DAY_MS = 86_400_000;
/** Scores kept for the trend, before the latest one's device time. */
export const TREND_WINDOW_MS = 8 * DAY_MS;
const MAX_TREND = 60;
const MAX_RESOLVED = 200;
const MAX_FACTORS = 12;
const MAX_ALERT_REASONS = 6;

export interface StateFactor {
  code: string;
  message: string;
  points: number;
  severity: string;
}

export interface StateAlert {
  alertId: string;
  severity: AlertSeverity;
  ruleCode: string;
  summary: string;
  triggeredAtMs: number;
  reasons: { code: string; message: string }[];
  acknowledgedAtMs?: number;
}

export interface StateScore {
  checkInId: string;
  score: number;
  level: RiskLevel;
  atMs: number;
  factors: StateFactor[];
}

export interface StateContact {
  contactId: string;
  atMs: number;
  outcome: ContactOutcome;
  by: string;
}

export interface StateSnooze {
  contactId: string;
  untilMs: number;
  setAtMs: number;
  alertSeverityAtSet: AlertSeverity | null;
  levelAtSet: RiskLevel | null;
}

export interface StateProfile {
  careTeamId: string;
  status: 'active' | 'discharged';
  conditions: string[];
  expectedCheckInIntervalHours: number;
  updatedAtMs: number;
}

export interface WorklistState {
  profile: StateProfile | null;
  alerts: StateAlert[];
  /** Recently resolved alert ids (newest last), so a re-published raise cannot reopen one. */
  resolved: string[];
  latestScore: StateScore | null;
  trend: { checkInId: string; score: number; level: RiskLevel; atMs: number }[];
  lastContact: StateContact | null;
  snooze: StateSnooze | null;
}

/** What a consumed event says, already validated (worklist-events.ts). */
export type WorklistEvent =
  | { kind: 'profile'; profile: StateProfile }
  | { kind: 'score'; score: StateScore }
  | { kind: 'alert.raised'; alert: StateAlert }
  | { kind: 'alert.updated'; alert: StateAlert; interrupts: boolean }
  | { kind: 'alert.acknowledged'; alertId: string; atMs: number }
  | { kind: 'alert.resolved'; alertId: string }
  | {
      kind: 'contact';
      contact: StateContact;
      nextContactAtMs: number | null;
      resolvedAlertIds: string[];
      knownSeverity: AlertSeverity | null;
      knownLevel: RiskLevel | null;
    };

export function emptyState(): WorklistState {
  return { profile: null, alerts: [], resolved: [], latestScore: null, trend: [], lastContact: null, snooze: null };
}

const SEVERITY_RANK: Record<AlertSeverity, number> = { medium: 1, high: 2, critical: 3 };
const severityRank = (s: AlertSeverity): number => SEVERITY_RANK[s] ?? 0;

const byId = (a: { alertId: string }, b: { alertId: string }) => (a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0);

function newerScore(a: { atMs: number; checkInId: string }, b: { atMs: number; checkInId: string }): boolean {
  return a.atMs > b.atMs || (a.atMs === b.atMs && a.checkInId > b.checkInId);
}

function resolve(s: WorklistState, alertId: string): WorklistState {
  const resolved = s.resolved.includes(alertId) ? s.resolved : [...s.resolved, alertId].slice(-MAX_RESOLVED);
  return { ...s, alerts: s.alerts.filter((a) => a.alertId !== alertId), resolved };
}

/** The state after one event. Pure; returns the same object when nothing changes. */
export function applyWorklistEvent(s: WorklistState, e: WorklistEvent): WorklistState {
  switch (e.kind) {
    case 'profile':
      if (s.profile && s.profile.updatedAtMs >= e.profile.updatedAtMs) return s;
      return { ...s, profile: e.profile };
    case 'score': {
      const sc = { ...e.score, factors: e.score.factors.slice(0, MAX_FACTORS) };
      if (s.trend.some((t) => t.checkInId === sc.checkInId) || (s.latestScore && s.latestScore.checkInId === sc.checkInId)) return s;
      const latest = !s.latestScore || newerScore(sc, s.latestScore) ? sc : s.latestScore;
      const point = { checkInId: sc.checkInId, score: sc.score, level: sc.level, atMs: sc.atMs };
      const trend = [...s.trend, point]
        .filter((t) => t.atMs >= latest.atMs - TREND_WINDOW_MS)
        .sort((a, b) => a.atMs - b.atMs || (a.checkInId < b.checkInId ? -1 : a.checkInId > b.checkInId ? 1 : 0))
        .slice(-MAX_TREND);
      return { ...s, latestScore: latest, trend };
    }
    case 'alert.raised': {
      if (s.resolved.includes(e.alert.alertId) || s.alerts.some((a) => a.alertId === e.alert.alertId)) return s;
      const alert = { ...e.alert, reasons: e.alert.reasons.slice(0, MAX_ALERT_REASONS) };
      return { ...s, alerts: [...s.alerts, alert].sort(byId) };
    }
    case 'alert.updated': {
      // New evidence for an open alert (model v2 consolidation), as care-api's alert ingestor applies
      // it (alerts/alert-update.ts): a resolved one stays resolved; the raise's time stays; the
      // severity never falls; reasons grow; an interrupting update re-opens an acknowledged alert.
      if (s.resolved.includes(e.alert.alertId)) return s;
      const old = s.alerts.find((a) => a.alertId === e.alert.alertId);
      const alert: StateAlert = { ...e.alert, reasons: e.alert.reasons.slice(0, MAX_ALERT_REASONS) };
      if (old) {
        alert.triggeredAtMs = old.triggeredAtMs;
        if (severityRank(old.severity) > severityRank(alert.severity)) alert.severity = old.severity;
        const fresh = new Map(e.alert.reasons.map((r) => [r.code, r]));
        const kept = old.reasons.map((r) => fresh.get(r.code) ?? r);
        alert.reasons = [...kept, ...e.alert.reasons.filter((r) => !old.reasons.some((o) => o.code === r.code))].slice(0, MAX_ALERT_REASONS);
        if (old.acknowledgedAtMs !== undefined && !e.interrupts) alert.acknowledgedAtMs = old.acknowledgedAtMs;
      }
      if (old && JSON.stringify(old) === JSON.stringify(alert)) return s;
      return { ...s, alerts: [...s.alerts.filter((a) => a.alertId !== alert.alertId), alert].sort(byId) };
    }
    case 'alert.acknowledged': {
      const a = s.alerts.find((x) => x.alertId === e.alertId);
      if (!a || a.acknowledgedAtMs !== undefined) return s;
      return { ...s, alerts: s.alerts.map((x) => (x === a ? { ...x, acknowledgedAtMs: e.atMs } : x)) };
    }
    case 'alert.resolved':
      if (s.resolved.includes(e.alertId) && !s.alerts.some((a) => a.alertId === e.alertId)) return s;
      return resolve(s, e.alertId);
    case 'contact': {
      let next = s;
      for (const id of e.resolvedAlertIds) if (!next.resolved.includes(id) || next.alerts.some((a) => a.alertId === id)) next = resolve(next, id);
      const c = e.contact;
      const isNewest = !s.lastContact || c.atMs > s.lastContact.atMs || (c.atMs === s.lastContact.atMs && c.contactId > s.lastContact.contactId);
      if (!isNewest) return next;
      if (s.lastContact?.contactId === c.contactId) return next;
      const snooze: StateSnooze | null =
        e.nextContactAtMs !== null
          ? { contactId: c.contactId, untilMs: e.nextContactAtMs, setAtMs: c.atMs, alertSeverityAtSet: e.knownSeverity, levelAtSet: e.knownLevel }
          : null;
      return { ...next, lastContact: c, snooze };
    }
  }
}

/** The worst unresolved alert severity (null: none). */
export function worstSeverity(s: WorklistState): AlertSeverity | null {
  const rank = { medium: 1, high: 2, critical: 3 } as const;
  let w: AlertSeverity | null = null;
  for (const a of s.alerts) if (!w || rank[a.severity] > rank[w]) w = a.severity;
  return w;
}
