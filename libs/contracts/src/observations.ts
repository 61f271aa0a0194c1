import { CheckIn } from './checkin.dto';
import { CHECKIN_FIELD_SPECS, type ObservationMetric } from './checkin-fields';

/** The numeric series the writer stores and care-api serves, one per metric: the catalogue's metrics. */
export const OBSERVATION_METRICS: readonly ObservationMetric[] = CHECKIN_FIELD_SPECS.flatMap((f) => (f.metric ? [f.metric as ObservationMetric] : []));
export type { ObservationMetric };

export interface Observation {
  metric: ObservationMetric;
  value: number;
}

const ADHERENCE_VALUE = { all: 1, some: 0.5, none: 0 } as const;

/**
 * Flattens a check-in into numeric observations (booleans as 0/1, questionnaires as totals,
 * adherence as 1 / 0.5 / 0). Notes are not an observation: they stay in the raw archive only.
 */
export function observationsOf(c: CheckIn): Observation[] {
  const out: Observation[] = [];
  const v = c.vitals ?? {};
  const vitalKeys = ['weightKg', 'systolicBp', 'diastolicBp', 'heartRate', 'respiratoryRate', 'spo2', 'temperatureC', 'glucoseMgDl'] as const;
  for (const k of vitalKeys) if (typeof v[k] === 'number') out.push({ metric: k, value: v[k] as number });
  const s = c.symptoms ?? {};
  for (const k of ['breathlessness', 'swelling', 'fatigue', 'dizziness', 'pain'] as const) {
    if (typeof s[k] === 'number') out.push({ metric: `symptom.${k}`, value: s[k] as number });
  }
  if (typeof s.chestPain === 'boolean') out.push({ metric: 'symptom.chestPain', value: s.chestPain ? 1 : 0 });
  for (const q of c.questionnaires ?? []) {
    out.push({ metric: `questionnaire.${q.instrument}`, value: q.answers.reduce((a, b) => a + b, 0) });
  }
  if (c.medication) out.push({ metric: 'medication.adherence', value: ADHERENCE_VALUE[c.medication.adherence] });
  if (typeof c.mood === 'number') out.push({ metric: 'mood', value: c.mood });
  return out;
}
