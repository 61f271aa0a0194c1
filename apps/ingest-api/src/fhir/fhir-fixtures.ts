/* Test support: FHIR resources as a device gateway sends them (not part of the service). */
import { randomUUID } from 'node:crypto';

const VITALS = { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] };
const ucum = (value: number, code: string) => ({ value, unit: code, system: 'http://unitsofmeasure.org', code });

export interface ObservationOptions {
  patient: string;
  at: string;
  identifier?: string;
}

function base(o: ObservationOptions, profile: string, code: string, display: string): Record<string, unknown> {
  return {
    resourceType: 'Observation',
    meta: { profile: [`http://hl7.org/fhir/StructureDefinition/${profile}`] },
    identifier: [{ system: 'urn:vigil:test-device', value: o.identifier ?? randomUUID() }],
    status: 'final',
    category: [VITALS],
    code: { coding: [{ system: 'http://loinc.org', code, display }] },
    subject: { reference: `Patient/${o.patient}` },
    effectiveDateTime: o.at,
  };
}

export const fhirObservation = {
  weight: (o: ObservationOptions, value = 81.2, unit = 'kg') => ({ ...base(o, 'bodyweight', '29463-7', 'Body weight'), valueQuantity: ucum(value, unit) }),
  heartRate: (o: ObservationOptions, value = 72) => ({ ...base(o, 'heartrate', '8867-4', 'Heart rate'), valueQuantity: ucum(value, '/min') }),
  respiratoryRate: (o: ObservationOptions, value = 16) => ({ ...base(o, 'resprate', '9279-1', 'Respiratory rate'), valueQuantity: ucum(value, '/min') }),
  spo2: (o: ObservationOptions, value = 96, flowLMin?: number) => ({
    ...base(o, 'oxygensat', '2708-6', 'Oxygen saturation in Arterial blood'),
    valueQuantity: ucum(value, '%'),
    ...(flowLMin === undefined
      ? {}
      : { component: [{ code: { coding: [{ system: 'http://loinc.org', code: '3151-8' }] }, valueQuantity: ucum(flowLMin, 'L/min') }] }),
  }),
  temperature: (o: ObservationOptions, value = 37.1, unit = 'Cel') => ({
    ...base(o, 'bodytemp', '8310-5', 'Body temperature'),
    valueQuantity: ucum(value, unit),
  }),
  bloodPressure: (o: ObservationOptions, systolic = 128, diastolic = 82) => ({
    ...base(o, 'bp', '85354-9', 'Blood pressure panel with all children optional'),
    component: [
      { code: { coding: [{ system: 'http://loinc.org', code: '8480-6', display: 'Systolic blood pressure' }] }, valueQuantity: ucum(systolic, 'mm[Hg]') },
      { code: { coding: [{ system: 'http://loinc.org', code: '8462-4', display: 'Diastolic blood pressure' }] }, valueQuantity: ucum(diastolic, 'mm[Hg]') },
    ],
  }),
  glucose: (o: ObservationOptions, value = 110, unit = 'mg/dL') => {
    const r = base(o, 'vitalsigns', '2339-0', 'Glucose [Mass/volume] in Blood');
    delete r['meta'];
    return {
      ...r,
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }],
      valueQuantity: ucum(value, unit),
    };
  },
};

const PHQ9_ITEMS = ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'];
const FREQUENCY = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'];

export function phq9Response(o: ObservationOptions, answers: number[] = [1, 1, 0, 2, 0, 1, 0, 0, 0]): Record<string, unknown> {
  return {
    resourceType: 'QuestionnaireResponse',
    identifier: { system: 'urn:vigil:test-app', value: o.identifier ?? randomUUID() },
    questionnaire: 'http://loinc.org/q/44249-1',
    status: 'completed',
    subject: { reference: `Patient/${o.patient}` },
    authored: o.at,
    item: PHQ9_ITEMS.map((linkId, i) => ({ linkId, answer: [{ valueCoding: { system: 'http://loinc.org', code: FREQUENCY[answers[i]] } }] })),
  };
}

export function bundle(type: 'batch' | 'transaction', resources: Record<string, unknown>[]): Record<string, unknown> {
  return {
    resourceType: 'Bundle',
    type,
    entry: resources.map((resource) => ({ fullUrl: `urn:uuid:${randomUUID()}`, resource, request: { method: 'POST', url: resource['resourceType'] } })),
  };
}
