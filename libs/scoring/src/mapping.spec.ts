import { CheckIn, createEvent, EVENT_SOURCES, EVENT_TYPES, PatientProfile } from '@vigil/contracts';
import { initialState, scoreCheckIn, type PatientProfile as EngineProfileForV2 } from '@vigil/risk-engine';
import { riskScoredEventId, uuidV5 } from './ids';
import {
  alertRaisedEvent,
  alertUpdatedEvent,
  readProfileEvent,
  reminderDueEvent,
  riskScoredEvent,
  toEngineCheckIn,
  toEngineProfile,
  toRiskScoredData,
  withoutNotes,
} from './mapping';

const profile: PatientProfile = {
  patientId: 'p-1',
  tenantId: 'org-1',
  careTeamId: 'team-1',
  conditions: ['heart-failure'],
  dryWeightKg: 80,
  news2SpO2Scale: 1,
  expectedCheckInIntervalHours: 48,
  status: 'active',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const checkIn = (id: string, recordedAt: string, weightKg: number): CheckIn => ({
  checkInId: id,
  recordedAt,
  vitals: { weightKg, spo2: 97, heartRate: 70 },
  notes: 'feeling puffy, see my diary',
});

const event = { subject: 'p-1', tenantid: 'org-1' };

describe('mapping', () => {
  it('gives the engine the check-in with the event ids and without notes', () => {
    const c = toEngineCheckIn(event, checkIn('7c1c8f9e-3b2a-4d5e-8f90-1a2b3c4d5e6f', '2026-01-02T08:00:00+01:00', 81));
    expect(c).toEqual({
      checkInId: '7c1c8f9e-3b2a-4d5e-8f90-1a2b3c4d5e6f',
      patientId: 'p-1',
      tenantId: 'org-1',
      recordedAt: '2026-01-02T08:00:00+01:00',
      vitals: { weightKg: 81, spo2: 97, heartRate: 70 },
    });
    expect(JSON.stringify(withoutNotes(checkIn('x', '2026-01-02T08:00:00Z', 80)))).not.toContain('diary');
  });

  it('maps a heart-failure weight gain to risk.scored and alert.raised in the contract shapes', () => {
    const ep = toEngineProfile(profile);
    const s0 = scoreCheckIn('v1', ep, initialState(ep), toEngineCheckIn(event, checkIn('a0000000-0000-4000-8000-000000000001', '2026-01-02T07:00:00Z', 80.0)));
    const r = scoreCheckIn('v1', ep, s0.state, toEngineCheckIn(event, checkIn('a0000000-0000-4000-8000-000000000002', '2026-01-03T07:00:00Z', 81.2)));
    const data = toRiskScoredData(r.score);
    expect(Object.keys(data).sort()).toEqual([
      'checkInId',
      'factors',
      'late',
      'level',
      'modelVersion',
      'news2',
      'patientId',
      'recordedAt',
      'score',
      'tenantId',
    ]);
    for (const f of data.factors) expect(Object.keys(f).sort()).toEqual(['code', 'message', 'points', 'severity', 'threshold', 'value']);
    expect(data.factors.map((f) => f.code)).toContain('hf.weightGain24h');
    expect(Object.keys(data.news2 ?? {}).sort()).toEqual(['level', 'parametersMissing', 'parametersPresent', 'partial', 'total']);

    const scored = riskScoredEvent(r.score, '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    expect(scored).toMatchObject({
      id: riskScoredEventId('v1', 'a0000000-0000-4000-8000-000000000002'),
      source: EVENT_SOURCES.riskScorer,
      type: EVENT_TYPES.riskScored,
      subject: 'p-1',
      tenantid: 'org-1',
      time: '2026-01-03T07:00:00Z',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
    });
    expect(r.alerts.length).toBeGreaterThan(0);
    const alert = alertRaisedEvent(r.alerts[0]);
    expect(alert.id).toBe(r.alerts[0].alertId);
    expect(alert.type).toBe(EVENT_TYPES.alertRaised);
    expect(alert.data.careTeamId).toBe('team-1');
    expect(alert.data.reasons.map((f) => f.code)).toContain('hf.weightGain24h');
    expect(alert.traceparent).toBeUndefined();
  });

  it('derives the risk.scored id from model version and check-in id only', () => {
    expect(riskScoredEventId('v1', 'c')).toBe(riskScoredEventId('v1', 'c'));
    expect(riskScoredEventId('v1', 'c')).not.toBe(riskScoredEventId('static-v0', 'c'));
    // RFC 9562 test vector for version 5 (DNS namespace, "www.example.com").
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('passes enrolment time and the profile fields to the engine', () => {
    expect(toEngineProfile({ ...profile, dryWeightKg: undefined }, '2026-01-01T00:00:00.000Z')).toEqual({
      patientId: 'p-1',
      tenantId: 'org-1',
      careTeamId: 'team-1',
      conditions: ['heart-failure'],
      news2SpO2Scale: 1,
      expectedCheckInIntervalHours: 48,
      enrolledAt: '2026-01-01T00:00:00.000Z',
    });
  });

  describe('readProfileEvent', () => {
    const ev = (type: string, data: unknown) =>
      createEvent({
        id: 'e1',
        source: EVENT_SOURCES.careApi,
        type: type as typeof EVENT_TYPES.patientEnrolled,
        subject: 'p-1',
        time: '2026-01-01T00:00:00Z',
        tenantid: 'org-1',
        data,
      });

    it('reads a profile and marks discharges', () => {
      expect(readProfileEvent(ev(EVENT_TYPES.patientEnrolled, profile))).toEqual({ ok: true, profile });
      const d = readProfileEvent(ev(EVENT_TYPES.patientDischarged, profile));
      expect(d.ok && d.profile.status).toBe('discharged');
    });

    it('defaults the interval and refuses what can never be applied', () => {
      const { expectedCheckInIntervalHours: _i, ...noInterval } = profile;
      const r = readProfileEvent(ev(EVENT_TYPES.patientUpdated, noInterval));
      expect(r.ok && r.profile.expectedCheckInIntervalHours).toBe(48);
      expect(readProfileEvent(ev(EVENT_TYPES.patientUpdated, { ...profile, patientId: 'p-2' }))).toEqual({
        ok: false,
        error: 'invalid patient profile: patientId differs from the event subject',
      });
      expect(readProfileEvent(ev(EVENT_TYPES.patientUpdated, { ...profile, news2SpO2Scale: 3 })).ok).toBe(false);
      expect(readProfileEvent(ev(EVENT_TYPES.patientUpdated, null)).ok).toBe(false);
    });
  });

  it('maps a reminder to reminder.due on reminders.v1, with the reminder id as the event id', () => {
    const r = {
      reminderId: '0a6d8f4e-1c2b-8d3e-9f40-5a6b7c8d9e0f',
      modelVersion: 'v2' as const,
      patientId: 'p-1',
      tenantId: 'org-1',
      careTeamId: 'team-a',
      lastCheckInAt: '2026-01-01T00:00:00.000Z',
      dueAt: '2026-01-03T00:00:00.000Z',
      expectedIntervalHours: 48,
      escalatesAt: '2026-01-05T00:00:00.000Z',
    };
    const e = reminderDueEvent(r);
    expect(e).toMatchObject({
      id: r.reminderId,
      type: 'org.vigil.reminder.due',
      subject: 'p-1',
      tenantid: 'org-1',
      time: r.dueAt,
      source: 'vigil/risk-scorer',
    });
    expect(e.data).toEqual(r);
  });
});

describe('v2 alerts: problem, late and alert.updated', () => {
  const profileV2: EngineProfileForV2 = { patientId: 'p-v2', tenantId: 't', careTeamId: 'c', conditions: ['copd'], news2SpO2Scale: 1 };
  const at = (h: number): string => new Date(Date.UTC(2026, 0, 1, 8) + h * 3_600_000).toISOString();
  const vitals = (h: number, v: Record<string, number>) => ({ checkInId: `ci-v2-${h}`, patientId: 'p-v2', tenantId: 't', recordedAt: at(h), vitals: v });

  it('maps the problem onto alert.raised and a severity rise onto an interrupting alert.updated', () => {
    const first = scoreCheckIn('v2', profileV2, initialState(profileV2), vitals(0, { heartRate: 115, respiratoryRate: 22, temperatureC: 38.5 }));
    const raised = alertRaisedEvent(first.alerts[0]);
    expect(raised.data).toMatchObject({ problem: 'copd', modelVersion: 'v2' });
    expect(raised.data).not.toHaveProperty('late');
    const second = scoreCheckIn('v2', profileV2, first.state, vitals(24, { heartRate: 135, respiratoryRate: 26, temperatureC: 39.5, systolicBp: 95 }));
    const e = alertUpdatedEvent(second.updates[0]);
    expect(e).toMatchObject({ id: second.updates[0].updateId, type: 'org.vigil.alert.updated', subject: 'p-v2', time: at(24) });
    expect(e.data).toMatchObject({ alertId: first.alerts[0].alertId, interrupts: true, severity: 'critical', previousSeverity: 'high', problem: 'copd' });
  });
});
