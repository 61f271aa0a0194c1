/**
 * v1: hyperglycaemia judged against the patient's own glucose (README "Glucose confirmed by the
 * personal baseline"). Glucose readings are kept in the history (both models, like the vitals);
 * once enough precede a reading, `glucose.high` keeps its points only when the reading is also
 * above the patient's usual range, or at the safety limit. Otherwise it is reported as
 * information: a patient who often reads 260–300 mg/dL has a control problem for the routine
 * review, not a new finding at each reading. Hypoglycaemia is never changed.
 */
import { BaselineView, MetricSpec, baselineView } from './baseline';
import { foldOptional } from './history';
import { RiskFactor, Series } from './types';

/**
 * A reading counts when it deviates from the personal median as the vitals do (README "Personal
 * baselines"): by at least max(GLUCOSE_CONFIRM_MIN_MGDL, k × robust SD), k = `baselineK` (3)...
 */
export const GLUCOSE_CONFIRM_MIN_MGDL = 50;
/** ...or at least this high whatever the baseline (a single reading this high needs a call: ketones, sick-day rules). */
export const GLUCOSE_SAFETY_LIMIT_MGDL = 300;

/** What the baseline needs of a metric: the robust SD is never below 5 mg/dL (meter resolution and noise at low values). */
const GLUCOSE_SPREAD: Pick<MetricSpec, 'minDelta' | 'sdFloor'> = { minDelta: GLUCOSE_CONFIRM_MIN_MGDL, sdFloor: 5 };

/** The glucose history with this reading (whole mg/dL) folded in (the same object when there is no reading). */
export function foldGlucose(s: Series | undefined, at: number, mgDl: number | undefined): Series | undefined {
  return foldOptional(s, at, mgDl === undefined ? undefined : Math.round(mgDl));
}

/** The glucose baseline before `at`, or null during warm-up (states written before glucose was kept have none). */
export function glucoseView(s: Series | undefined, at: number, minReadings: number, k: number): BaselineView | null {
  return s === undefined ? null : baselineView(s, at, GLUCOSE_SPREAD, minReadings, k);
}

/** `glucose.high` as information when the reading is within the patient's usual range and below the safety limit. */
export function confirmGlucoseFactor(f: RiskFactor, mgDl: number, view: BaselineView): RiskFactor {
  if (f.code !== 'glucose.high') return f;
  const g = Math.round(mgDl);
  if (g >= GLUCOSE_SAFETY_LIMIT_MGDL) return f;
  const median = Math.round(view.median);
  const from = median + Math.round(view.threshold);
  if (g >= from) return f;
  const countsFrom = from < GLUCOSE_SAFETY_LIMIT_MGDL ? `${from} mg/dL, and always from ${GLUCOSE_SAFETY_LIMIT_MGDL}` : `${GLUCOSE_SAFETY_LIMIT_MGDL} mg/dL`;
  const tail =
    `Within this patient's usual range (median ${median} mg/dL over the last ${view.n} readings; a reading counts from ${countsFrom}), ` +
    'so it adds nothing to the risk score; glucose control may need review.';
  return { ...f, points: 0, severity: 'info', message: `${f.message} ${tail}` };
}
