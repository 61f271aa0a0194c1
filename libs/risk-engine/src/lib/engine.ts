/**
 * The engine: (profile, state, check-in) -> (state, score, alerts), and the time-driven
 * engagement check. Pure and deterministic: no clock, no randomness, no I/O; inputs are never
 * mutated (outputs may share unchanged parts of the input state: treat both as immutable).
 */
import { decideAlerts } from './alerts';
import { BASELINE_METRICS, BaselineView, MetricSpec, baselineView } from './baseline';
import { SUSTAINED_POINTS, baselineFactor } from './baseline-factors';
import { fmt } from './format';
import { confirmGlucoseFactor, foldGlucose, glucoseView } from './glucose-baseline';
import { sustainLowMood } from './mood-trend';
import { foldOptional, foldVitals } from './history';
import { assertModel, assertState, bookOf, withBook } from './state';
import { computeNews2 } from './news2';
import { TemperingContext, news2Factors } from './news2-factors';
import { foldQuestionnaires, markRepeats } from './questionnaire-history';
import { ResolvedOptions, resolveOptions } from './options';
import { chestPainFactor, glucoseFactors, heartFailureWeightFactors, questionnaireFactors, supportingFactors } from './rules';
import { CleanSymptoms, CleanVitals, sanitize } from './sanitize';
import { combine, sortFactors } from './score';
import { parseInstant } from './time';
import {
  EngineCheckIn,
  EngineOptions,
  ModelVersion,
  News2Parameter,
  News2Summary,
  PatientProfile,
  PatientState,
  RaisedAlert,
  RiskEngineInputError,
  RiskFactor,
  RiskScore,
  ScoreResult,
  Spo2Scale,
} from './types';

export { STATE_SCHEMA_VERSION, initialState } from './state';
export { checkEngagement, nextEngagementDueAt } from './engagement';

/** Until each version is its own strategy: v2 scores as v1 (its own alert bookkeeping). */
const personalised = (model: ModelVersion): boolean => model !== 'static-v0';

function scaleOf(profile: PatientProfile): Spo2Scale {
  // Anything but an explicit 2 is scale 1, the more cautious scale for low saturations.
  return profile.news2SpO2Scale === 2 ? 2 : 1;
}


type BaselineMetric = keyof typeof BASELINE_METRICS;

const SPECS: Readonly<Record<BaselineMetric | 'spo2OnOxygen', MetricSpec>> = {
  spo2: { key: 'spo2', ...BASELINE_METRICS.spo2 },
  spo2OnOxygen: { key: 'spo2OnOxygen', ...BASELINE_METRICS.spo2 },
  heartRate: { key: 'heartRate', ...BASELINE_METRICS.heartRate },
  respiratoryRate: { key: 'respiratoryRate', ...BASELINE_METRICS.respiratoryRate },
  systolicBp: { key: 'systolicBp', ...BASELINE_METRICS.systolicBp },
  temperatureC: { key: 'temperatureC', ...BASELINE_METRICS.temperatureC },
  weightKg: { key: 'weightKg', ...BASELINE_METRICS.weightKg },
};

interface PersonalResult {
  views: Partial<Record<News2Parameter, BaselineView | null>>;
  factors: RiskFactor[];
}

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
function personal(state: PatientState, v: CleanVitals, at: number, opts: ResolvedOptions, symptomatic: boolean): PersonalResult {
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

/** Marked breathlessness or swelling (3 or 4 of 4), or chest pain: a second sign for v1's confirmations. */
function symptomaticOf(s: CleanSymptoms): boolean {
  return (s.breathlessness ?? 0) >= 3 || (s.swelling ?? 0) >= 3 || s.chestPain === true;
}

const PARAM_OF_CODE: Readonly<Record<string, News2Parameter>> = {
  [SPECS.spo2.code]: 'spo2',
  [SPECS.heartRate.code]: 'heartRate',
  [SPECS.respiratoryRate.code]: 'respiratoryRate',
  [SPECS.systolicBp.code]: 'systolicBp',
  [SPECS.temperatureC.code]: 'temperature',
};

/** The NEWS2 parameters whose vital deviates from its baseline (any severity) at this check-in. */
function deviatingParams(factors: readonly RiskFactor[]): Set<News2Parameter> {
  const out = new Set<News2Parameter>();
  for (const f of factors) {
    const p = PARAM_OF_CODE[f.code];
    if (p !== undefined) out.add(p);
  }
  return out;
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
  const tail = f.code === 'hf.aboveDryWeight' ? `${usual}: the dry weight may need review, so it adds nothing to the risk score.` : `${usual}, so it adds nothing to the risk score.`;
  return { ...f, points: 0, severity: 'info', message: `${f.message} ${tail}` };
}

export function scoreCheckIn(
  model: ModelVersion,
  profile: PatientProfile,
  state: PatientState,
  checkIn: EngineCheckIn,
  options?: EngineOptions,
): ScoreResult {
  assertModel(model);
  const opts = resolveOptions(options);
  assertState(profile, state);
  if (checkIn === null || typeof checkIn !== 'object') throw new RiskEngineInputError('check-in must be an object', 'checkIn');
  if (checkIn.patientId !== profile.patientId || checkIn.tenantId !== profile.tenantId) {
    throw new RiskEngineInputError('check-in belongs to another patient', 'checkIn.patientId');
  }
  const id = checkIn.checkInId;
  if (typeof id !== 'string' || id.length === 0) throw new RiskEngineInputError('checkInId must be a non-empty string', 'checkIn.checkInId');
  const at = parseInstant(checkIn.recordedAt);
  if (at === null) throw new RiskEngineInputError('recordedAt must be an ISO-8601 instant with offset', 'checkIn.recordedAt');

  const newestBefore = state.history.newestAt;
  const late = newestBefore !== null && at < newestBefore - opts.lateAfterMs;
  const clean = sanitize(checkIn);
  const v = clean.vitals;
  const scale = scaleOf(profile);
  const factors: RiskFactor[] = [];

  // 1. NEWS2, tempered by personal baselines in v1.
  const comp = computeNews2(v, scale);
  let personalResult: PersonalResult | null = null;
  const symptomatic = symptomaticOf(clean.symptoms);
  if (personalised(model)) personalResult = personal(state, v, at, opts, symptomatic);
  let news2: News2Summary | null = null;
  if (comp !== null) {
    const ctx: TemperingContext | null =
      personalResult === null
        ? null
        : {
            scale,
            onOxygen: v.onOxygen === true,
            at,
            minReadings: opts.baselineMinReadings,
            views: personalResult.views,
            series: state.history.series,
            deviating: deviatingParams(personalResult.factors),
            symptomatic,
            breathlessAtWorst: clean.symptoms.breathlessness === 4,
          };
    const nf = news2Factors(comp, scale, v.onOxygen !== undefined, ctx);
    for (const f of nf.factors) factors.push(f);
    news2 = {
      total: comp.total,
      level: comp.level,
      partial: comp.missing.length > 0,
      parametersPresent: comp.present,
      parametersMissing: comp.missing,
      spo2Scale: scale,
      countedTotal: nf.countedTotal,
      countedLevel: nf.countedLevel,
    };
  }
  // 2. Personal baseline deviations (v1).
  if (personalResult !== null) for (const f of personalResult.factors) factors.push(f);
  // 3. Condition rules.
  const conditions = Array.isArray(profile.conditions) ? profile.conditions : [];
  if (v.weightKg !== undefined && conditions.includes('heart-failure')) {
    const dry = typeof profile.dryWeightKg === 'number' && Number.isFinite(profile.dryWeightKg) && profile.dryWeightKg > 0 ? profile.dryWeightKg : undefined;
    const weightView =
      personalised(model) ? baselineView(state.history.series.weightKg, at, SPECS.weightKg, opts.baselineMinReadings, opts.baselineK) : null;
    for (const f of heartFailureWeightFactors(state.history.series.weightKg, at, v.weightKg, dry, opts)) {
      factors.push(weightView === null ? f : confirmWeightFactor(f, v.weightKg, weightView));
    }
  }
  const qStart = factors.length;
  for (const f of questionnaireFactors(clean.questionnaires)) factors.push(f);
  const qFactors = factors.slice(qStart);
  const repeats = personalised(model) && qFactors.length > 0 ? markRepeats(factors, state.history.questionnaires, at) : null;
  if (v.glucoseMgDl !== undefined) {
    for (const f of glucoseFactors(v.glucoseMgDl)) {
      // Only a high reading is held against the usual range: most readings need no baseline at all.
      const view = personalised(model) && f.code === 'glucose.high' ? glucoseView(state.history.glucose, at, opts.baselineMinReadings, opts.baselineK) : null;
      factors.push(view === null ? f : confirmGlucoseFactor(f, v.glucoseMgDl, view));
    }
  }
  if (clean.symptoms.chestPain === true) factors.push(chestPainFactor(clean, comp));
  for (const f of supportingFactors(clean)) {
    factors.push(personalised(model) ? sustainLowMood(f, state.history.mood, at, opts.baselineMinReadings, opts.baselineK) : f);
  }

  const { score, level } = combine(factors);
  const sorted = sortFactors(factors);
  const riskScore: RiskScore = {
    modelVersion: model,
    patientId: profile.patientId,
    tenantId: profile.tenantId,
    checkInId: id,
    recordedAt: checkIn.recordedAt,
    score,
    level,
    factors: sorted,
    news2,
    late,
  };

  const vitalsHistory = foldVitals(state.history, at, v);
  const history: PatientState['history'] = {
    newestAt: vitalsHistory.newestAt,
    series: vitalsHistory.series,
    questionnaires: foldQuestionnaires(state.history.questionnaires, at, qFactors),
  };
  const glucose = foldGlucose(state.history.glucose, at, v.glucoseMgDl);
  if (glucose !== undefined) history.glucose = glucose;
  const mood = foldOptional(state.history.mood, at, clean.mood);
  if (mood !== undefined) history.mood = mood;
  let alerts: RaisedAlert[] = [];
  let book = bookOf(state, model);
  if (!late) {
    const decided = decideAlerts({ model, profile, book, at, checkInId: id, recordedAt: checkIn.recordedAt, level, score, factors: sorted, opts, repeats });
    alerts = decided.alerts;
    book = decided.book;
  }
  return { state: withBook(state, history, model, book), score: riskScore, alerts };
}
