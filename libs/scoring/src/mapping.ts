/**
 * Pure mapping between the wire contracts (@vigil/contracts) and the risk engine's own types
 * (@vigil/risk-engine). The two are structurally close by design; the mapping is still explicit,
 * field by field, so that an addition on one side never leaks unannounced into the other (the
 * contracts are the only place a payload shape is written).
 */
import {
  AlertRaisedData,
  AlertUpdatedData,
  CheckIn,
  createEvent,
  EVENT_SOURCES,
  EVENT_TYPES,
  DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS,
  PatientProfile as ProfileData,
  RiskFactorData,
  ReminderDueData,
  RiskScoredData,
  VigilEvent,
} from '@vigil/contracts';
import type { AlertUpdate, EngineCheckIn, EngineReminder, PatientProfile as EngineProfile, RaisedAlert, RiskFactor, RiskScore } from '@vigil/risk-engine';
import { riskScoredEventId } from './ids';

/** The engine's view of a check-in: ids from the event, no notes (PHI the engine never reads). */
export function toEngineCheckIn(event: Pick<VigilEvent, 'subject' | 'tenantid'>, c: CheckIn): EngineCheckIn {
  const out: EngineCheckIn = { checkInId: c.checkInId, patientId: event.subject, tenantId: event.tenantid, recordedAt: c.recordedAt };
  if (c.vitals) out.vitals = { ...c.vitals };
  if (c.symptoms) out.symptoms = { ...c.symptoms };
  if (c.questionnaires) out.questionnaires = c.questionnaires.map((q) => ({ instrument: q.instrument, answers: [...q.answers] }));
  if (c.medication) out.medication = { adherence: c.medication.adherence };
  if (c.mood !== undefined) out.mood = c.mood;
  return out;
}

/** A check-in without `notes`: what the scorer may keep (parked check-ins). */
export function withoutNotes(c: CheckIn): CheckIn {
  const { notes: _notes, ...rest } = c;
  return rest;
}

/** The engine's profile from the patients.v1 data; `enrolledAt` starts the engagement clock of a patient who never checked in. */
export function toEngineProfile(p: ProfileData, enrolledAt?: string): EngineProfile {
  const out: EngineProfile = {
    patientId: p.patientId,
    tenantId: p.tenantId,
    careTeamId: p.careTeamId,
    conditions: [...p.conditions],
    news2SpO2Scale: p.news2SpO2Scale,
  };
  if (p.dryWeightKg !== undefined && p.dryWeightKg !== null) out.dryWeightKg = p.dryWeightKg;
  if (p.expectedCheckInIntervalHours !== undefined && p.expectedCheckInIntervalHours !== null) {
    out.expectedCheckInIntervalHours = p.expectedCheckInIntervalHours;
  }
  if (enrolledAt) out.enrolledAt = enrolledAt;
  return out;
}

export function toFactorData(f: RiskFactor): RiskFactorData {
  return { code: f.code, value: f.value, threshold: f.threshold, points: f.points, severity: f.severity, message: f.message };
}

export function toRiskScoredData(s: RiskScore): RiskScoredData {
  return {
    modelVersion: s.modelVersion,
    patientId: s.patientId,
    tenantId: s.tenantId,
    checkInId: s.checkInId,
    recordedAt: s.recordedAt,
    score: s.score,
    level: s.level,
    factors: s.factors.map(toFactorData),
    news2: s.news2
      ? {
          total: s.news2.total,
          level: s.news2.level,
          partial: s.news2.partial,
          parametersPresent: [...s.news2.parametersPresent],
          parametersMissing: [...s.news2.parametersMissing],
        }
      : null,
    late: s.late,
  };
}

export function toAlertRaisedData(a: RaisedAlert): AlertRaisedData {
  const out: AlertRaisedData = {
    alertId: a.alertId,
    modelVersion: a.modelVersion,
    patientId: a.patientId,
    tenantId: a.tenantId,
    careTeamId: a.careTeamId,
    ruleCode: a.ruleCode,
    severity: a.severity,
    level: a.level,
    score: a.score,
    triggeredAt: a.triggeredAt,
    reasons: a.reasons.map(toFactorData),
    summary: a.summary,
  };
  if (a.checkInId !== undefined) out.checkInId = a.checkInId;
  if (a.problem !== undefined) out.problem = a.problem;
  if (a.late === true) out.late = true;
  return out;
}

export function toAlertUpdatedData(u: AlertUpdate): AlertUpdatedData {
  const out: AlertUpdatedData = {
    alertId: u.alertId,
    updateId: u.updateId,
    modelVersion: u.modelVersion,
    patientId: u.patientId,
    tenantId: u.tenantId,
    careTeamId: u.careTeamId,
    problem: u.problem,
    ruleCode: u.ruleCode,
    severity: u.severity,
    previousSeverity: u.previousSeverity,
    interrupts: u.interrupts,
    level: u.level,
    score: u.score,
    checkInId: u.checkInId,
    triggeredAt: u.triggeredAt,
    reasons: u.reasons.map(toFactorData),
    allReasonCodes: [...u.allReasonCodes],
    summary: u.summary,
  };
  if (u.late === true) out.late = true;
  return out;
}

/** `alert.updated`: the event id is the update id, derived from the alert and the check-in with the evidence. */
export function alertUpdatedEvent(u: AlertUpdate, traceparent?: string): VigilEvent<AlertUpdatedData> {
  return createEvent({
    id: u.updateId,
    source: EVENT_SOURCES.riskScorer,
    type: EVENT_TYPES.alertUpdated,
    subject: u.patientId,
    time: u.triggeredAt,
    tenantid: u.tenantId,
    data: toAlertUpdatedData(u),
    traceparent,
  });
}

/**
 * `risk.scored`: id derived from (model version, check-in id), time = the check-in's device time,
 * so re-publishing after a crash, or replaying, gives the very same event.
 */
export function riskScoredEvent(s: RiskScore, traceparent?: string): VigilEvent<RiskScoredData> {
  return createEvent({
    id: riskScoredEventId(s.modelVersion, s.checkInId),
    source: EVENT_SOURCES.riskScorer,
    type: EVENT_TYPES.riskScored,
    subject: s.patientId,
    time: s.recordedAt,
    tenantid: s.tenantId,
    data: toRiskScoredData(s),
    traceparent,
  });
}

/** `alert.raised`: the event id is the alert id, itself derived from the alert's cause. */
export function alertRaisedEvent(a: RaisedAlert, traceparent?: string): VigilEvent<AlertRaisedData> {
  return createEvent({
    id: a.alertId,
    source: EVENT_SOURCES.riskScorer,
    type: EVENT_TYPES.alertRaised,
    subject: a.patientId,
    time: a.triggeredAt,
    tenantid: a.tenantId,
    data: toAlertRaisedData(a),
    traceparent,
  });
}

export const PROFILE_EVENT_TYPES: readonly string[] = [EVENT_TYPES.patientEnrolled, EVENT_TYPES.patientUpdated, EVENT_TYPES.patientDischarged];

/**
 * Reads the data of a patients.v1 event defensively (care-api validated it; a compacted topic
 * outlives code versions). Returns an error text (no values, no PHI) for a record that can never
 * be applied: the caller dead-letters it.
 */
export function readProfileEvent(e: VigilEvent): { ok: true; profile: ProfileData } | { ok: false; error: string } {
  const d = e.data as Partial<ProfileData> | null;
  if (typeof d !== 'object' || d === null || Array.isArray(d)) return { ok: false, error: 'profile data is not an object' };
  const problems: string[] = [];
  if (typeof d.patientId !== 'string' || !d.patientId) problems.push('patientId');
  else if (d.patientId !== e.subject) problems.push('patientId differs from the event subject');
  if (typeof d.tenantId !== 'string' || !d.tenantId) problems.push('tenantId');
  else if (d.tenantId !== e.tenantid) problems.push('tenantId differs from the event tenantid');
  if (typeof d.careTeamId !== 'string' || !d.careTeamId) problems.push('careTeamId');
  if (!Array.isArray(d.conditions) || d.conditions.some((c) => typeof c !== 'string')) problems.push('conditions');
  if (d.news2SpO2Scale !== 1 && d.news2SpO2Scale !== 2) problems.push('news2SpO2Scale');
  if (d.dryWeightKg !== undefined && d.dryWeightKg !== null && !(typeof d.dryWeightKg === 'number' && Number.isFinite(d.dryWeightKg))) {
    problems.push('dryWeightKg');
  }
  const interval = d.expectedCheckInIntervalHours;
  if (interval !== undefined && interval !== null && !(typeof interval === 'number' && Number.isFinite(interval) && interval > 0)) {
    problems.push('expectedCheckInIntervalHours');
  }
  if (problems.length) return { ok: false, error: `invalid patient profile: ${problems.join(', ')}` };
  const status = e.type === EVENT_TYPES.patientDischarged || d.status === 'discharged' ? 'discharged' : 'active';
  const profile: ProfileData = {
    patientId: d.patientId as string,
    tenantId: d.tenantId as string,
    careTeamId: d.careTeamId as string,
    conditions: [...(d.conditions as ProfileData['conditions'])],
    news2SpO2Scale: d.news2SpO2Scale as 1 | 2,
    expectedCheckInIntervalHours: (interval as number | undefined) ?? DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS,
    status,
    updatedAt: typeof d.updatedAt === 'string' ? d.updatedAt : e.time,
  };
  if (typeof d.dryWeightKg === 'number') profile.dryWeightKg = d.dryWeightKg;
  return { ok: true, profile };
}

export function toReminderDueData(r: EngineReminder): ReminderDueData {
  return {
    reminderId: r.reminderId,
    modelVersion: r.modelVersion,
    patientId: r.patientId,
    tenantId: r.tenantId,
    careTeamId: r.careTeamId,
    lastCheckInAt: r.lastCheckInAt,
    dueAt: r.dueAt,
    expectedIntervalHours: r.expectedIntervalHours,
    escalatesAt: r.escalatesAt,
  };
}

/** `reminder.due` (reminders.v1): the event id is the reminder id, derived from the silence; time = when it became due. */
export function reminderDueEvent(r: EngineReminder, traceparent?: string): VigilEvent<ReminderDueData> {
  return createEvent({
    id: r.reminderId,
    source: EVENT_SOURCES.riskScorer,
    type: EVENT_TYPES.reminderDue,
    subject: r.patientId,
    time: r.dueAt,
    tenantid: r.tenantId,
    data: toReminderDueData(r),
    traceparent,
  });
}
