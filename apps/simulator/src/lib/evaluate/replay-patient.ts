/**
 * Replays one cohort patient through one model, per check-in in device-time order (or in the order
 * the server receives them), calling `checkEngagement` before each check-in and at the end of the
 * cohort: what the team would have been sent, with when each item could first have been seen.
 */
import { EngineCheckIn, Level, ModelVersion, PatientProfile, PatientState, RaisedAlert, checkEngagement, initialState, scoreCheckIn } from '@vigil/risk-engine';
import { CohortPatient } from '../cohort';
import { AlertRecord } from './classify';

export type ReplayOrder = 'device' | 'sent';

/** One risk.scored event: what the worklist ranks on. */
export interface ScorePoint {
  value: number;
  level: Level;
  /** Device time of the check-in (epoch ms). */
  at: number;
  /** When the check-in was sent (epoch ms). */
  sentAt: number;
  factors: { code: string; message: string; points: number; severity: 'info' | 'low' | 'medium' | 'high' | 'critical' }[];
}

export interface PatientReplay {
  /** Deterioration alerts: raised alerts plus (v2) interrupting updates. */
  alerts: AlertRecord[];
  /** Missed-check-in alerts to the team, in the order raised. */
  engagement: AlertRecord[];
  engagementAlerts: number;
  /** v2: reminders to the patient (reminder.due). */
  reminders: number;
  /** v2: non-interrupting alert.updated events (new evidence for an open alert). */
  quietUpdates: number;
  /** Every score, in replay order. */
  scores: ScorePoint[];
}

export function engineProfile(p: CohortPatient): PatientProfile {
  const { patientId, tenantId, careTeamId, conditions, dryWeightKg, news2SpO2Scale, expectedCheckInIntervalHours } = p.profile;
  return { patientId, tenantId, careTeamId, conditions, ...(dryWeightKg !== undefined ? { dryWeightKg } : {}), news2SpO2Scale, expectedCheckInIntervalHours };
}

export function recordOf(a: Pick<RaisedAlert, 'ruleCode' | 'severity' | 'triggeredAt' | 'reasons' | 'alertId' | 'problem'>, sentAt: number): AlertRecord {
  const codes = a.reasons.filter((f) => f.severity !== 'info').map((f) => f.code);
  return {
    ruleCode: a.ruleCode,
    severity: a.severity,
    at: Date.parse(a.triggeredAt),
    sentAt,
    codes,
    alertId: a.alertId,
    ...(a.problem ? { problem: a.problem } : {}),
  };
}

export function replayPatient(model: ModelVersion, p: CohortPatient, horizonEndMs: number, order: ReplayOrder = 'device'): PatientReplay {
  const profile = engineProfile(p);
  let state: PatientState = initialState(profile);
  const lines = [...p.checkIns].sort((a, b) => {
    const ka = order === 'sent' ? Date.parse(a.sentAt) - Date.parse(b.sentAt) : 0;
    return ka || Date.parse(a.checkIn.recordedAt) - Date.parse(b.checkIn.recordedAt) || (a.checkIn.checkInId < b.checkIn.checkInId ? -1 : 1);
  });
  const alerts: AlertRecord[] = [];
  const engagement: AlertRecord[] = [];
  const scores: ScorePoint[] = [];
  let reminders = 0;
  let quietUpdates = 0;
  const engage = (clock: string): void => {
    const eng = checkEngagement(model, profile, state, clock);
    state = eng.state;
    // The engine notices a silence when it is asked; the team sees it then, not at its device-time cause.
    for (const a of eng.alerts) engagement.push(recordOf(a, Math.max(Date.parse(clock), Date.parse(a.triggeredAt))));
    reminders += eng.reminders.length;
  };
  for (const line of lines) {
    const { notes: _notes, ...rest } = line.checkIn;
    const checkIn: EngineCheckIn = { ...rest, patientId: profile.patientId, tenantId: profile.tenantId };
    engage(order === 'sent' ? line.sentAt : line.checkIn.recordedAt);
    const res = scoreCheckIn(model, profile, state, checkIn);
    state = res.state;
    const sentAt = Date.parse(line.sentAt);
    scores.push({
      value: res.score.score,
      level: res.score.level,
      at: Date.parse(res.score.recordedAt),
      sentAt,
      factors: res.score.factors.map((f) => ({ code: f.code, message: f.message, points: f.points, severity: f.severity })),
    });
    for (const a of res.alerts) alerts.push(recordOf(a, sentAt));
    for (const u of res.updates) {
      if (!u.interrupts) quietUpdates++;
      else alerts.push({ ...recordOf(u, sentAt), interrupt: true });
    }
  }
  engage(new Date(horizonEndMs).toISOString());
  return { alerts, engagement, engagementAlerts: engagement.length, reminders, quietUpdates, scores };
}
