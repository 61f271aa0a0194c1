/**
 * The live scorer's mapping between contracts and engine, and its event ids, REPRODUCED here
 * because an app may not import another app (lint: app -> app is forbidden).
 *
 * Source of truth: apps/risk-scorer/src/mapping.ts (toEngineCheckIn, withoutNotes,
 * toEngineProfile, toFactorData, toRiskScoredData, toAlertRaisedData, riskScoredEvent,
 * alertRaisedEvent, readProfileEvent) and apps/risk-scorer/src/ids.ts (uuidV5, riskScoredEventId,
 * SCORER_ID_NAMESPACE). Keep them identical: rescore.live.int-spec.ts runs the real scorer and
 * checks that rescore's output equals its output, event for event and byte for byte. These
 * belong in a library (e.g. libs/contracts or a scorer-mapping lib) shared by both apps.
 */
import { createHash } from 'node:crypto';
import {
  AlertRaisedData,
  CheckIn,
  createEvent,
  DEFAULT_EXPECTED_CHECKIN_INTERVAL_HOURS,
  EVENT_SOURCES,
  EVENT_TYPES,
  PatientProfile as ProfileData,
  RiskFactorData,
  RiskScoredData,
  VigilEvent,
} from '@vigil/contracts';
import type { EngineCheckIn, PatientProfile as EngineProfile, RaisedAlert, RiskFactor, RiskScore } from '@vigil/risk-engine';

/** apps/risk-scorer/src/ids.ts: namespace of every name-based id the scorer makes. */
export const SCORER_ID_NAMESPACE = '5b0f3a8e-8c1e-4a63-9d2f-3f6e1c7a2b90';
const NAMESPACE_BYTES = Buffer.from(SCORER_ID_NAMESPACE.replace(/-/g, ''), 'hex');

/** RFC 9562 version-5 UUID (as apps/risk-scorer/src/ids.ts). */
export function uuidV5(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE_BYTES).update(name, 'utf8').digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6] & 0x0f) | 0x50;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function riskScoredEventId(modelVersion: string, checkInId: string): string {
  return uuidV5(`risk.scored\u0000${modelVersion}\u0000${checkInId}`);
}

export function toEngineCheckIn(event: Pick<VigilEvent, 'subject' | 'tenantid'>, c: CheckIn): EngineCheckIn {
  const out: EngineCheckIn = { checkInId: c.checkInId, patientId: event.subject, tenantId: event.tenantid, recordedAt: c.recordedAt };
  if (c.vitals) out.vitals = { ...c.vitals };
  if (c.symptoms) out.symptoms = { ...c.symptoms };
  if (c.questionnaires) out.questionnaires = c.questionnaires.map((q) => ({ instrument: q.instrument, answers: [...q.answers] }));
  if (c.medication) out.medication = { adherence: c.medication.adherence };
  if (c.mood !== undefined) out.mood = c.mood;
  return out;
}

export function withoutNotes(c: CheckIn): CheckIn {
  const { notes: _notes, ...rest } = c;
  return rest;
}

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
  return out;
}

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

/** apps/risk-scorer/src/mapping.ts readProfileEvent: a patients.v1 event's profile, or why not. */
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
