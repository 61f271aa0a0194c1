/**
 * Which charts a patient's page shows. Every series care-api stores is fetched; a chart is shown
 * when it has readings, and a chart that belongs to one of the patient's conditions is shown even
 * without any (a diabetes patient with no glucose in a week is itself something to see). The
 * condition's charts come first, in the order a nurse reads them. Pure: no DOM, no fetch.
 */
import type { Condition, PatientProfileView } from './types';

export interface ChartSeriesSpec {
  /** An OBSERVATION_METRICS name of libs/contracts. */
  metric: string;
  label: string;
  color: string;
  /** Series of one chart differ by line style too, never by colour alone. */
  dash?: number[];
}

export interface ReferenceLine {
  value: number;
  label: string;
}

export interface ChartSpec {
  id: string;
  title: string;
  unit: string;
  series: ChartSeriesSpec[];
  /** Readings shown in the table only (chest pain is a yes/no, not a line). */
  tableOnly?: ChartSeriesSpec[];
  /** Shown even without readings for a patient with one of these conditions. */
  coreFor: Condition[];
  decimals?: number;
  yFixed?: [number, number];
  yInclude?: number[];
  /** Labelled axis values instead of numbers (adherence: none, some, all). */
  yTicks?: ReferenceLine[];
  /** Thresholds a nurse knows (NEWS2 bands, hypoglycaemia levels, questionnaire bands). */
  refLines?: ReferenceLine[];
}

const DASH = { solid: undefined, dashed: [6, 3], dotted: [2, 3], dashDot: [8, 3, 2, 3] };
const YES_NO: ReferenceLine[] = [
  { value: 0, label: 'No' },
  { value: 1, label: 'Yes' },
];
export const ADHERENCE_TICKS: ReferenceLine[] = [
  { value: 0, label: 'None' },
  { value: 0.5, label: 'Some' },
  { value: 1, label: 'All' },
];

/** Every chart but the risk score (which has its own endpoint), in the order shown when no condition asks for another. */
export const CHARTS: ChartSpec[] = [
  { id: 'weight', title: 'Weight', unit: 'kg', decimals: 1, coreFor: ['heart-failure'], series: [{ metric: 'weightKg', label: 'Weight', color: '#1f5fa8' }] },
  {
    id: 'blood-pressure',
    title: 'Blood pressure',
    unit: 'mmHg',
    coreFor: ['heart-failure'],
    series: [
      { metric: 'systolicBp', label: 'Systolic', color: '#7b1fa2' },
      { metric: 'diastolicBp', label: 'Diastolic', color: '#00796b', dash: DASH.dashed },
    ],
  },
  {
    id: 'heart-rate',
    title: 'Heart rate',
    unit: 'per min',
    coreFor: ['heart-failure'],
    yInclude: [50, 90],
    refLines: [
      { value: 50, label: '50' },
      { value: 90, label: '90 (NEWS2 normal 51–90)' },
    ],
    series: [{ metric: 'heartRate', label: 'Heart rate', color: '#ad1457' }],
  },
  {
    id: 'spo2',
    title: 'Oxygen saturation (SpO2)',
    unit: '%',
    coreFor: ['copd'],
    yInclude: [88, 100],
    series: [{ metric: 'spo2', label: 'SpO2', color: '#0d47a1' }],
  },
  {
    id: 'respiration',
    title: 'Respiration rate',
    unit: 'per min',
    coreFor: ['copd'],
    yInclude: [10, 22],
    refLines: [
      { value: 12, label: '12' },
      { value: 20, label: '20 (NEWS2 normal 12–20)' },
    ],
    series: [{ metric: 'respiratoryRate', label: 'Respiration rate', color: '#2e7d32' }],
  },
  {
    id: 'temperature',
    title: 'Temperature',
    unit: '°C',
    decimals: 1,
    coreFor: [],
    yInclude: [36, 38],
    refLines: [{ value: 38, label: '38.0 °C' }],
    series: [{ metric: 'temperatureC', label: 'Temperature', color: '#e65100' }],
  },
  {
    id: 'glucose',
    title: 'Blood glucose',
    unit: 'mg/dL',
    coreFor: ['diabetes'],
    yInclude: [54, 250],
    refLines: [
      { value: 54, label: '54: hypo level 2' },
      { value: 70, label: '70: hypo level 1' },
      { value: 250, label: '250: high' },
    ],
    series: [{ metric: 'glucoseMgDl', label: 'Glucose', color: '#6a1b9a' }],
  },
  {
    id: 'phq9',
    title: 'PHQ-9 (depression)',
    unit: 'points of 27',
    coreFor: ['depression'],
    yFixed: [0, 27],
    refLines: [
      { value: 10, label: '10: moderate' },
      { value: 20, label: '20: severe' },
    ],
    series: [{ metric: 'questionnaire.PHQ-9', label: 'PHQ-9 total', color: '#283593' }],
  },
  {
    id: 'gad7',
    title: 'GAD-7 (anxiety)',
    unit: 'points of 21',
    coreFor: ['depression'],
    yFixed: [0, 21],
    refLines: [
      { value: 10, label: '10: moderate' },
      { value: 15, label: '15: severe' },
    ],
    series: [{ metric: 'questionnaire.GAD-7', label: 'GAD-7 total', color: '#4e342e' }],
  },
  {
    id: 'mood',
    title: 'Mood',
    unit: '1 (very low) to 5 (very good)',
    coreFor: ['depression'],
    yFixed: [1, 5],
    series: [{ metric: 'mood', label: 'Mood', color: '#00838f' }],
  },
  {
    id: 'cat',
    title: 'CAT (COPD assessment)',
    unit: 'points of 40',
    coreFor: ['copd'],
    yFixed: [0, 40],
    refLines: [
      { value: 10, label: '10: medium impact' },
      { value: 21, label: '21: high' },
      { value: 31, label: '31: very high' },
    ],
    series: [{ metric: 'questionnaire.CAT', label: 'CAT total', color: '#33691e' }],
  },
  {
    id: 'symptoms',
    title: 'Symptoms',
    unit: '0 (none) to 4 (severe)',
    coreFor: ['heart-failure', 'copd'],
    yFixed: [0, 4],
    series: [
      { metric: 'symptom.breathlessness', label: 'Breathlessness', color: '#0d47a1' },
      { metric: 'symptom.swelling', label: 'Swelling', color: '#7b1fa2', dash: DASH.dashed },
      { metric: 'symptom.fatigue', label: 'Fatigue', color: '#2e7d32', dash: DASH.dotted },
      { metric: 'symptom.dizziness', label: 'Dizziness', color: '#b34700', dash: DASH.dashDot },
    ],
    tableOnly: [{ metric: 'symptom.chestPain', label: 'Chest pain', color: '#a3001b' }],
  },
  { id: 'pain', title: 'Pain', unit: '0 to 10', coreFor: [], yFixed: [0, 10], series: [{ metric: 'symptom.pain', label: 'Pain', color: '#bf360c' }] },
  {
    id: 'adherence',
    title: 'Medication taken',
    unit: 'none, some or all',
    coreFor: [],
    yFixed: [0, 1],
    yTicks: ADHERENCE_TICKS,
    series: [{ metric: 'medication.adherence', label: 'Medication', color: '#37474f' }],
  },
];

/** Every metric a chart reads. */
export const CHART_METRICS: string[] = CHARTS.flatMap((c) => [...c.series, ...(c.tableOnly ?? [])].map((s) => s.metric));

/** A value as words where the metric has them (adherence, chest pain), else undefined (the caller formats the number). */
export function valueWords(metric: string, v: number): string | undefined {
  const ticks = metric === 'medication.adherence' ? ADHERENCE_TICKS : metric === 'symptom.chestPain' ? YES_NO : null;
  return ticks?.find((t) => t.value === v)?.label;
}

/**
 * The charts to show, in order: those of the patient's conditions (in the order of CHARTS), then
 * every other chart that has readings. `counts` are readings per metric in the period.
 */
export function chartPlan(profile: Pick<PatientProfileView, 'conditions'> | null, counts: ReadonlyMap<string, number>): ChartSpec[] {
  const conditions = profile?.conditions ?? [];
  const has = (c: ChartSpec) => [...c.series, ...(c.tableOnly ?? [])].some((s) => (counts.get(s.metric) ?? 0) > 0);
  const core = (c: ChartSpec) => c.coreFor.some((k) => conditions.includes(k));
  return [...CHARTS.filter(core), ...CHARTS.filter((c) => !core(c) && has(c))];
}

/** Reference lines that depend on the profile: dry weight, and the SpO2 target of the patient's NEWS2 scale. */
export function profileLines(chartId: string, profile: PatientProfileView | null): ReferenceLine[] {
  if (!profile) return [];
  if (chartId === 'weight' && profile.dryWeightKg !== undefined) return [{ value: profile.dryWeightKg, label: `Dry weight ${profile.dryWeightKg} kg` }];
  if (chartId === 'spo2') {
    return profile.news2SpO2Scale === 2
      ? [
          { value: 88, label: '88' },
          { value: 92, label: '92 (scale 2 target 88–92)' },
        ]
      : [{ value: 96, label: '96 (scale 1: 96 and above scores 0)' }];
  }
  return [];
}
