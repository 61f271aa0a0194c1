import { validateCheckIn } from '@vigil/contracts';
import { ProblemException } from '@vigil/http';
import { bundle, fhirObservation, phq9Response } from './fhir-fixtures';
import { uuidV5 } from './fhir-input';
import { fhirErrors } from './mapped-checkin';
import { observationToCheckIn } from './observation.mapper';
import { questionnaireResponseToCheckIn } from './questionnaire-response.mapper';

const AT = '2026-03-02T08:15:00+01:00';
const o = { patient: 'p-1', at: AT, identifier: 'dev-1/0001' };

function refusal(fn: () => unknown): { status: number; errors: { path: string; message: string }[] } {
  try {
    fn();
  } catch (e) {
    if (e instanceof ProblemException) return { status: e.problem.status, errors: e.problem.errors ?? [] };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('FHIR Observation -> check-in', () => {
  it('maps each vital by LOINC + UCUM, with a stable checkInId from the identifier', () => {
    const m = observationToCheckIn(fhirObservation.weight(o), 'p-1');
    expect(m.checkIn).toEqual({ checkInId: uuidV5('Observation|urn:vigil:test-device|dev-1/0001'), recordedAt: AT, vitals: { weightKg: 81.2 } });
    expect(m.id).toBe(`${m.checkIn.checkInId}-weight`);
    expect(validateCheckIn(m.checkIn).ok).toBe(true);
    expect(observationToCheckIn(fhirObservation.weight(o), 'p-1').checkIn.checkInId).toBe(m.checkIn.checkInId);
    expect(observationToCheckIn(fhirObservation.bloodPressure(o, 141, 90), 'p-1').checkIn['vitals']).toEqual({ systolicBp: 141, diastolicBp: 90 });
    expect(observationToCheckIn(fhirObservation.heartRate(o, 64), 'p-1').checkIn['vitals']).toEqual({ heartRate: 64 });
    expect(observationToCheckIn(fhirObservation.respiratoryRate(o, 22), 'p-1').checkIn['vitals']).toEqual({ respiratoryRate: 22 });
    expect(observationToCheckIn(fhirObservation.spo2(o, 93, 2), 'p-1').checkIn['vitals']).toEqual({ spo2: 93, onSupplementalOxygen: true });
    expect(observationToCheckIn(fhirObservation.spo2(o, 97, 0), 'p-1').checkIn['vitals']).toEqual({ spo2: 97, onSupplementalOxygen: false });
    expect(observationToCheckIn(fhirObservation.glucose(o, 110), 'p-1').checkIn['vitals']).toEqual({ glucoseMgDl: 110 });
  });

  it('converts lb to kg, degF to Cel and mmol/L to mg/dL; refuses a unit UCUM cannot take there', () => {
    expect(observationToCheckIn(fhirObservation.weight(o, 180, '[lb_av]'), 'p-1').checkIn['vitals']).toEqual({ weightKg: 81.6466 });
    expect(observationToCheckIn(fhirObservation.temperature(o, 98.6, '[degF]'), 'p-1').checkIn['vitals']).toEqual({ temperatureC: 37 });
    expect(observationToCheckIn(fhirObservation.glucose(o, 5.5, 'mmol/L'), 'p-1').checkIn['vitals']).toEqual({ glucoseMgDl: 99.0858 });
    const r = refusal(() => observationToCheckIn(fhirObservation.weight(o, 80, '[stone_av]'), 'p-1'));
    expect(r.status).toBe(400);
    expect(r.errors[0]).toEqual({
      path: 'Observation.valueQuantity.code',
      message: expect.stringContaining('[stone_av] is not accepted for Body weight; use kg, [lb_av], g'),
    });
    const noSystem = fhirObservation.heartRate(o) as Record<string, unknown>;
    noSystem['valueQuantity'] = { value: 70, unit: 'bpm' };
    expect(refusal(() => observationToCheckIn(noSystem, 'p-1')).errors[0].path).toBe('Observation.valueQuantity.system');
  });

  it('refuses wrong codes, a missing effective[x], another patient, malformed references and unknown elements', () => {
    const cases: [Record<string, unknown>, number, string][] = [
      [{ ...fhirObservation.weight(o), code: { coding: [{ system: 'http://loinc.org', code: '8302-2' }] } }, 400, 'Observation.code'],
      [{ ...fhirObservation.weight(o), effectiveDateTime: undefined }, 400, 'Observation.effective[x]'],
      [{ ...fhirObservation.weight(o), effectiveDateTime: '2026-03-02' }, 400, 'Observation.effectiveDateTime'],
      [{ ...fhirObservation.weight(o), effectivePeriod: { start: AT }, effectiveDateTime: undefined }, 400, 'Observation.effective[x]'],
      [{ ...fhirObservation.weight(o), subject: { reference: 'Patient/p-2' } }, 403, 'Observation.subject.reference'],
      [{ ...fhirObservation.weight(o), subject: { reference: 'Practitioner/p-1' } }, 400, 'Observation.subject.reference'],
      [{ ...fhirObservation.weight(o), subject: { reference: 'Patient/' } }, 400, 'Observation.subject.reference'],
      [{ ...fhirObservation.weight(o), subject: undefined }, 400, 'Observation.subject'],
      [{ ...fhirObservation.weight(o), patientId: 'p-1' }, 400, 'Observation.patientId'],
      [{ ...fhirObservation.weight(o), modifierExtension: [{ url: 'x' }] }, 400, 'Observation.modifierExtension'],
      [{ ...fhirObservation.weight(o), status: 'preliminary' }, 400, 'Observation.status'],
      [{ ...fhirObservation.weight(o), identifier: undefined }, 400, 'Observation.identifier'],
      [{ ...fhirObservation.weight(o), valueQuantity: undefined, valueString: '80 kg' }, 400, 'Observation.valueString'],
      [{ ...fhirObservation.bloodPressure(o), component: [(fhirObservation.bloodPressure(o)['component'] as unknown[])[0]] }, 400, 'Observation.component'],
    ];
    for (const [resource, status, path] of cases) {
      const json = JSON.parse(JSON.stringify(resource)) as Record<string, unknown>;
      const r = refusal(() => observationToCheckIn(json, 'p-1'));
      expect([r.status, r.errors[0]?.path]).toEqual([status, path]);
    }
    expect(
      observationToCheckIn({ ...fhirObservation.weight(o), subject: { reference: 'https://ehr.example/fhir/Patient/p-1' } }, 'p-1').checkIn['vitals'],
    ).toEqual({ weightKg: 81.2 });
  });

  it('out-of-range values are the check-in rules, reported at the FHIR element', () => {
    const m = observationToCheckIn(fhirObservation.weight(o, 900, '[lb_av]'), 'p-1');
    const v = validateCheckIn(m.checkIn);
    expect(v.ok).toBe(false);
    if (v.ok) return;
    expect(fhirErrors(v.errors, [m], () => '')).toEqual([{ path: 'Observation.valueQuantity.value', message: expect.stringContaining('weightKg') }]);
  });
});

describe('FHIR QuestionnaireResponse -> check-in', () => {
  it('maps a PHQ-9 by its LOINC panel and item codes (answers by LOINC answer code)', () => {
    const m = questionnaireResponseToCheckIn(phq9Response(o, [3, 2, 1, 0, 0, 1, 2, 3, 1]), 'p-1');
    expect(m.checkIn).toEqual({
      checkInId: expect.any(String),
      recordedAt: AT,
      questionnaires: [{ instrument: 'PHQ-9', answers: [3, 2, 1, 0, 0, 1, 2, 3, 1] }],
    });
    expect(validateCheckIn(m.checkIn).ok).toBe(true);
  });

  it('refuses an unknown questionnaire, missing items and a total that does not add up', () => {
    const r1 = refusal(() => questionnaireResponseToCheckIn({ ...phq9Response(o), questionnaire: 'http://loinc.org/q/99999-9' }, 'p-1'));
    expect(r1.errors[0].path).toBe('QuestionnaireResponse.questionnaire');
    const short = phq9Response(o);
    short['item'] = (short['item'] as unknown[]).slice(0, 8);
    expect(refusal(() => questionnaireResponseToCheckIn(short, 'p-1')).errors[0].message).toContain('missing 44260-8');
    const total = phq9Response(o, [1, 1, 1, 1, 1, 1, 1, 1, 1]);
    (total['item'] as unknown[]).push({ linkId: '44261-6', answer: [{ valueInteger: 8 }] });
    expect(refusal(() => questionnaireResponseToCheckIn(total, 'p-1')).errors[0].message).toContain('their sum is 9');
  });
});

describe('fixtures', () => {
  it('bundle() makes POST entries', () => {
    const b = bundle('transaction', [fhirObservation.weight(o)]);
    expect((b['entry'] as { request: unknown }[])[0].request).toEqual({ method: 'POST', url: 'Observation' });
  });
});
