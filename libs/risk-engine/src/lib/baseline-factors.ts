/**
 * v1: factors for deviations from the personal baseline. A single reading beyond the threshold is
 * reported as information (0 points); it becomes a medium factor when the deviation is sustained:
 * this reading and at least one of the previous two readings (within 7 days) are beyond the same
 * threshold in the same direction.
 */
import { BaselineView, MetricSpec, SUSTAIN_PREVIOUS, deviation } from './baseline';
import { fmt, fmtAuto, plural } from './format';
import { factor } from './rules';
import { RiskFactor } from './types';

export const SUSTAINED_POINTS = 25;

export function baselineFactor(spec: MetricSpec, value: number, view: BaselineView, nameSuffix = ''): RiskFactor | null {
  const dev = deviation(value, view, spec.direction);
  if (dev === 0) return null;
  let agreeing = 0;
  for (const v of view.previous) if (deviation(v, view, spec.direction) === dev) agreeing++;
  const sustained = agreeing > 0;
  const d = spec.decimals;
  const word = dev > 0 ? 'above' : 'below';
  const delta = Math.abs(value - view.median);
  const usual = `${fmt(view.median, d)}${spec.unit}`;
  const reading = `${fmt(value, d)}${spec.unit}`;
  const thr = `${fmt(view.threshold, d)}${spec.deltaUnit}`;
  let message = `${spec.name} ${reading}${nameSuffix} is ${fmt(delta, d)}${spec.deltaUnit} ${word} this patient's usual ${usual} (median of the last ${view.n} readings; a change of ${thr} or more is flagged).`;
  const prev = view.previous.length;
  if (sustained) {
    message += ` ${agreeing} of the previous ${prev} ${plural(prev, 'reading', 'readings')} ${plural(agreeing, 'was', 'were')} also this far ${word}: a sustained change.`;
  } else if (prev === 0) {
    message += ' No earlier reading in the past 7 days to confirm it; a repeat would make it a sustained change.';
  } else {
    message += ` The previous ${plural(prev, 'reading was', `${prev} readings were`)} not; a repeat would make it a sustained change.`;
  }
  const dirWords = spec.direction === 'both' ? 'away from' : dev > 0 ? 'above' : 'below';
  return factor(
    spec.code,
    spec.key === 'weightKg' ? 'weight' : 'baseline',
    Number(fmt(value, d)),
    `${dirWords} usual by ≥${thr} in this and 1 of the previous ${SUSTAIN_PREVIOUS} readings`,
    sustained ? SUSTAINED_POINTS : 0,
    sustained ? 'medium' : 'info',
    message,
    `${spec.name} ${fmtAuto(Number(fmt(value, d)))}${spec.unit}${nameSuffix} vs usual ${usual}`,
  );
}
