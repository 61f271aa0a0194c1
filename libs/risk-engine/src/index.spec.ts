import * as api from './index';
import type { EngineCheckIn, PatientProfile, RaisedAlert, RiskScore } from './index';

describe('public API', () => {
  it('exposes the agreed names', () => {
    expect(api.MODEL_VERSIONS).toEqual(['static-v0', 'v1', 'v2']);
    expect(api.DEFAULT_MODEL_VERSION).toBe('v1');
    expect(api.DEFAULT_OPTIONS).toMatchObject({ coolDownHours: 12, lateAfterHours: 24, dryWeightMarginKg: 2 });
    for (const f of [api.initialState, api.scoreCheckIn, api.checkEngagement, api.nextEngagementDueAt]) expect(typeof f).toBe('function');
    expect(Object.isFrozen(api.MODEL_VERSIONS)).toBe(true);
  });

  it('scores a contract-shaped check-in end to end', () => {
    const profile: PatientProfile = { patientId: 'p', tenantId: 't', careTeamId: 'c', conditions: ['heart-failure'], dryWeightKg: 80, news2SpO2Scale: 1 };
    const checkIn: EngineCheckIn = {
      checkInId: '0b5c6c52-51b4-4a57-9d4e-2f2f5d3b4d21',
      patientId: 'p',
      tenantId: 't',
      recordedAt: '2025-03-01T08:15:00+01:00',
      vitals: { weightKg: 83, systolicBp: 118, diastolicBp: 76, heartRate: 88, spo2: 95, onSupplementalOxygen: false },
      symptoms: { breathlessness: 2, swelling: 3, chestPain: false },
      medication: { adherence: 'all' },
      mood: 3,
    };
    const { state, score, alerts }: { state: api.PatientState; score: RiskScore; alerts: RaisedAlert[] } = api.scoreCheckIn(
      'v1',
      profile,
      api.initialState(profile),
      checkIn,
    );
    expect(state.schemaVersion).toBe(1);
    expect(score).toMatchObject({ modelVersion: 'v1', checkInId: checkIn.checkInId, recordedAt: checkIn.recordedAt, level: 'medium', score: 35, late: false });
    expect(score.factors.map((f) => f.code)).toEqual(['hf.aboveDryWeight', 'news2.total', 'news2.spo2', 'symptom.swelling']);
    expect(alerts.map((a) => a.ruleCode)).toEqual(['risk.level']);
    expect(alerts[0].summary).toBe('Medium risk, score 35: Weight 3.0 kg above dry weight; NEWS2 1 (low); Swelling 3/4');
  });
});
