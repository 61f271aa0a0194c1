/**
 * v1: a sustained low mood (README "Sustained low mood"). Mood answers are kept in the history
 * (both models); the lowest mood (1 of 5) counts as a medium factor, `mood.lowSustained`, when at
 * least SUSTAINED_LOWS of the previous SUSTAINED_LOOKBACK answers within 7 days were the lowest
 * too, and the lowest is not the patient's usual (median of their last 28 answers at least 2,
 * after warm-up). One low day is ordinary; most days at the bottom of the scale in a week is the
 * daily signal of a deepening depression between fortnightly PHQ-9s.
 */
import { SUSTAIN_LOOKBACK_MS, baselineView, recentValuesBefore } from './baseline';
import { fmtAuto } from './format';
import { factor } from './rules';
import { RiskFactor, Series } from './types';

/** How many earlier answers are looked at, and how many of them must be the lowest too (3 of the last 4). */
export const SUSTAINED_LOOKBACK = 3;
export const SUSTAINED_LOWS = 2;
/** The lowest is "not usual" when the patient's median mood is at least this. */
export const USUAL_MOOD_AT_LEAST = 2;
export const SUSTAINED_LOW_MOOD_POINTS = 25;

const MOOD_SPREAD = { minDelta: 1, sdFloor: 0.5 };

/** `mood.lowSustained` in place of `mood.low` when the low mood is sustained and unusual; otherwise the factor unchanged. */
export function sustainLowMood(f: RiskFactor, moods: Series | undefined, at: number, minReadings: number, k: number): RiskFactor {
  if (f.code !== 'mood.low' || moods === undefined) return f;
  // The few recent answers first: the usual mood (a median of up to 28) only when they are low.
  const previous = recentValuesBefore(moods, at, SUSTAINED_LOOKBACK, SUSTAIN_LOOKBACK_MS);
  const seen = previous.length;
  let lows = 0;
  for (const x of previous) if (x < 1.5) lows++;
  if (lows < SUSTAINED_LOWS) return f;
  const view = baselineView(moods, at, MOOD_SPREAD, minReadings, k);
  if (view === null || view.median < USUAL_MOOD_AT_LEAST) return f;
  return factor(
    'mood.lowSustained',
    'mood',
    f.value,
    `1 of 5 at ${SUSTAINED_LOWS + 1} of the last ${SUSTAINED_LOOKBACK + 1} answers within 7 days`,
    SUSTAINED_LOW_MOOD_POINTS,
    'medium',
    `Mood rated 1 of 5, the lowest, at ${lows + 1} of the last ${seen + 1} check-ins within 7 days, against this patient's usual ${fmtAuto(view.median)} ` +
      `(median of the last ${view.n} answers): a sustained low mood.`,
    'Low mood most days',
  );
}
