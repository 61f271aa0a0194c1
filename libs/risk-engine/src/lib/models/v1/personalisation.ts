/**
 * v1's personalisation (README "Personal baselines (v1)"): deviation factors and NEWS2 tempering
 * from adaptive baselines, weight and glucose judged against the patient's usual, repeated
 * questionnaire totals, sustained low mood. v2 keeps it.
 */
import { BaselineView, MetricSpec, baselineView } from '../../baseline';
import { SUSTAINED_POINTS, baselineFactor } from '../../baseline-factors';
import { fmt } from '../../format';
import { confirmGlucoseFactor, glucoseView } from '../../glucose-baseline';
import { SPECS } from '../../metric-specs';
import { sustainLowMood } from '../../mood-trend';
import { ResolvedOptions } from '../../options';
import { Personalisation, PersonalResult } from '../../pipeline';
import { markRepeats } from '../../questionnaire-history';
import { CleanVitals } from '../../sanitize';
import { News2Parameter, PatientState, RiskFactor } from '../../types';

function personalOne(
  out: PersonalResult,
  series: PatientState['history']['series'],
  spec: MetricSpec,
  value: number | undefined,
  param: News2Parameter | null,
  at: number,
  opts: ResolvedOptions,
  suffix = '',
): void {
  if (value === undefined) return;
  const view = baselineView(series[spec.key], at, spec, opts.baselineMinReadings, opts.baselineK);
  if (param !== null) out.views[param] = view;
  if (view === null) return;
  const f = baselineFactor(spec, value, view, suffix);
  if (f !== null) out.factors.push(f);
}

/** v1: baselines of the metrics present (as they were before this check-in), and their deviation factors. */
export function personal(state: PatientState, v: CleanVitals, at: number, opts: ResolvedOptions, symptomatic: boolean): PersonalResult {
  const series = state.history.series;
  const out: PersonalResult = {
    // A fixed shape (every key present) keeps property access fast.
    views: { respiratoryRate: null, spo2: null, supplementalOxygen: null, systolicBp: null, heartRate: null, consciousness: null, temperature: null },
    factors: [],
  };
  if (v.onOxygen === true) personalOne(out, series, SPECS.spo2OnOxygen, v.spo2, 'spo2', at, opts, ' on oxygen');
  else personalOne(out, series, SPECS.spo2, v.spo2, 'spo2', at, opts);
  personalOne(out, series, SPECS.heartRate, v.heartRate, 'heartRate', at, opts);
  personalOne(out, series, SPECS.respiratoryRate, v.respiratoryRate, 'respiratoryRate', at, opts);
  personalOne(out, series, SPECS.systolicBp, v.systolicBp, 'systolicBp', at, opts);
  personalOne(out, series, SPECS.temperatureC, v.temperatureC, 'temperature', at, opts);
  personalOne(out, series, SPECS.weightKg, v.weightKg, null, at, opts);
  confirmConcordant(out.factors, symptomatic);
  return out;
}

/**
 * Concordance (v1): a first deviation counts at once (medium) when another vital deviates from its
 * own baseline at the same check-in, or the patient reports marked breathlessness or swelling
 * (3 or 4 of 4) or chest pain with it. Measurement error is independent across devices and does
 * not make a patient breathless, so a deviation with a second sign is rarely noise, while
 * deterioration moves several at once. SpO2 and pulse alone do not confirm each other (one probe:
 * a motion artefact moves both). Weight is not counted here (its rules have their own
 * confirmation, confirmWeightFactor).
 */
function confirmConcordant(factors: RiskFactor[], symptomatic: boolean): void {
  const vitals = factors.filter((f) => f.domain === 'baseline');
  if (vitals.length === 0 || (!symptomatic && vitals.length === 1)) return;
  if (!symptomatic && vitals.length === 2 && vitals.every((f) => f.code === SPECS.spo2.code || f.code === SPECS.heartRate.code)) return;
  for (let i = 0; i < factors.length; i++) {
    const f = factors[i];
    if (f.domain !== 'baseline' || f.severity !== 'info') continue;
    const others = vitals.filter((o) => o.code !== f.code).map((o) => o.label);
    const signs = [...others, ...(symptomatic ? ['marked breathlessness, swelling or chest pain reported'] : [])];
    factors[i] = {
      ...f,
      points: SUSTAINED_POINTS,
      severity: 'medium',
      message: `${f.message} Counted at once, with a second sign at this check-in (${signs.join('; ')}): a concordant change.`,
    };
  }
}

/** v1: a weight rule keeps its points only this far above the personal median: max(1 kg, 2 × robust SD). */
const WEIGHT_CONFIRM_MIN_KG = 1;
const WEIGHT_CONFIRM_SDS = 2;

/**
 * v1, trusted weight baseline: `hf.weightGain24h` and `hf.aboveDryWeight` count only when the
 * weight is also at least max(1 kg, 2 × robust SD) above the patient's median; otherwise they are
 * reported as information (0 points). `hf.weightGain7d` is never changed.
 */
function confirmWeightFactor(f: RiskFactor, weightKg: number, view: BaselineView): RiskFactor {
  if (f.code !== 'hf.weightGain24h' && f.code !== 'hf.aboveDryWeight') return f;
  const medianG = Math.round(view.median * 1000);
  const marginG = Math.max(WEIGHT_CONFIRM_MIN_KG * 1000, Math.round(WEIGHT_CONFIRM_SDS * view.sd * 1000));
  const aboveG = Math.round(weightKg * 1000) - medianG;
  if (aboveG >= marginG) return f;
  const usual = `Within this patient's usual range (median ${fmt(medianG / 1000, 1)} kg over the last ${view.n} readings; a weight counts from ${fmt((medianG + marginG) / 1000, 1)} kg)`;
  const tail =
    f.code === 'hf.aboveDryWeight'
      ? `${usual}: the dry weight may need review, so it adds nothing to the risk score.`
      : `${usual}, so it adds nothing to the risk score.`;
  return { ...f, points: 0, severity: 'info', message: `${f.message} ${tail}` };
}

export const V1_PERSONALISATION: Personalisation = {
  personal,
  confirmWeight(factors, weightKg, state, at, opts) {
    const view = baselineView(state.history.series.weightKg, at, SPECS.weightKg, opts.baselineMinReadings, opts.baselineK);
    return view === null ? factors : factors.map((f) => confirmWeightFactor(f, weightKg, view));
  },
  repeats: markRepeats,
  confirmGlucose(f, mgDl, state, at, opts) {
    // Only a high reading is held against the usual range: most readings need no baseline at all.
    if (f.code !== 'glucose.high') return f;
    const view = glucoseView(state.history.glucose, at, opts.baselineMinReadings, opts.baselineK);
    return view === null ? f : confirmGlucoseFactor(f, mgDl, view);
  },
  supporting(f, state, at, opts) {
    return sustainLowMood(f, state.history.mood, at, opts.baselineMinReadings, opts.baselineK);
  },
};
