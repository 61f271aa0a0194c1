import {
  FHIR_MAPPED_FIELDS,
  type FhirMappedField,
  type FhirObservation,
  fhirProfileUrl,
  type ObservationMetric,
  type ObservationPointView,
  UCUM_SYSTEM,
  VITAL_SIGNS_PROFILE,
} from '@vigil/contracts';

const CATEGORY_SYSTEM = 'http://terminology.hl7.org/CodeSystem/observation-category';
const CATEGORY_DISPLAY = { 'vital-signs': 'Vital Signs', laboratory: 'Laboratory', survey: 'Survey' } as const;

/** What care-api serves as one kind of Observation: a stored series (or, for blood pressure, the two of one panel). */
export interface ServedObservation {
  /** The code searched for (`code=`) and written. */
  code: { system: string; code: string; display: string };
  metrics: readonly ObservationMetric[];
  field: FhirMappedField;
  key: string;
}

const servable = FHIR_MAPPED_FIELDS.filter((f) => f.metric !== undefined);
const systolic = servable.find((f) => f.name === 'vitals.systolicBp') as FhirMappedField;
const bpPanel = systolic.fhir.panel as NonNullable<FhirMappedField['fhir']['panel']>;

/** Every Observation kind the stored series can answer, from the field catalogue. */
export const SERVED_OBSERVATIONS: readonly ServedObservation[] = [
  ...servable.filter((f) => !f.fhir.panel).map((f) => ({ code: f.fhir.code, metrics: [f.metric as ObservationMetric], field: f, key: f.fhir.key })),
  { code: bpPanel.code, metrics: ['systolicBp', 'diastolicBp'], field: systolic, key: bpPanel.key },
];

export const observationId = (checkInId: string, key: string) => `${checkInId}-${key}`;

function profiles(f: FhirMappedField, panel: boolean): string[] | undefined {
  if (f.fhir.category !== 'vital-signs') return undefined;
  const specific = panel ? f.fhir.panel?.profile : f.fhir.profile;
  return specific ? [VITAL_SIGNS_PROFILE, fhirProfileUrl(specific)] : [VITAL_SIGNS_PROFILE];
}

function quantity(f: FhirMappedField, value: number) {
  return { value, unit: f.ucum as string, system: UCUM_SYSTEM, code: f.ucum as string };
}

/** One stored point (and, for blood pressure, its diastolic partner) as a FHIR R4 Observation. */
export function observationOf(kind: ServedObservation, patientId: string, point: ObservationPointView, diastolic?: number): FhirObservation {
  const f = kind.field;
  const isPanel = kind.metrics.length === 2;
  const o: FhirObservation = {
    resourceType: 'Observation',
    id: observationId(point.checkInId, kind.key),
    status: 'final',
    category: [{ coding: [{ system: CATEGORY_SYSTEM, code: f.fhir.category, display: CATEGORY_DISPLAY[f.fhir.category] }] }],
    code: { coding: [{ ...kind.code }], text: kind.code.display },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: point.recordedAt,
  };
  const p = profiles(f, isPanel);
  if (p) o.meta = { profile: p };
  // The check-in it came from (checkInId is a UUID), so a FHIR reader can correlate Vigil's other answers.
  o.identifier = [{ system: 'urn:ietf:rfc:3986', value: `urn:uuid:${point.checkInId}` }];
  if (isPanel) {
    const dia = FHIR_MAPPED_FIELDS.find((x) => x.name === 'vitals.diastolicBp') as FhirMappedField;
    o.component = [
      { code: { coding: [{ ...f.fhir.code }], text: f.fhir.code.display }, valueQuantity: quantity(f, point.value) },
      { code: { coding: [{ ...dia.fhir.code }], text: dia.fhir.code.display }, valueQuantity: quantity(dia, diastolic as number) },
    ];
  } else if (f.fhir.category === 'survey') {
    o.valueInteger = point.value;
  } else {
    o.valueQuantity = quantity(f, point.value);
  }
  return o;
}
