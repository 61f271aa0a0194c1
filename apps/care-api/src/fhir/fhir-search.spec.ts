import { dateWindow, observationKinds, pageSize, patientOf } from './fhir-search';
import { observationOf, SERVED_OBSERVATIONS } from './observation-resources';
import { riskAssessmentOf } from './risk-assessment-resources';

const point = { recordedAt: '2026-03-02T07:15:00.000Z', checkInId: '3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f', value: 131 };

describe('care-api FHIR search parameters', () => {
  it('date prefixes make one window of device time, by the precision given', () => {
    expect(dateWindow({ date: ['ge2026-03-01', 'le2026-03-02'] })).toEqual({ from: '2026-03-01T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z' });
    expect(dateWindow({ date: 'gt2026-03-01T10:00:00+01:00' })).toEqual({ from: '2026-03-01T09:00:00.001Z', to: undefined });
    expect(dateWindow({ date: '2026-03' })).toEqual({ from: '2026-03-01T00:00:00.000Z', to: '2026-04-01T00:00:00.000Z' });
    expect(() => dateWindow({ date: 'yesterday' })).toThrow();
    expect(() => dateWindow({ date: 'sa2026-03-01' })).toThrow();
  });

  it('patient, code and _count are checked', () => {
    expect(patientOf({ patient: 'Patient/p-1' }, 'patient')).toBe('p-1');
    expect(() => patientOf({}, 'patient')).toThrow();
    expect(observationKinds({ code: 'http://loinc.org|85354-9,8867-4' }).map((k) => k.key)).toEqual(['bp', 'hr']);
    expect(observationKinds({}).length).toBe(SERVED_OBSERVATIONS.length);
    expect(() => observationKinds({ code: '8302-2' })).toThrow();
    expect(pageSize({ _count: '7' }, 50, 500)).toBe(7);
    expect(() => pageSize({ _count: '0' }, 50, 500)).toThrow();
  });
});

describe('care-api FHIR resources', () => {
  it('blood pressure is the panel with both components, in the vital-signs profiles', () => {
    const bp = SERVED_OBSERVATIONS.find((k) => k.key === 'bp');
    const o = observationOf(bp as (typeof SERVED_OBSERVATIONS)[number], 'p-1', point, 84);
    expect(o.id).toBe(`${point.checkInId}-bp`);
    expect(o.meta?.profile).toEqual(['http://hl7.org/fhir/StructureDefinition/vitalsigns', 'http://hl7.org/fhir/StructureDefinition/bp']);
    expect(o.component?.map((c) => [c.code.coding?.[0].code, c.valueQuantity?.value, c.valueQuantity?.code])).toEqual([
      ['8480-6', 131, 'mm[Hg]'],
      ['8462-4', 84, 'mm[Hg]'],
    ]);
  });

  it('a risk score is a RiskAssessment with its model, level and factors', () => {
    const ra = riskAssessmentOf('p-1', {
      ...point,
      modelVersion: 'v2',
      score: 62,
      level: 'critical',
      late: false,
      scoredAt: null,
      news2: null,
      factors: [{ code: 'phq9.item9', value: 1, threshold: '> 0', points: 40, severity: 'critical', message: 'PHQ-9 item 9 answered above 0' }],
    });
    expect(ra.method?.coding?.[0].code).toBe('v2');
    expect(ra.prediction?.[0].qualitativeRisk?.coding?.map((c) => c.code)).toEqual(['high', 'critical']);
    expect(ra.basis).toEqual([{ display: 'phq9.item9: PHQ-9 item 9 answered above 0' }]);
    expect(ra.prediction?.[1].outcome?.coding?.[0].code).toBe('phq9.item9');
  });
});
