import { CHECKIN_LIMITS, validateCheckIn, validateDto, PatientProfileDto } from './index';

const NOW = new Date('2026-03-10T12:00:00Z');
const base = { checkInId: '7d9f4b1e-2c3a-4f5e-8a6b-1c2d3e4f5a6b', recordedAt: '2026-03-10T08:00:00+01:00' };

function check(body: unknown, now: Date | undefined = NOW) {
  return validateCheckIn(body, { now });
}
function errorPaths(body: unknown): string[] {
  const r = check(body);
  return r.ok ? [] : r.errors.map((e) => e.path);
}

describe('check-in validation: numeric bounds', () => {
  const vitalBounds: [string, number, number][] = [
    ['weightKg', ...CHECKIN_LIMITS.weightKg],
    ['heartRate', ...CHECKIN_LIMITS.heartRate],
    ['respiratoryRate', ...CHECKIN_LIMITS.respiratoryRate],
    ['spo2', ...CHECKIN_LIMITS.spo2],
    ['temperatureC', ...CHECKIN_LIMITS.temperatureC],
    ['glucoseMgDl', ...CHECKIN_LIMITS.glucoseMgDl],
  ];
  it.each(vitalBounds)('vitals.%s accepts %d and %d, rejects just beyond', (field, min, max) => {
    expect(check({ ...base, vitals: { [field]: min } }).ok).toBe(true);
    expect(check({ ...base, vitals: { [field]: max } }).ok).toBe(true);
    expect(errorPaths({ ...base, vitals: { [field]: min - 0.1 } })).toEqual([`vitals.${field}`]);
    expect(errorPaths({ ...base, vitals: { [field]: max + 0.1 } })).toEqual([`vitals.${field}`]);
  });

  it('blood pressure: bounds and systolic above diastolic', () => {
    expect(check({ ...base, vitals: { systolicBp: 40, diastolicBp: 20 } }).ok).toBe(true);
    expect(check({ ...base, vitals: { systolicBp: 300, diastolicBp: 200 } }).ok).toBe(true);
    expect(errorPaths({ ...base, vitals: { systolicBp: 39 } })).toEqual(['vitals.systolicBp']);
    expect(errorPaths({ ...base, vitals: { systolicBp: 301 } })).toEqual(['vitals.systolicBp']);
    expect(errorPaths({ ...base, vitals: { diastolicBp: 19 } })).toEqual(['vitals.diastolicBp']);
    expect(errorPaths({ ...base, vitals: { diastolicBp: 201 } })).toEqual(['vitals.diastolicBp']);
    expect(errorPaths({ ...base, vitals: { systolicBp: 120, diastolicBp: 120 } })).toEqual(['vitals.diastolicBp']);
    expect(errorPaths({ ...base, vitals: { systolicBp: 100, diastolicBp: 130 } })).toEqual(['vitals.diastolicBp']);
    expect(check({ ...base, vitals: { systolicBp: 121, diastolicBp: 120 } }).ok).toBe(true);
  });

  const symptomBounds: [string, number, number][] = [
    ['breathlessness', 0, 4],
    ['swelling', 0, 4],
    ['fatigue', 0, 4],
    ['dizziness', 0, 4],
    ['pain', 0, 10],
  ];
  it.each(symptomBounds)('symptoms.%s is an integer from %d to %d', (field, min, max) => {
    expect(check({ ...base, symptoms: { [field]: min } }).ok).toBe(true);
    expect(check({ ...base, symptoms: { [field]: max } }).ok).toBe(true);
    expect(errorPaths({ ...base, symptoms: { [field]: min - 1 } })).toEqual([`symptoms.${field}`]);
    expect(errorPaths({ ...base, symptoms: { [field]: max + 1 } })).toEqual([`symptoms.${field}`]);
    expect(errorPaths({ ...base, symptoms: { [field]: 1.5 } })).toEqual([`symptoms.${field}`]);
  });

  it('mood is an integer 1 to 5', () => {
    expect(check({ ...base, mood: 1 }).ok).toBe(true);
    expect(check({ ...base, mood: 5 }).ok).toBe(true);
    expect(errorPaths({ ...base, mood: 0 })).toEqual(['mood']);
    expect(errorPaths({ ...base, mood: 6 })).toEqual(['mood']);
  });

  it('rejects NaN-like and infinite numbers', () => {
    expect(errorPaths({ ...base, vitals: { heartRate: Infinity } })).toEqual(['vitals.heartRate']);
  });
});

describe('check-in validation: enums, booleans, text', () => {
  it('consciousness is ACVPU', () => {
    for (const c of ['A', 'C', 'V', 'P', 'U']) expect(check({ ...base, vitals: { consciousness: c } }).ok).toBe(true);
    expect(errorPaths({ ...base, vitals: { consciousness: 'X' } })).toEqual(['vitals.consciousness']);
    expect(errorPaths({ ...base, vitals: { consciousness: 'a' } })).toEqual(['vitals.consciousness']);
  });
  it('booleans are booleans', () => {
    expect(check({ ...base, symptoms: { chestPain: true } }).ok).toBe(true);
    expect(errorPaths({ ...base, symptoms: { chestPain: 'yes' } })).toEqual(['symptoms.chestPain']);
    expect(errorPaths({ ...base, vitals: { onSupplementalOxygen: 1, spo2: 95 } })).toEqual(['vitals.onSupplementalOxygen']);
  });
  it('medication adherence', () => {
    expect(check({ ...base, medication: { adherence: 'some' } }).ok).toBe(true);
    expect(errorPaths({ ...base, medication: { adherence: 'most' } })).toEqual(['medication.adherence']);
  });
  it('notes at most 2,000 characters and not measurable alone', () => {
    expect(check({ ...base, mood: 3, notes: 'x'.repeat(2000) }).ok).toBe(true);
    expect(errorPaths({ ...base, mood: 3, notes: 'x'.repeat(2001) })).toEqual(['notes']);
    expect(errorPaths({ ...base, notes: 'felt fine' })).toEqual(['']);
  });
});

describe('check-in validation: questionnaires', () => {
  const cases: [string, number, number][] = [
    ['PHQ-9', 9, 3],
    ['GAD-7', 7, 3],
    ['CAT', 8, 5],
  ];
  it.each(cases)('%s takes %d answers from 0 to %d', (instrument, n, max) => {
    expect(check({ ...base, questionnaires: [{ instrument, answers: Array(n).fill(max) }] }).ok).toBe(true);
    expect(check({ ...base, questionnaires: [{ instrument, answers: Array(n).fill(0) }] }).ok).toBe(true);
    expect(errorPaths({ ...base, questionnaires: [{ instrument, answers: Array(n).fill(max + 1) }] })).toEqual(['questionnaires.0.answers']);
    expect(errorPaths({ ...base, questionnaires: [{ instrument, answers: Array(n - 1).fill(0) }] })).toEqual(['questionnaires.0.answers']);
    expect(errorPaths({ ...base, questionnaires: [{ instrument, answers: [...Array(n - 1).fill(0), -1] }] })).toEqual(['questionnaires.0.answers']);
  });
  it('unknown instrument and non-integer answers', () => {
    expect(errorPaths({ ...base, questionnaires: [{ instrument: 'PHQ-2', answers: [0, 0] }] })).toEqual(['questionnaires.0.instrument']);
    expect(errorPaths({ ...base, questionnaires: [{ instrument: 'GAD-7', answers: [0, 0, 0, 0, 0, 0, 0.5] }] })).toContain('questionnaires.0.answers');
    expect(errorPaths({ ...base, questionnaires: 'PHQ-9' })).toContain('questionnaires');
  });
});

describe('check-in validation: ids, dates and the time window', () => {
  it('checkInId must be a UUID', () => {
    expect(errorPaths({ ...base, checkInId: 'abc', mood: 3 })).toEqual(['checkInId']);
    expect(errorPaths({ recordedAt: base.recordedAt, mood: 3 })).toEqual(['checkInId']);
  });
  it('recordedAt needs an offset and a real date', () => {
    expect(check({ ...base, recordedAt: '2026-03-10T08:00:00Z', mood: 3 }).ok).toBe(true);
    expect(errorPaths({ ...base, recordedAt: '2026-03-10T08:00:00', mood: 3 })).toEqual(['recordedAt']);
    expect(errorPaths({ ...base, recordedAt: '2026-02-30T08:00:00Z', mood: 3 })).toEqual(['recordedAt']);
    expect(errorPaths({ ...base, recordedAt: 'yesterday', mood: 3 })).toEqual(['recordedAt']);
    expect(errorPaths({ ...base, recordedAt: 1710000000, mood: 3 })).toEqual(['recordedAt']);
  });
  it('not more than 5 minutes in the future, not older than 30 days', () => {
    const at = (ms: number) => new Date(NOW.getTime() + ms).toISOString();
    expect(check({ ...base, recordedAt: at(5 * 60 * 1000), mood: 3 }).ok).toBe(true);
    expect(errorPaths({ ...base, recordedAt: at(5 * 60 * 1000 + 1000), mood: 3 })).toEqual(['recordedAt']);
    expect(check({ ...base, recordedAt: at(-30 * 86400 * 1000), mood: 3 }).ok).toBe(true);
    expect(errorPaths({ ...base, recordedAt: at(-30 * 86400 * 1000 - 1000), mood: 3 })).toEqual(['recordedAt']);
  });
  it('without a clock (stored or replayed events) the window is not applied', () => {
    expect(validateCheckIn({ ...base, recordedAt: '2020-01-01T00:00:00Z', mood: 3 }).ok).toBe(true);
  });
});

describe('check-in validation: whitelisting and hostile input', () => {
  it('rejects unknown fields at every level', () => {
    expect(errorPaths({ ...base, mood: 3, patientId: 'p1' })).toEqual(['patientId']);
    expect(errorPaths({ ...base, vitals: { spo2: 95, bloodType: 'A' } })).toEqual(['vitals.bloodType']);
    const r = check({ ...base, mood: 3, patientId: 'p1' });
    expect(!r.ok && r.errors[0].message).toMatch(/unknown field patientId/);
  });
  it('rejects prototype-reaching keys', () => {
    const hostile = JSON.parse(`{"checkInId":"${base.checkInId}","recordedAt":"${base.recordedAt}","mood":3,"__proto__":{"admin":true}}`);
    expect(errorPaths(hostile)).toEqual(['__proto__']);
    expect(errorPaths({ ...base, vitals: { constructor: { prototype: {} } } })).toEqual(['vitals.constructor']);
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
  });
  it('rejects wrong types for whole sections', () => {
    expect(errorPaths({ ...base, vitals: 'high' })).toContain('vitals');
    expect(errorPaths({ ...base, vitals: { heartRate: '72' } })).toEqual(['vitals.heartRate']);
    expect(check(null).ok).toBe(false);
    expect(check([base]).ok).toBe(false);
    expect(check('x').ok).toBe(false);
  });
  it('reports every error at once', () => {
    expect(errorPaths({ checkInId: 'x', recordedAt: 'y', vitals: { spo2: 120, heartRate: 5 } }).sort()).toEqual(
      ['checkInId', 'recordedAt', 'vitals.heartRate', 'vitals.spo2'].sort(),
    );
  });
  it('returns a plain value without undefined fields', () => {
    const r = check({ ...base, vitals: { spo2: 95 }, mood: 4 });
    expect(r.ok && r.value).toEqual({ ...base, vitals: { spo2: 95 }, mood: 4 });
    expect(r.ok && Object.getPrototypeOf(r.value)).toBe(Object.prototype);
  });
  it('uses a root path for batch items', () => {
    const r = validateCheckIn({ ...base, mood: 9 }, { now: NOW, rootPath: 'items.3' });
    expect(!r.ok && r.errors.map((e) => e.path)).toEqual(['items.3.mood']);
  });
});

describe('patient profile validation', () => {
  it('accepts a full profile and rejects bad ones', () => {
    expect(validateDto(PatientProfileDto, { careTeamId: 'team-a', conditions: ['heart-failure'], dryWeightKg: 80, news2SpO2Scale: 1 }).ok).toBe(true);
    const bad = validateDto(PatientProfileDto, { careTeamId: 'team a', conditions: ['flu'], news2SpO2Scale: 3, extra: 1 });
    expect(!bad.ok && bad.errors.map((e) => e.path).sort()).toEqual(['careTeamId', 'conditions', 'extra', 'news2SpO2Scale']);
  });
});
