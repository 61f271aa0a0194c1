/**
 * The observation history in the state: per metric, readings ordered by device time (ties by
 * value; an identical reading is kept once, so folding a check-in twice changes nothing).
 * Retention keeps a suffix of that order, so the history after a set of check-ins is the same
 * whatever order they arrived in (see README "Out of order and late").
 */
import { HOUR_MS } from './time';
import { PatientHistory, Series, SeriesKey } from './types';

export const SERIES_KEYS: readonly SeriesKey[] = Object.freeze<SeriesKey[]>([
  'spo2',
  'spo2OnOxygen',
  'heartRate',
  'respiratoryRate',
  'systolicBp',
  'temperatureC',
  'weightKg',
  'onOxygen',
]);

/** A series always keeps its newest this many readings (the baseline window)... */
export const RETAIN_MIN_READINGS = 28;
/** ...and every reading within this long of its newest (the weight rules look back 7 days + 6 h)... */
export const RETAIN_SPAN_MS = 192 * HOUR_MS;
/** ...but never more than this many (several weighings a day for a week). */
export const RETAIN_MAX_READINGS = 96;

/** What a series keeps: always its newest `min` readings, and every reading within `spanMs` of its newest, never more than `max`. */
export interface Retention {
  readonly min: number;
  readonly spanMs: number;
  readonly max: number;
}

export const VITALS_RETENTION: Retention = Object.freeze({ min: RETAIN_MIN_READINGS, spanMs: RETAIN_SPAN_MS, max: RETAIN_MAX_READINGS });

/** An empty series. */
export function emptyOne(): Series {
  return { t: [], v: [] };
}

/**
 * The series with the reading (at, v) inserted in (t, v) order and retention applied; the same
 * series if that exact reading is already there (a check-in folded twice).
 */
export function insertReading(series: Series, at: number, v: number, keep: Retention = VITALS_RETENTION): Series {
  const T = series.t;
  const V = series.v;
  const n = T.length;
  // Usually the newest: search from the end.
  let pos = n;
  while (pos > 0) {
    const q = T[pos - 1];
    if (q < at) break;
    if (q === at) {
      const qv = V[pos - 1];
      if (qv === v) return series;
      if (qv < v) break;
    }
    pos--;
  }
  const m = n + 1;
  const newest = pos === n ? at : T[n - 1];
  // Retention keeps a suffix [from, m) of the merged order.
  let from = 0;
  if (m > keep.min) {
    const capFrom = Math.max(0, m - keep.max);
    const horizon = newest - keep.spanMs;
    from = m - keep.min;
    // Merged index i maps to T[i] below pos, to `at` at pos, to T[i - 1] above.
    while (from > capFrom && (from - 1 < pos ? T[from - 1] : from - 1 === pos ? at : T[from - 2]) >= horizon) from--;
  }
  if (from > pos) {
    // The new reading is older than everything kept: it is not retained.
    return { t: T.slice(from - 1), v: V.slice(from - 1) };
  }
  const len = m - from;
  let t: number[];
  let vs: number[];
  if (pos === n && from > 0) {
    // The usual case, a new newest reading that pushes the oldest out: one exact-size copy each.
    // (slice(from - 1) has exactly the right length; shift it by one. copyWithin and push allocate.)
    t = T.slice(from - 1);
    vs = V.slice(from - 1);
    for (let j = 0; j < len - 1; j++) {
      t[j] = t[j + 1];
      vs[j] = vs[j + 1];
    }
    t[len - 1] = at;
    vs[len - 1] = v;
  } else {
    t = new Array<number>(len);
    vs = new Array<number>(len);
    for (let i = from; i < m; i++) {
      const j = i - from;
      if (i < pos) {
        t[j] = T[i];
        vs[j] = V[i];
      } else if (i === pos) {
        t[j] = at;
        vs[j] = v;
      } else {
        t[j] = T[i - 1];
        vs[j] = V[i - 1];
      }
    }
  }
  return { t, v: vs };
}

export function emptySeries(): Record<SeriesKey, Series> {
  return {
    spo2: emptyOne(),
    spo2OnOxygen: emptyOne(),
    heartRate: emptyOne(),
    respiratoryRate: emptyOne(),
    systolicBp: emptyOne(),
    temperatureC: emptyOne(),
    weightKg: emptyOne(),
    onOxygen: emptyOne(),
  };
}

/** The vitals a history keeps (structurally the engine's cleaned vitals). */
export interface HistoryVitals {
  spo2?: number;
  onOxygen?: boolean;
  heartRate?: number;
  respiratoryRate?: number;
  systolicBp?: number;
  temperatureC?: number;
  weightKg?: number;
}

/**
 * The history with a check-in's vitals folded in. SpO2 goes to `spo2OnOxygen` when the patient
 * was on oxygen, else `spo2`; `onOxygen` records 1/0 when the check-in said. The series object
 * is rebuilt in canonical key order.
 */
export function foldVitals(history: PatientHistory, at: number, v: HistoryVitals): PatientHistory {
  const s = history.series;
  const onO2 = v.onOxygen === true;
  const next: Record<SeriesKey, Series> = {
    spo2: v.spo2 !== undefined && !onO2 ? insertReading(s.spo2, at, v.spo2) : s.spo2,
    spo2OnOxygen: v.spo2 !== undefined && onO2 ? insertReading(s.spo2OnOxygen, at, v.spo2) : s.spo2OnOxygen,
    heartRate: v.heartRate !== undefined ? insertReading(s.heartRate, at, v.heartRate) : s.heartRate,
    respiratoryRate: v.respiratoryRate !== undefined ? insertReading(s.respiratoryRate, at, v.respiratoryRate) : s.respiratoryRate,
    systolicBp: v.systolicBp !== undefined ? insertReading(s.systolicBp, at, v.systolicBp) : s.systolicBp,
    temperatureC: v.temperatureC !== undefined ? insertReading(s.temperatureC, at, v.temperatureC) : s.temperatureC,
    weightKg: v.weightKg !== undefined ? insertReading(s.weightKg, at, v.weightKg) : s.weightKg,
    onOxygen: v.onOxygen !== undefined ? insertReading(s.onOxygen, at, onO2 ? 1 : 0) : s.onOxygen,
  };
  const newestAt = history.newestAt === null || at > history.newestAt ? at : history.newestAt;
  return { newestAt, series: next };
}

const NO_READINGS: Series = Object.freeze({ t: Object.freeze([]) as unknown as number[], v: Object.freeze([]) as unknown as number[] });

/**
 * For the series kept only once a first reading arrives (glucose, mood): the series with the
 * reading folded in, or the same value (possibly undefined) when there is no reading.
 */
export function foldOptional(s: Series | undefined, at: number, value: number | undefined): Series | undefined {
  if (value === undefined) return s;
  return insertReading(s ?? NO_READINGS, at, value, VITALS_RETENTION);
}
