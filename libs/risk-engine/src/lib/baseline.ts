/**
 * Adaptive personal baselines (v1). For a reading at device time t, the baseline is the median
 * and MAD of the patient's most recent readings of the same metric strictly before t (at most
 * BASELINE_WINDOW). It is computed from the history as it was before the reading was folded in,
 * and never includes the reading itself, so re-scoring a check-in sees the same baseline.
 */
import { HOUR_MS } from './time';
import { Series, SeriesKey } from './types';

/** Readings in a baseline: about four weeks of daily check-ins. */
export const BASELINE_WINDOW = 28;
/** Scale factor from MAD to a standard deviation under normality. */
export const MAD_TO_SD = 1.4826;
/** Earlier readings count toward "sustained" only if this recent. */
export const SUSTAIN_LOOKBACK_MS = 7 * 24 * HOUR_MS;
/** "Sustained": this reading and at least one of the previous SUSTAIN_PREVIOUS readings. */
export const SUSTAIN_PREVIOUS = 2;

export type Direction = 'up' | 'down' | 'both';

export interface MetricSpec {
  readonly key: SeriesKey;
  readonly code: string;
  /** Nurse's word for the metric, sentence-initial. */
  readonly name: string;
  readonly unit: string;
  /** Unit of a difference, e.g. " percentage points" for SpO2. */
  readonly deltaUnit: string;
  readonly decimals: number;
  readonly direction: Direction;
  /** A deviation must be at least this large whatever the spread (so tiny variance never flags noise). */
  readonly minDelta: number;
  /** The robust SD is never taken below this (measurement resolution). */
  readonly sdFloor: number;
}

export interface BaselineView {
  /** Readings in the baseline. */
  readonly n: number;
  readonly median: number;
  readonly mad: number;
  /** max(1.4826 × MAD, sdFloor). */
  readonly sd: number;
  /** max(minDelta, k × sd). */
  readonly threshold: number;
  /** Values of up to SUSTAIN_PREVIOUS readings just before this one, newest first, within SUSTAIN_LOOKBACK_MS. */
  readonly previous: readonly number[];
}

const NO_VALUES: readonly number[] = Object.freeze([]);

/** Scratch buffers: the engine is single-threaded and never re-enters, so reuse is invisible. */
const VALUES = new Float64Array(BASELINE_WINDOW);

/** Inserts x into buf[0..n) kept ascending (insertion sort: n is small, at most 28 here). */
export function insertSorted(buf: Float64Array, n: number, x: number): void {
  let i = n;
  while (i > 0 && buf[i - 1] > x) {
    buf[i] = buf[i - 1];
    i--;
  }
  buf[i] = x;
}

/** Median of the first `n` values of an ascending array. */
export function medianOf(sorted: ArrayLike<number>, n: number): number {
  const mid = n >> 1;
  return n % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Median absolute deviation from `m` (the median) of sorted[0..n), without a second sort: the
 * deviations on each side of the median are already in order, so merge them outward.
 */
function madOf(sorted: Float64Array, n: number, m: number): number {
  let r = 0;
  while (r < n && sorted[r] < m) r++;
  let l = r - 1;
  const target = n >> 1;
  let prev = 0;
  let cur = 0;
  for (let k = 0; k <= target; k++) {
    let d: number;
    if (l < 0) d = sorted[r++] - m;
    else if (r >= n) d = m - sorted[l--];
    else {
      const dl = m - sorted[l];
      const dr = sorted[r] - m;
      if (dl <= dr) {
        d = dl;
        l--;
      } else {
        d = dr;
        r++;
      }
    }
    prev = cur;
    cur = d;
  }
  return n % 2 === 1 ? cur : (prev + cur) / 2;
}

/** Index just past the readings strictly earlier than `at` (device time). */
export function indexBefore(series: Series, at: number): number {
  const T = series.t;
  let k = T.length;
  while (k > 0 && T[k - 1] >= at) k--;
  return k;
}

/** Values of up to `max` readings strictly earlier than `at`, newest first. */
export function valuesBefore(series: Series, at: number, max: number): number[] {
  const k = indexBefore(series, at);
  const out: number[] = [];
  for (let i = k - 1; i >= 0 && out.length < max; i--) out.push(series.v[i]);
  return out;
}

/** Values of up to `max` readings strictly earlier than `at` and within `lookbackMs` of it, newest first. */
export function recentValuesBefore(series: Series, at: number, max: number, lookbackMs: number): number[] {
  const out: number[] = [];
  for (let i = indexBefore(series, at) - 1; i >= 0 && out.length < max && at - series.t[i] <= lookbackMs; i--) out.push(series.v[i]);
  return out;
}

/** The baseline for a reading at `at`, or null while fewer than `minReadings` precede it. */
export function baselineView(series: Series, at: number, spec: Pick<MetricSpec, 'minDelta' | 'sdFloor'>, minReadings: number, k: number): BaselineView | null {
  const end = indexBefore(series, at);
  const n = Math.min(end, BASELINE_WINDOW);
  if (n < minReadings) return null;
  const T = series.t;
  const V = series.v;
  // The readings just before this one, within the look-back (SUSTAIN_PREVIOUS is 2).
  let previousCount = 0;
  let p0 = 0;
  let p1 = 0;
  for (let j = 0; j < n; j++) {
    const i = end - 1 - j;
    if (previousCount < SUSTAIN_PREVIOUS && at - T[i] <= SUSTAIN_LOOKBACK_MS) {
      if (previousCount === 0) p0 = V[i];
      else p1 = V[i];
      previousCount++;
    }
    insertSorted(VALUES, j, V[i]);
  }
  const previous = previousCount === 0 ? NO_VALUES : previousCount === 1 ? [p0] : [p0, p1];
  const med = medianOf(VALUES, n);
  const mad = madOf(VALUES, n, med);
  const sd = Math.max(MAD_TO_SD * mad, spec.sdFloor);
  const threshold = Math.max(spec.minDelta, k * sd);
  return { n, median: med, mad, sd, threshold, previous };
}

/** +1 deviating upward, -1 downward (in a direction the metric cares about), 0 otherwise. */
export function deviation(value: number, view: BaselineView, direction: Direction): -1 | 0 | 1 {
  const delta = value - view.median;
  const limit = view.threshold - 1e-9;
  if (delta >= limit && direction !== 'down') return 1;
  if (-delta >= limit && direction !== 'up') return -1;
  return 0;
}

/** v1 baseline metrics and their parameters (README "Personal baselines"). */
export const BASELINE_METRICS: Readonly<
  Record<'spo2' | 'heartRate' | 'respiratoryRate' | 'systolicBp' | 'temperatureC' | 'weightKg', Omit<MetricSpec, 'key'>>
> = Object.freeze({
  spo2: { code: 'baseline.spo2', name: 'SpO2', unit: '%', deltaUnit: ' percentage points', decimals: 0, direction: 'down', minDelta: 3, sdFloor: 1 },
  heartRate: {
    code: 'baseline.heartRate',
    name: 'Pulse',
    unit: ' beats/min',
    deltaUnit: ' beats/min',
    decimals: 0,
    direction: 'both',
    minDelta: 15,
    sdFloor: 3,
  },
  respiratoryRate: {
    code: 'baseline.respiratoryRate',
    name: 'Respiratory rate',
    unit: ' breaths/min',
    deltaUnit: ' breaths/min',
    decimals: 0,
    direction: 'both',
    minDelta: 4,
    sdFloor: 1,
  },
  systolicBp: {
    code: 'baseline.systolicBp',
    name: 'Systolic blood pressure',
    unit: ' mmHg',
    deltaUnit: ' mmHg',
    decimals: 0,
    direction: 'both',
    minDelta: 20,
    sdFloor: 4,
  },
  temperatureC: { code: 'baseline.temperatureC', name: 'Temperature', unit: ' °C', deltaUnit: ' °C', decimals: 1, direction: 'up', minDelta: 1, sdFloor: 0.2 },
  weightKg: { code: 'baseline.weightKg', name: 'Weight', unit: ' kg', deltaUnit: ' kg', decimals: 1, direction: 'up', minDelta: 2, sdFloor: 0.5 },
} as const);
