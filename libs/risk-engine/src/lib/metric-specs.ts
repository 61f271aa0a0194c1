/**
 * The vital signs that have a personal baseline, each with the state series it reads.
 */
import { BASELINE_METRICS, MetricSpec } from './baseline';

type BaselineMetric = keyof typeof BASELINE_METRICS;

export const SPECS: Readonly<Record<BaselineMetric | 'spo2OnOxygen', MetricSpec>> = {
  spo2: { key: 'spo2', ...BASELINE_METRICS.spo2 },
  spo2OnOxygen: { key: 'spo2OnOxygen', ...BASELINE_METRICS.spo2 },
  heartRate: { key: 'heartRate', ...BASELINE_METRICS.heartRate },
  respiratoryRate: { key: 'respiratoryRate', ...BASELINE_METRICS.respiratoryRate },
  systolicBp: { key: 'systolicBp', ...BASELINE_METRICS.systolicBp },
  temperatureC: { key: 'temperatureC', ...BASELINE_METRICS.temperatureC },
  weightKg: { key: 'weightKg', ...BASELINE_METRICS.weightKg },
};
