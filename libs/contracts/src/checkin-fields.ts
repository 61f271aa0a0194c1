/**
 * The one catalogue of check-in fields: name, type, unit, range, PHI flag and the
 * standard codes (LOINC, UCUM; SNOMED CT where LOINC has none). The FHIR mapping of ingest-api and
 * care-api reads it as data, and `OBSERVATION_METRICS` is derived from it. Ranges come from
 * CHECKIN_LIMITS, the same numbers CheckInDto and the fast validator check.
 */
import { CHECKIN_LIMITS, CONSCIOUSNESS, ADHERENCE, type Consciousness, type Instrument } from './checkin.dto';

export const LOINC_SYSTEM = 'http://loinc.org';
export const UCUM_SYSTEM = 'http://unitsofmeasure.org';
export const SNOMED_SYSTEM = 'http://snomed.info/sct';

export interface Coding {
  system: string;
  code: string;
  display: string;
}

/** A unit a sender may use instead of ours: canonical = value * factor + offset (UCUM's linear conversions). */
export interface UnitConversion {
  ucum: string;
  factor: number;
  offset?: number;
}

/** How a field is an Observation in FHIR R4. */
export interface FhirObservationMapping {
  /** The Observation.code (or, with `panel`, the component code) we write. */
  code: Coding;
  /** Other codes a sender may use for the same measurement (e.g. SpO2 by pulse oximetry). */
  alsoAccepted?: readonly Coding[];
  /** observation-category code. */
  category: 'vital-signs' | 'laboratory' | 'survey';
  /** The FHIR core profile (http://hl7.org/fhir/StructureDefinition/<profile>). */
  profile?: string;
  /** The component of this panel (blood pressure). */
  panel?: { code: Coding; profile: string; key: string };
  /** Other units accepted and converted to `ucum`; a unit not listed is refused. */
  conversions?: readonly UnitConversion[];
  /** Short, stable, for Observation ids on the read side (`{checkInId}-{key}`). */
  key: string;
}

export interface CheckInFieldSpec {
  /** Path in the check-in (`vitals.weightKg`). */
  name: string;
  type: 'number' | 'integer' | 'boolean' | 'code' | 'answers' | 'text';
  /** Our unit in words. */
  unit?: string;
  /** The UCUM code of `unit`. */
  ucum?: string;
  range?: readonly [number, number];
  values?: readonly string[];
  /** Protected health information: never in logs, traces or metric labels. */
  phi: boolean;
  /** The numeric series the writer stores and care-api serves. */
  metric?: string;
  /** The standard code (LOINC unless the row says otherwise); absent when none exists. */
  fhir?: FhirObservationMapping;
}

const loinc = (code: string, display: string): Coding => ({ system: LOINC_SYSTEM, code, display });
const range = (r: readonly [number, number]): readonly [number, number] => r;

const BP_PANEL = { code: loinc('85354-9', 'Blood pressure panel with all children optional'), profile: 'bp', key: 'bp' };

/** Every field of a check-in. The order is CheckInDto's. */
export const CHECKIN_FIELDS = [
  { name: 'checkInId', type: 'text', phi: false },
  { name: 'recordedAt', type: 'text', phi: true },
  {
    name: 'vitals.weightKg',
    type: 'number',
    unit: 'kg',
    ucum: 'kg',
    range: range(CHECKIN_LIMITS.weightKg),
    phi: true,
    metric: 'weightKg',
    fhir: {
      code: loinc('29463-7', 'Body weight'),
      category: 'vital-signs',
      profile: 'bodyweight',
      key: 'weight',
      conversions: [
        { ucum: '[lb_av]', factor: 0.45359237 },
        { ucum: 'g', factor: 0.001 },
      ],
    },
  },
  {
    name: 'vitals.systolicBp',
    type: 'number',
    unit: 'mmHg',
    ucum: 'mm[Hg]',
    range: range(CHECKIN_LIMITS.systolicBp),
    phi: true,
    metric: 'systolicBp',
    fhir: { code: loinc('8480-6', 'Systolic blood pressure'), category: 'vital-signs', panel: BP_PANEL, key: 'bp' },
  },
  {
    name: 'vitals.diastolicBp',
    type: 'number',
    unit: 'mmHg',
    ucum: 'mm[Hg]',
    range: range(CHECKIN_LIMITS.diastolicBp),
    phi: true,
    metric: 'diastolicBp',
    fhir: { code: loinc('8462-4', 'Diastolic blood pressure'), category: 'vital-signs', panel: BP_PANEL, key: 'bp' },
  },
  {
    name: 'vitals.heartRate',
    type: 'number',
    unit: 'per minute',
    ucum: '/min',
    range: range(CHECKIN_LIMITS.heartRate),
    phi: true,
    metric: 'heartRate',
    fhir: { code: loinc('8867-4', 'Heart rate'), category: 'vital-signs', profile: 'heartrate', key: 'hr' },
  },
  {
    name: 'vitals.respiratoryRate',
    type: 'number',
    unit: 'per minute',
    ucum: '/min',
    range: range(CHECKIN_LIMITS.respiratoryRate),
    phi: true,
    metric: 'respiratoryRate',
    fhir: { code: loinc('9279-1', 'Respiratory rate'), category: 'vital-signs', profile: 'resprate', key: 'rr' },
  },
  {
    name: 'vitals.spo2',
    type: 'number',
    unit: 'percent',
    ucum: '%',
    range: range(CHECKIN_LIMITS.spo2),
    phi: true,
    metric: 'spo2',
    fhir: {
      code: loinc('2708-6', 'Oxygen saturation in Arterial blood'),
      category: 'vital-signs',
      profile: 'oxygensat',
      key: 'spo2',
      alsoAccepted: [loinc('59408-5', 'Oxygen saturation in Arterial blood by Pulse oximetry')],
    },
  },
  {
    // A flow rate above 0 L/min means on oxygen; also read from the SpO2 Observation's component (pulse-oximetry pattern).
    name: 'vitals.onSupplementalOxygen',
    type: 'boolean',
    phi: true,
    fhir: { code: loinc('3151-8', 'Inhaled oxygen flow rate'), category: 'vital-signs', key: 'o2' },
  },
  {
    name: 'vitals.consciousness',
    type: 'code',
    values: CONSCIOUSNESS,
    phi: true,
    fhir: {
      code: { system: SNOMED_SYSTEM, code: '1104441000000107', display: 'ACVPU (Alert Confusion Voice Pain Unresponsive) scale score' },
      category: 'survey',
      key: 'acvpu',
    },
  },
  {
    name: 'vitals.temperatureC',
    type: 'number',
    unit: '°C',
    ucum: 'Cel',
    range: range(CHECKIN_LIMITS.temperatureC),
    phi: true,
    metric: 'temperatureC',
    fhir: {
      code: loinc('8310-5', 'Body temperature'),
      category: 'vital-signs',
      profile: 'bodytemp',
      key: 'temp',
      conversions: [{ ucum: '[degF]', factor: 5 / 9, offset: -160 / 9 }],
    },
  },
  {
    // mmol/L -> mg/dL by glucose's molar mass, 180.156 g/mol (UCUM converts moles to mass only given it).
    name: 'vitals.glucoseMgDl',
    type: 'number',
    unit: 'mg/dL',
    ucum: 'mg/dL',
    range: range(CHECKIN_LIMITS.glucoseMgDl),
    phi: true,
    metric: 'glucoseMgDl',
    fhir: {
      code: loinc('2339-0', 'Glucose [Mass/volume] in Blood'),
      category: 'laboratory',
      key: 'glucose',
      alsoAccepted: [
        loinc('41653-7', 'Glucose [Mass/volume] in Capillary blood by Glucometer'),
        loinc('15074-8', 'Glucose [Moles/volume] in Blood'),
        loinc('14743-9', 'Glucose [Moles/volume] in Capillary blood by Glucometer'),
      ],
      conversions: [{ ucum: 'mmol/L', factor: 18.0156 }],
    },
  },
  { name: 'symptoms.breathlessness', type: 'integer', range: range(CHECKIN_LIMITS.symptomScale), phi: true, metric: 'symptom.breathlessness' },
  { name: 'symptoms.swelling', type: 'integer', range: range(CHECKIN_LIMITS.symptomScale), phi: true, metric: 'symptom.swelling' },
  { name: 'symptoms.fatigue', type: 'integer', range: range(CHECKIN_LIMITS.symptomScale), phi: true, metric: 'symptom.fatigue' },
  { name: 'symptoms.dizziness', type: 'integer', range: range(CHECKIN_LIMITS.symptomScale), phi: true, metric: 'symptom.dizziness' },
  { name: 'symptoms.chestPain', type: 'boolean', phi: true, metric: 'symptom.chestPain' },
  {
    name: 'symptoms.pain',
    type: 'integer',
    unit: 'score',
    ucum: '{score}',
    range: range(CHECKIN_LIMITS.pain),
    phi: true,
    metric: 'symptom.pain',
    fhir: { code: loinc('72514-3', 'Pain severity - 0-10 verbal numeric rating [Score] - Reported'), category: 'survey', key: 'pain' },
  },
  {
    name: 'questionnaires.PHQ-9',
    type: 'answers',
    unit: 'total score',
    ucum: '{score}',
    phi: true,
    metric: 'questionnaire.PHQ-9',
    fhir: { code: loinc('44261-6', 'Patient Health Questionnaire 9 item (PHQ-9) total score [Reported]'), category: 'survey', key: 'phq9' },
  },
  {
    name: 'questionnaires.GAD-7',
    type: 'answers',
    unit: 'total score',
    ucum: '{score}',
    phi: true,
    metric: 'questionnaire.GAD-7',
    fhir: { code: loinc('70274-6', 'Generalized anxiety disorder 7 item (GAD-7) total score [Reported.PHQ]'), category: 'survey', key: 'gad7' },
  },
  { name: 'questionnaires.CAT', type: 'answers', unit: 'total score', phi: true, metric: 'questionnaire.CAT' },
  { name: 'medication.adherence', type: 'code', values: ADHERENCE, phi: true, metric: 'medication.adherence' },
  { name: 'mood', type: 'integer', range: range(CHECKIN_LIMITS.mood), phi: true, metric: 'mood' },
  { name: 'notes', type: 'text', phi: true },
] as const satisfies readonly CheckInFieldSpec[];

export type CheckInFieldName = (typeof CHECKIN_FIELDS)[number]['name'];
export type ObservationMetric = Extract<(typeof CHECKIN_FIELDS)[number], { metric: string }>['metric'];

/** The catalogue as the general shape (for code that iterates it). */
export const CHECKIN_FIELD_SPECS: readonly CheckInFieldSpec[] = CHECKIN_FIELDS;

/** The fields with a FHIR Observation mapping. */
export type FhirMappedField = CheckInFieldSpec & { fhir: FhirObservationMapping };
export const FHIR_MAPPED_FIELDS: readonly FhirMappedField[] = CHECKIN_FIELD_SPECS.filter((f): f is FhirMappedField => f.fhir !== undefined);

/** The vital-signs profile every vital-signs Observation conforms to. */
export const VITAL_SIGNS_PROFILE = 'http://hl7.org/fhir/StructureDefinition/vitalsigns';
export const fhirProfileUrl = (name: string): string => `http://hl7.org/fhir/StructureDefinition/${name}`;

/** ACVPU as SNOMED CT answers (the UK NEWS2 value set; C is the UK edition's "new confusion"). */
export const ACVPU_CODES: Readonly<Record<Consciousness, Coding>> = {
  A: { system: SNOMED_SYSTEM, code: '248234008', display: 'Mentally alert' },
  C: { system: SNOMED_SYSTEM, code: '1104581000000101', display: 'New confusion' },
  V: { system: SNOMED_SYSTEM, code: '450847001', display: 'Responds to voice' },
  P: { system: SNOMED_SYSTEM, code: '450848006', display: 'Responds to pain' },
  U: { system: SNOMED_SYSTEM, code: '422768004', display: 'Unresponsive' },
};

export interface QuestionnaireCodes {
  /** Canonical URLs a QuestionnaireResponse may name (`questionnaire`), version suffix `|x` allowed. */
  canonicals: readonly string[];
  /** The LOINC panel code, when LOINC has one. */
  panel?: Coding;
  /** The total-score item (optional in a response; checked against the sum when present). */
  total?: string;
  /** One linkId per item, in our answer order (LOINC item codes; a leading `/` is accepted). */
  items: readonly string[];
  /** LOINC answer codes by score (PHQ-9 / GAD-7 frequency answers). */
  answers?: readonly string[];
}

/** The base of Vigil's own canonical URLs (a questionnaire LOINC has no panel for). */
export const VIGIL_FHIR_CANONICAL_BASE = 'https://fhir.vigil.health';

const FREQUENCY_ANSWERS = ['LA6568-5', 'LA6569-3', 'LA6570-1', 'LA6571-9'] as const;

/** The instruments of QUESTIONNAIRES as FHIR questionnaires. CAT has no LOINC panel: its canonical is ours. */
export const QUESTIONNAIRE_CODES: Readonly<Record<Instrument, QuestionnaireCodes>> = {
  'PHQ-9': {
    canonicals: ['http://loinc.org/q/44249-1', 'http://loinc.org/44249-1'],
    panel: loinc('44249-1', 'PHQ-9 quick depression assessment panel [Reported.PHQ]'),
    total: '44261-6',
    items: ['44250-9', '44255-8', '44259-0', '44254-1', '44251-7', '44258-2', '44252-5', '44253-3', '44260-8'],
    answers: FREQUENCY_ANSWERS,
  },
  'GAD-7': {
    canonicals: ['http://loinc.org/q/69737-5', 'http://loinc.org/69737-5'],
    panel: loinc('69737-5', 'Generalized anxiety disorder 7 item (GAD-7)'),
    total: '70274-6',
    items: ['69725-0', '68509-9', '69733-4', '69734-2', '69735-9', '69689-8', '69736-7'],
    answers: FREQUENCY_ANSWERS,
  },
  CAT: {
    canonicals: [`${VIGIL_FHIR_CANONICAL_BASE}/Questionnaire/copd-assessment-test`],
    items: ['cough', 'phlegm', 'chest-tightness', 'breathlessness', 'activities', 'confidence', 'sleep', 'energy'],
  },
};
