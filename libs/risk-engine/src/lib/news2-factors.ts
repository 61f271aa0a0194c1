/**
 * NEWS2 as factors, and v1's tempering of NEWS2 points that are usual for a stable patient.
 *
 * Tempering (v1 only): for a parameter with a trusted personal baseline, the points counted are
 *   max(0, points(reading) − points(baseline median))
 * provided the reading is on the same side of the NEWS2 zero-point band as the patient's median,
 * no further outside it than the median by more than a small tolerance, within the safety
 * limits below, and the patient does not report breathlessness 4 of 4. Otherwise all points count.
 * Consciousness is never tempered. The `news2` summary always reports the RCP score unmodified.
 */
import { BASELINE_WINDOW, BaselineView, SUSTAIN_LOOKBACK_MS, SUSTAIN_PREVIOUS, recentValuesBefore, valuesBefore } from './baseline';
import { fmtAuto, plural, round } from './format';
import {
  BandResult,
  News2Computation,
  distanceOutside,
  heartRatePoints,
  news2Level,
  respiratoryRatePoints,
  spo2Points,
  systolicBpPoints,
  temperaturePoints,
  zeroBand,
} from './news2';
import { factor } from './rules';
import { News2Level, News2Parameter, RiskFactor, Series, SeriesKey, Severity, Spo2Scale } from './types';

/** Readings beyond these are never discounted by a personal baseline. */
export const TEMPERING_SAFETY_LIMITS = Object.freeze({
  respiratoryRate: '≤8 or ≥25 breaths/min',
  spo2: '≤84%',
  systolicBp: '≤85 or ≥220 mmHg',
  heartRate: '≤40 or ≥131 beats/min',
  temperature: '≤35.0 °C or ≥38.1 °C',
});

/** How much further outside the zero-point band than usual a reading may be and still be tempered. */
export const TEMPERING_TOLERANCE = Object.freeze({ respiratoryRate: 2, spo2: 2, systolicBp: 10, heartRate: 10, temperature: 0.5 });

/** Oxygen's 2 points are tempered when at least this share of the baseline check-ins were on oxygen. */
export const HABITUAL_OXYGEN_SHARE = 0.8;

function beyondSafety(param: News2Parameter, x: number): boolean {
  switch (param) {
    case 'respiratoryRate': {
      const r = round(x, 0);
      return r <= 8 || r >= 25;
    }
    case 'spo2':
      return round(x, 0) <= 84;
    case 'systolicBp': {
      const r = round(x, 0);
      return r <= 85 || r >= 220;
    }
    case 'heartRate': {
      const r = round(x, 0);
      return r <= 40 || r >= 131;
    }
    case 'temperature': {
      const r = round(x, 1);
      return r <= 35.0 || r >= 38.1;
    }
    default:
      return true;
  }
}

/** -1 below the zero-point band, +1 above it, 0 inside. */
function sideOf(x: number, band: readonly [number, number]): -1 | 0 | 1 {
  return x < band[0] ? -1 : x > band[1] ? 1 : 0;
}

function pointsOf(param: News2Parameter, x: number, scale: Spo2Scale, onOxygen: boolean): BandResult {
  switch (param) {
    case 'respiratoryRate':
      return respiratoryRatePoints(x);
    case 'spo2':
      return spo2Points(x, scale, onOxygen);
    case 'systolicBp':
      return systolicBpPoints(x);
    case 'heartRate':
      return heartRatePoints(x);
    default:
      return temperaturePoints(x);
  }
}

const NAMES: Readonly<Record<News2Parameter, string>> = {
  respiratoryRate: 'Respiratory rate',
  spo2: 'SpO2',
  supplementalOxygen: 'Supplemental oxygen',
  systolicBp: 'Systolic blood pressure',
  heartRate: 'Pulse',
  consciousness: 'Consciousness',
  temperature: 'Temperature',
};

const UNITS: Readonly<Record<News2Parameter, string>> = {
  respiratoryRate: ' breaths/min',
  spo2: '%',
  supplementalOxygen: '',
  systolicBp: ' mmHg',
  heartRate: ' beats/min',
  consciousness: '',
  temperature: ' °C',
};

const ACVPU_WORDS: Readonly<Record<string, string>> = {
  A: 'alert',
  C: 'new confusion',
  V: 'responds to voice only',
  P: 'responds to pain only',
  U: 'unresponsive',
};

export interface TemperingContext {
  readonly scale: Spo2Scale;
  readonly onOxygen: boolean;
  readonly at: number;
  readonly minReadings: number;
  /** Baseline of each numeric parameter's series (null while warming up). */
  readonly views: Readonly<Partial<Record<News2Parameter, BaselineView | null>>>;
  /** The vitals history: habitual oxygen, and the lone red score's repeat check during warm-up. */
  readonly series: Readonly<Record<SeriesKey, Series>>;
  /** NEWS2 parameters whose vital deviates from its personal baseline at this check-in (v1 baseline factors). */
  readonly deviating: ReadonlySet<News2Parameter>;
  /** Marked breathlessness or swelling (3 or 4 of 4), or chest pain, reported with this check-in. */
  readonly symptomatic: boolean;
  /** Breathlessness 4 of 4, the worst on the scale: the patient is not at their stable usual, so nothing is tempered. */
  readonly breathlessAtWorst: boolean;
}

interface Counted {
  counted: number;
  note: string;
}

function temper(param: News2Parameter, value: number | string | boolean, raw: number, ctx: TemperingContext): Counted {
  if (raw === 0) return { counted: 0, note: '' };
  if (param === 'consciousness') return { counted: raw, note: '' };
  if (param === 'supplementalOxygen') {
    const ref = valuesBefore(ctx.series.onOxygen, ctx.at, BASELINE_WINDOW);
    if (ref.length < ctx.minReadings) return { counted: raw, note: '' };
    let on = 0;
    for (const x of ref) if (x === 1) on++;
    if (on / ref.length >= HABITUAL_OXYGEN_SHARE) {
      return {
        counted: 0,
        note: ` This patient is usually on oxygen (${on} of the last ${ref.length} check-ins that recorded it), so it adds nothing to the risk score.`,
      };
    }
    return { counted: raw, note: '' };
  }
  const view = ctx.views[param];
  if (view === null || view === undefined || typeof value !== 'number') return { counted: raw, note: '' };
  const unit = UNITS[param];
  const usual = fmtAuto(view.median) + unit;
  const habitual = pointsOf(param, view.median, ctx.scale, ctx.onOxygen).points;
  if (habitual === 0) return { counted: raw, note: '' };
  if (beyondSafety(param, value)) {
    return {
      counted: raw,
      note: ` Beyond the limits where a personal baseline may discount NEWS2 (${TEMPERING_SAFETY_LIMITS[param as keyof typeof TEMPERING_SAFETY_LIMITS]}), so all ${raw} points count.`,
    };
  }
  const band = zeroBand(param, ctx.scale, ctx.onOxygen);
  const reading = round(value, param === 'temperature' ? 1 : 0);
  const side = sideOf(reading, band);
  if (side !== 0 && side !== sideOf(view.median, band)) {
    return { counted: raw, note: ` On the other side of normal from this patient's usual ${usual}, so all ${raw} points count.` };
  }
  const worseBy = distanceOutside(reading, band) - distanceOutside(view.median, band);
  if (worseBy > TEMPERING_TOLERANCE[param as keyof typeof TEMPERING_TOLERANCE] + 1e-9) {
    return { counted: raw, note: ` Further from normal than this patient's usual ${usual}, so all ${raw} points count.` };
  }
  if (ctx.breathlessAtWorst) {
    return { counted: raw, note: ` Reported with breathlessness 4 of 4, so not this patient's stable usual (${usual}): all ${raw} points count.` };
  }
  const counted = Math.max(0, raw - habitual);
  if (counted === 0) {
    return { counted: 0, note: ` Usual for this patient (median ${usual} over the last ${view.n} readings), so it adds nothing to the risk score.` };
  }
  return {
    counted,
    note: ` This patient's usual ${usual} scores ${habitual}, so ${counted} of the ${raw} points count toward the risk score.`,
  };
}

function paramMessage(
  param: News2Parameter,
  value: number | string | boolean,
  r: BandResult,
  scale: Spo2Scale,
  oxygenKnown: boolean,
  onOxygen: boolean,
): string {
  const pts = `${r.points} NEWS2 ${plural(r.points, 'point', 'points')}`;
  switch (param) {
    case 'supplementalOxygen':
      return `On supplemental oxygen: ${pts}.`;
    case 'consciousness':
      return `Consciousness: ${ACVPU_WORDS[String(value)] ?? String(value)} (${String(value)} on ACVPU): ${pts}; anything other than alert scores 3.`;
    case 'spo2': {
      const air = oxygenKnown ? (onOxygen ? ' on oxygen' : ' on air') : '';
      const assumed = oxygenKnown || scale !== 2 ? '' : ' Air or oxygen was not recorded; scored as air.';
      return `SpO2 ${fmtAuto(value as number)}%${air}: ${pts} (scale ${scale}, band ${r.band}).${assumed}`;
    }
    default:
      return `${NAMES[param]} ${fmtAuto(value as number)}${UNITS[param]}: ${pts} (band ${r.band}).`;
  }
}

function paramLabel(param: News2Parameter, value: number | string | boolean): string {
  switch (param) {
    case 'supplementalOxygen':
      return 'On oxygen';
    case 'consciousness':
      return `Consciousness ${String(value)}`;
    default:
      return `${NAMES[param]} ${fmtAuto(value as number)}${UNITS[param]}`;
  }
}

const LEVEL_WORDS: Readonly<Record<News2Level, { text: string; band: string }>> = {
  low: { text: 'low', band: '0–4' },
  'low-medium': { text: 'low-medium', band: 'a single parameter scoring 3' },
  medium: { text: 'medium', band: '5–6' },
  high: { text: 'high', band: '≥7' },
};

const PARAM_WORDS: Readonly<Record<News2Parameter, string>> = {
  respiratoryRate: 'respiratory rate',
  spo2: 'SpO2',
  supplementalOxygen: 'air or oxygen',
  systolicBp: 'systolic blood pressure',
  heartRate: 'pulse',
  consciousness: 'consciousness',
  temperature: 'temperature',
};

/** Score points of the NEWS2 domain, from the counted aggregate and its RCP level. */
export function news2ScorePoints(total: number, level: News2Level): { points: number; severity: Severity } {
  switch (level) {
    case 'high':
      return { points: Math.min(100, 75 + 5 * (total - 7)), severity: 'critical' };
    case 'medium':
      return { points: 50 + 5 * (total - 5), severity: 'high' };
    case 'low-medium':
      return { points: 25 + 5 * (total - 3), severity: 'medium' };
    default:
      return { points: 5 * total, severity: total > 0 ? 'low' : 'info' };
  }
}

export interface News2FactorResult {
  readonly factors: RiskFactor[];
  readonly countedTotal: number;
  readonly countedLevel: News2Level;
}

/** NEWS2 factors for one check-in; `ctx` null means no tempering (static-v0, or v1 without baselines). */
export function news2Factors(comp: News2Computation, scale: Spo2Scale, oxygenKnown: boolean, ctx: TemperingContext | null): News2FactorResult {
  const factors: RiskFactor[] = [];
  let countedTotal = 0;
  let countedThree = false;
  const onOxygen = onOxygenOf(comp);
  const tempered = comp.params.map((p) =>
    p.result.points === 0 ? null : ctx === null ? { counted: p.result.points, note: '' } : temper(p.param, p.value, p.result.points, ctx),
  );
  if (ctx !== null) holdLoneThree(comp, tempered, ctx);
  for (let i = 0; i < comp.params.length; i++) {
    const p = comp.params[i];
    const raw = p.result.points;
    const c = tempered[i];
    if (c === null) continue;
    countedTotal += c.counted;
    if (c.counted === 3) countedThree = true;
    const severity: Severity = c.counted === 3 ? 'medium' : c.counted > 0 ? 'low' : 'info';
    const f = factor(
      `news2.${p.param}`,
      'news2',
      p.value,
      `${p.result.band} → ${raw}`,
      0,
      severity,
      paramMessage(p.param, p.value, p.result, scale, oxygenKnown, onOxygen) + c.note,
      paramLabel(p.param, p.value),
    );
    f.news2Points = raw;
    f.countedNews2Points = c.counted;
    factors.push(f);
  }
  const countedLevel = news2Level(countedTotal, countedThree);
  if (comp.total > 0) {
    const { points, severity } = news2ScorePoints(countedTotal, countedLevel);
    const lw = LEVEL_WORDS[comp.level];
    let message = `NEWS2 ${comp.total}: ${lw.text} clinical risk (${lw.band}).`;
    if (comp.missing.length > 0) {
      message += ` Partial score: ${comp.present.length} of 7 parameters recorded; not recorded: ${comp.missing.map((m) => PARAM_WORDS[m]).join(', ')}.`;
    }
    let label = `NEWS2 ${comp.total} (${lw.text})`;
    if (countedTotal !== comp.total) {
      const cw = LEVEL_WORDS[countedLevel];
      message += ` Counted as ${countedTotal} (${cw.text}) after allowing for this patient's usual readings.`;
      label = `NEWS2 ${comp.total}, counted ${countedTotal}`;
    }
    factors.unshift(factor('news2.total', 'news2', countedTotal, '0–4 low; single 3 low-medium; 5–6 medium; ≥7 high', points, severity, message, label));
  }
  return { factors, countedTotal, countedLevel };
}

/** SpO2 and pulse come from the same probe: a motion artefact moves both, so neither confirms the other. */
const SAME_PROBE: Readonly<Partial<Record<News2Parameter, News2Parameter>>> = { spo2: 'heartRate', heartRate: 'spo2' };

/**
 * v1: a lone red score waits for confirmation. When the only reason for "low-medium" is one
 * parameter scoring 3, within the safety limits and not a deviation from the patient's own
 * baseline (within their spread, or no baseline yet: warm-up), it counts 2 (low) unless one of
 * the previous two readings of it in the past 7 days also scored 3, another vital deviates from
 * its baseline at this check-in, or marked breathlessness, swelling or chest pain is reported with
 * it. One home reading in the 3 band, alone and not shown to be unusual for the patient, is most
 * often noise; a repeat or a second sign counts all 3 at once. Within the safety limits this only
 * concerns SpO2 (scale 1: 85–91%) and systolic BP 86–90 mmHg.
 */
function holdLoneThree(comp: News2Computation, tempered: (Counted | null)[], ctx: TemperingContext): void {
  let total = 0;
  let three = -1;
  for (let i = 0; i < tempered.length; i++) {
    const c = tempered[i];
    if (c === null) continue;
    total += c.counted;
    if (c.counted === 3) three = three === -1 ? i : -2;
  }
  if (three < 0 || total >= 5) return;
  const p = comp.params[three];
  const view = ctx.views[p.param];
  if (typeof p.value !== 'number' || beyondSafety(p.param, p.value)) return;
  let previous: readonly number[];
  if (view === null || view === undefined) {
    const series = seriesOfParam(ctx.series, p.param, ctx.onOxygen);
    if (series === null) return;
    previous = recentValuesBefore(series, ctx.at, SUSTAIN_PREVIOUS, SUSTAIN_LOOKBACK_MS);
  } else previous = view.previous;
  for (const x of previous) if (pointsOf(p.param, x, ctx.scale, ctx.onOxygen).points === 3) return;
  if (ctx.symptomatic || ctx.deviating.has(p.param)) return;
  for (const q of ctx.deviating) if (SAME_PROBE[p.param] !== q) return;
  const c = tempered[three] as Counted;
  const why =
    view === null || view === undefined
      ? 'No personal baseline yet: a single reading in the 3 band,'
      : "A single reading in the 3 band, within this patient's usual swing,";
  tempered[three] = {
    counted: 2,
    note: `${c.note} ${why} not seen in the previous readings of the past 7 days and with no second sign: 2 of the 3 points count until a repeat confirms it.`,
  };
}

/** The history series of a NEWS2 parameter's vital (SpO2 on air or on oxygen as this check-in was), or null for oxygen and consciousness. */
function seriesOfParam(series: Readonly<Record<SeriesKey, Series>>, param: News2Parameter, onOxygen: boolean): Series | null {
  switch (param) {
    case 'spo2':
      return onOxygen ? series.spo2OnOxygen : series.spo2;
    case 'heartRate':
    case 'respiratoryRate':
    case 'systolicBp':
      return series[param];
    case 'temperature':
      return series.temperatureC;
    default:
      return null;
  }
}

function onOxygenOf(comp: News2Computation): boolean {
  for (const p of comp.params) if (p.param === 'supplementalOxygen') return p.value === true;
  return false;
}
