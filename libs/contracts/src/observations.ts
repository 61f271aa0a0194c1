import { CheckIn } from './checkin.dto';
import { CHECKIN_FIELD_SPECS, type ObservationMetric } from './checkin-fields';

/** The numeric series the writer stores and care-api serves, one per metric: the catalogue's metrics. */
export const OBSERVATION_METRICS: readonly ObservationMetric[] = CHECKIN_FIELD_SPECS.flatMap((f) => (f.metric ? [f.metric as ObservationMetric] : []));
export type { ObservationMetric };

export interface Observation {
  metric: ObservationMetric;
  value: number;
}

/** The numeric (or 0/1) vitals and symptoms with a series, from the catalogue: key in the check-in, metric name. */
const metricsOf = (group: string): readonly { key: string; metric: ObservationMetric }[] =>
  CHECKIN_FIELD_SPECS.filter((f) => f.name.startsWith(`${group}.`) && f.metric && f.type !== 'code').map((f) => ({
    key: f.name.slice(group.length + 1),
    metric: f.metric as ObservationMetric,
  }));
const VITAL_METRICS = metricsOf('vitals');
const SYMPTOM_METRICS = metricsOf('symptoms');

const ADHERENCE_VALUE = { all: 1, some: 0.5, none: 0 } as const;

/**
 * Flattens a check-in into numeric observations (booleans as 0/1, questionnaires as totals,
 * adherence as 1 / 0.5 / 0). Notes are not an observation: they stay in the raw archive only.
 */
export function observationsOf(c: CheckIn): Observation[] {
  const out: Observation[] = [];
  const v = c.vitals ?? {};
  for (const { key, metric } of VITAL_METRICS) {
    const x = (v as Record<string, unknown>)[key];
    if (typeof x === 'number') out.push({ metric, value: x });
  }
  const s = (c.symptoms ?? {}) as Record<string, unknown>;
  for (const { key, metric } of SYMPTOM_METRICS) {
    const x = s[key];
    if (typeof x === 'number') out.push({ metric, value: x });
    else if (typeof x === 'boolean') out.push({ metric, value: x ? 1 : 0 });
  }
  for (const q of c.questionnaires ?? []) {
    out.push({ metric: `questionnaire.${q.instrument}`, value: q.answers.reduce((a, b) => a + b, 0) });
  }
  if (c.medication) out.push({ metric: 'medication.adherence', value: ADHERENCE_VALUE[c.medication.adherence] });
  if (typeof c.mood === 'number') out.push({ metric: 'mood', value: c.mood });
  return out;
}
