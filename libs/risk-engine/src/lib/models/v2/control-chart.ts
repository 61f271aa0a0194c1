/**
 * v2: personal control charts (README "v2", rule 5). Per patient and vital, an EWMA chart in the
 * manner of statistical process control: the patient's in-control level and spread come from their
 * own earlier readings, the spread shrunk toward a population prior for their condition until they
 * have enough readings (personalised SPC limits, Moazeni et al. 2023). A drift is flagged only when
 * the EWMA stays beyond its limit at two consecutive readings, so a lone wobble (one odd reading) is
 * not; a slow, sustained fall that never crosses a fixed threshold is. The flag is information on
 * the score (a nurse sees "pulse drifting above usual"); it does not alert, because every way of
 * letting it alert that was measured cost more false alerts than it found episodes.
 *
 * Stateless: the chart is recomputed from the retained history at each check-in (the EWMA over the
 * last few readings converges in about 1/λ readings), so out-of-order and redelivered check-ins see
 * exactly what an in-order replay sees, and the state does not grow.
 */
import { MAD_TO_SD, MetricSpec, indexBefore, insertSorted, medianOf } from '../../baseline';
import { fmt } from '../../format';
import { SPECS } from '../../metric-specs';
import { factor } from '../../rules';
import { CleanVitals } from '../../sanitize';
import { Condition, PatientState, RiskFactor, Series } from '../../types';
import { HOUR_MS } from '../../time';

export const CHART = Object.freeze({
  /** EWMA weight of the newest reading. */
  lambda: 0.3,
  /** Limit in asymptotic EWMA standard deviations. */
  limitSds: 3,
  /** Readings the chart runs over before this one (its level starts at the reference median). */
  recentReadings: 4,
  /** Reference readings (before the recent ones) needed before a chart is drawn. */
  minReference: 5,
  /** At most this many reference readings (about three weeks of daily check-ins). */
  maxReference: 21,
  /** The prior counts as this many readings in the shrunk variance. */
  priorWeight: 10,
  /** Recent readings older than this before the check-in are not part of the run. */
  lookbackHours: 7 * 24,
});

type ChartMetric = 'spo2' | 'heartRate' | 'respiratoryRate' | 'systolicBp' | 'temperatureC' | 'weightKg';

/**
 * Day-to-day within-patient standard deviations of stable patients (the simulator's and published
 * home-monitoring spreads are of this order); COPD patients' SpO2 and respiration vary more. These
 * are priors to be reviewed clinically; the patient's own spread replaces them as readings come.
 */
const PRIOR_SD: Readonly<Record<ChartMetric, { base: number; copd?: number }>> = {
  spo2: { base: 1.2, copd: 1.6 },
  heartRate: { base: 5 },
  respiratoryRate: { base: 1.5, copd: 2 },
  systolicBp: { base: 8 },
  temperatureC: { base: 0.25 },
  weightKg: { base: 0.6 },
};

/** The direction a drift must take to be a sign of deterioration. */
const ADVERSE: Readonly<Record<ChartMetric, 1 | -1 | 0>> = { spo2: -1, heartRate: 1, respiratoryRate: 1, systolicBp: 0, temperatureC: 1, weightKg: 1 };

export interface ChartView {
  n: number;
  centre: number;
  sd: number;
  limit: number;
  /** The EWMA at the previous reading and at this one. */
  before: number;
  now: number;
}

/** Scratch buffers: the engine is single-threaded and never re-enters, so reuse is invisible. */
const REF = new Float64Array(CHART.maxReference);
const DEV = new Float64Array(CHART.maxReference);

/** The chart of one metric at reading `value` taken at `at`, from the readings strictly before it; null without enough history. */
export function chartView(series: Series, at: number, value: number, spec: Pick<MetricSpec, 'sdFloor'>, priorSd: number): ChartView | null {
  const end = indexBefore(series, at);
  const T = series.t;
  const V = series.v;
  // The recent run: up to `recentReadings` just before this one, within the look-back.
  let start = end;
  while (start > 0 && end - start < CHART.recentReadings && at - T[start - 1] <= CHART.lookbackHours * HOUR_MS) start--;
  if (start === end) return null;
  const n = Math.min(start, CHART.maxReference);
  if (n < CHART.minReference) return null;
  for (let j = 0; j < n; j++) insertSorted(REF, j, V[start - 1 - j]);
  const centre = medianOf(REF, n);
  for (let j = 0; j < n; j++) insertSorted(DEV, j, Math.abs(REF[j] - centre));
  const own = Math.max(MAD_TO_SD * medianOf(DEV, n), spec.sdFloor);
  const w = CHART.priorWeight;
  const sd = Math.sqrt((n * own * own + w * priorSd * priorSd) / (n + w));
  const lam = CHART.lambda;
  let z = centre;
  for (let i = start; i < end; i++) z = lam * V[i] + (1 - lam) * z;
  const before = z;
  const now = lam * value + (1 - lam) * z;
  return { n, centre, sd, limit: CHART.limitSds * sd * Math.sqrt(lam / (2 - lam)), before, now };
}

function chartOne(
  out: RiskFactor[],
  state: PatientState,
  metric: ChartMetric,
  key: 'spo2' | 'spo2OnOxygen' | ChartMetric,
  value: number | undefined,
  at: number,
  copd: boolean,
): void {
  if (value === undefined) return;
  const spec = SPECS[key];
  const prior = PRIOR_SD[metric];
  const view = chartView(state.history.series[key], at, value, spec, copd && prior.copd !== undefined ? prior.copd : prior.base);
  if (view === null) return;
  const dir = ADVERSE[metric];
  const offNow = view.now - view.centre;
  const offBefore = view.before - view.centre;
  const side = Math.sign(offNow);
  if (side === 0 || (dir !== 0 && side !== dir)) return;
  // Sustained: the smoothed level beyond the limit at this reading and the one before, on the same
  // side, and the reading itself that far out (the EWMA's memory of one odd reading, or a drift
  // already recovering, is not flagged).
  const offValue = (value - view.centre) * side;
  if (Math.abs(offNow) < view.limit || Math.abs(offBefore) < view.limit || Math.sign(offBefore) !== side || offValue < view.limit) return;
  const d = spec.decimals;
  const word = side > 0 ? 'above' : 'below';
  const message =
    `${spec.name} has drifted ${word} this patient's usual ${fmt(view.centre, d)}${spec.unit} over the last readings ` +
    `(smoothed ${fmt(view.now, d + 1)}${spec.unit}, beyond the personal limit of ${fmt(view.limit, d + 1)}${spec.deltaUnit} at this and the previous reading; ` +
    `limits from ${view.n} of the patient's readings, shrunk toward the usual spread for the condition).`;
  out.push(
    factor(
      `chart.${metric}`,
      metric === 'weightKg' ? 'weight' : 'baseline',
      Number(fmt(view.now, d + 1)),
      `smoothed (EWMA λ ${CHART.lambda}) ${word} the personal limit at 2 consecutive readings`,
      // Information only: as a scored sign (alone, or two charts agreeing) it raised false alerts
      // on the tuning cohort without detecting one more episode (README "v2", rule 5).
      0,
      'info',
      `${message} Shown for review; it adds nothing to the risk score.`,
      `${spec.name} drifting ${word} usual`,
    ),
  );
}

/** The chart factors of the vitals in this check-in (the state as it was before it). */
export function chartFactors(state: PatientState, v: CleanVitals, at: number, conditions: readonly Condition[]): RiskFactor[] {
  const out: RiskFactor[] = [];
  const copd = conditions.includes('copd');
  if (v.onOxygen === true) chartOne(out, state, 'spo2', 'spo2OnOxygen', v.spo2, at, copd);
  else chartOne(out, state, 'spo2', 'spo2', v.spo2, at, copd);
  chartOne(out, state, 'heartRate', 'heartRate', v.heartRate, at, copd);
  chartOne(out, state, 'respiratoryRate', 'respiratoryRate', v.respiratoryRate, at, copd);
  chartOne(out, state, 'systolicBp', 'systolicBp', v.systolicBp, at, copd);
  chartOne(out, state, 'temperatureC', 'temperatureC', v.temperatureC, at, copd);
  if (conditions.includes('heart-failure')) chartOne(out, state, 'weightKg', 'weightKg', v.weightKg, at, copd);
  return out;
}
