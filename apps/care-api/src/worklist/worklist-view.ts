/** From a patient's worklist state to the ranking's input (libs/worklist) and to the view care-api answers. */
import { DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS, type WorklistEntryView } from '@vigil/contracts';
import { prioritise, severityRank, type WorklistPatientInput, type WorklistRanking } from '@vigil/worklist';
import type { WorklistState } from './worklist-state';

const iso = (ms: number) => new Date(ms).toISOString();

export function rankInput(patientId: string, s: WorklistState): WorklistPatientInput {
  return {
    patientId,
    alerts: s.alerts.map((a) => ({
      alertId: a.alertId,
      severity: a.severity,
      problem: a.ruleCode,
      raisedAtMs: a.triggeredAtMs,
      summary: a.summary || undefined,
      reasons: a.reasons,
      acknowledgedAtMs: a.acknowledgedAtMs,
    })),
    latestScore: s.latestScore
      ? {
          value: s.latestScore.score,
          level: s.latestScore.level,
          atMs: s.latestScore.atMs,
          factors: s.latestScore.factors.map((f) => ({ code: f.code, message: f.message, points: f.points, severity: f.severity as 'info' })),
        }
      : null,
    trend: s.trend.map((t) => ({ value: t.score, level: t.level, atMs: t.atMs })),
    lastCheckInMs: s.latestScore ? s.latestScore.atMs : null,
    expectedCheckInIntervalHours: s.profile?.expectedCheckInIntervalHours ?? DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS,
    lastContact: s.lastContact ? { atMs: s.lastContact.atMs, outcome: s.lastContact.outcome } : null,
    snooze: s.snooze
      ? { untilMs: s.snooze.untilMs, setAtMs: s.snooze.setAtMs, alertSeverityAtSet: s.snooze.alertSeverityAtSet, levelAtSet: s.snooze.levelAtSet }
      : null,
  };
}

export function rank(patientId: string, s: WorklistState, nowMs: number): WorklistRanking {
  return prioritise(rankInput(patientId, s), nowMs);
}

/** The entry of `GET /v1/worklist` and of a `worklist` SSE event. */
export function entryView(patientId: string, s: WorklistState, version: number, r: WorklistRanking, nowMs: number): WorklistEntryView {
  const alerts = [...s.alerts].sort(
    (a, b) => severityRank(b.severity) - severityRank(a.severity) || a.triggeredAtMs - b.triggeredAtMs || (a.alertId < b.alertId ? -1 : 1),
  );
  const counts = { critical: 0, high: 0, medium: 0 };
  for (const a of alerts) counts[a.severity]++;
  return {
    patientId,
    careTeamId: s.profile?.careTeamId ?? '',
    conditions: s.profile?.conditions ?? [],
    priority: r.priority,
    level: r.level,
    reasons: r.reasons,
    openAlerts: alerts.map((a) => ({
      alertId: a.alertId,
      severity: a.severity,
      ruleCode: a.ruleCode,
      summary: a.summary,
      triggeredAt: iso(a.triggeredAtMs),
      status: a.acknowledgedAtMs !== undefined ? 'acknowledged' : 'open',
    })),
    openAlertCounts: counts,
    latestScore: s.latestScore ? { score: s.latestScore.score, level: s.latestScore.level, recordedAt: iso(s.latestScore.atMs) } : null,
    trend: s.trend.map((t) => ({ recordedAt: iso(t.atMs), score: t.score })),
    lastCheckInAt: s.latestScore ? iso(s.latestScore.atMs) : null,
    expectedCheckInIntervalHours: s.profile?.expectedCheckInIntervalHours ?? DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS,
    overdueCheckIns: r.overdueCheckIns,
    lastContact: s.lastContact
      ? { contactId: s.lastContact.contactId, at: iso(s.lastContact.atMs), outcome: s.lastContact.outcome, by: s.lastContact.by }
      : null,
    snoozedUntil: s.snooze && s.snooze.untilMs > nowMs ? iso(s.snooze.untilMs) : null,
    snoozed: r.snoozed,
    snoozeBroken: r.snoozeBroken,
    version,
    computedAt: iso(nowMs),
  };
}

/** On the worklist: a profile that is active. */
export function isListed(s: WorklistState): boolean {
  return s.profile?.status === 'active';
}
