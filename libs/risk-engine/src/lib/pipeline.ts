/**
 * The scoring pipeline every model shares: sanitise, NEWS2, condition rules, score, fold the
 * history. A model adds what it learns from the patient through a `Personalisation`; static-v0's
 * adds nothing. Alert decisions are the model's own (models/).
 */
import { BaselineView } from './baseline';
import { foldGlucose } from './glucose-baseline';
import { foldOptional, foldVitals } from './history';
import { SPECS } from './metric-specs';
import { computeNews2 } from './news2';
import { TemperingContext, news2Factors } from './news2-factors';
import { ResolvedOptions } from './options';
import { foldQuestionnaires } from './questionnaire-history';
import { chestPainFactor, glucoseFactors, heartFailureWeightFactors, questionnaireFactors, supportingFactors } from './rules';
import { CleanCheckIn, CleanSymptoms, CleanVitals, sanitize } from './sanitize';
import { combine, sortFactors } from './score';
import {
  EngineCheckIn,
  Level,
  ModelVersion,
  News2Parameter,
  News2Summary,
  PatientProfile,
  PatientState,
  QuestionnaireHistory,
  RiskFactor,
  RiskScore,
  Spo2Scale,
} from './types';

export interface PersonalResult {
  views: Partial<Record<News2Parameter, BaselineView | null>>;
  factors: RiskFactor[];
}

/** What a model learns from the patient's own history. Each hook sees the state as it was before this check-in. */
export interface Personalisation {
  /** Baselines of the vitals present and their deviation factors; null: no personal baselines (no NEWS2 tempering either). */
  personal(state: PatientState, v: CleanVitals, at: number, opts: ResolvedOptions, symptomatic: boolean): PersonalResult | null;
  /** Heart-failure weight factors, judged against the patient's usual weight. */
  confirmWeight(factors: RiskFactor[], weightKg: number, state: PatientState, at: number, opts: ResolvedOptions): RiskFactor[];
  /** Codes of questionnaire totals that repeat the patient's usual (may rewrite their messages in `factors`); null: none held. */
  repeats(factors: RiskFactor[], q: QuestionnaireHistory | undefined, at: number): ReadonlySet<string> | null;
  confirmGlucose(f: RiskFactor, mgDl: number, state: PatientState, at: number, opts: ResolvedOptions): RiskFactor;
  supporting(f: RiskFactor, state: PatientState, at: number, opts: ResolvedOptions): RiskFactor;
}

/** static-v0: population rules only. */
export const NO_PERSONALISATION: Personalisation = {
  personal: () => null,
  confirmWeight: (factors) => factors,
  repeats: () => null,
  confirmGlucose: (f) => f,
  supporting: (f) => f,
};

/** Marked breathlessness or swelling (3 or 4 of 4), or chest pain: a second sign for v1's confirmations. */
export function symptomaticOf(s: CleanSymptoms): boolean {
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

function scaleOf(profile: PatientProfile): Spo2Scale {
  // Anything but an explicit 2 is scale 1, the more cautious scale for low saturations.
  return profile.news2SpO2Scale === 2 ? 2 : 1;
}

/** One check-in assessed: the score and everything a model's alert policy needs. */
export interface Assessment {
  readonly score: RiskScore;
  /** In output order (= score.factors). */
  readonly factors: RiskFactor[];
  readonly level: Level;
  readonly points: number;
  /** Device time older than the newest seen minus `lateAfterHours`. */
  readonly late: boolean;
  readonly repeats: ReadonlySet<string> | null;
  /** The history with this check-in folded in. */
  readonly history: PatientState['history'];
  readonly clean: CleanCheckIn;
}

export function assess(
  model: ModelVersion,
  personalisation: Personalisation,
  profile: PatientProfile,
  state: PatientState,
  checkIn: EngineCheckIn,
  at: number,
  opts: ResolvedOptions,
): Assessment {
  const newestBefore = state.history.newestAt;
  const late = newestBefore !== null && at < newestBefore - opts.lateAfterMs;
  const clean = sanitize(checkIn);
  const v = clean.vitals;
  const scale = scaleOf(profile);
  const factors: RiskFactor[] = [];

  // 1. NEWS2, tempered by personal baselines where the model has them.
  const comp = computeNews2(v, scale);
  const symptomatic = symptomaticOf(clean.symptoms);
  const personalResult = personalisation.personal(state, v, at, opts, symptomatic);
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
  // 2. Personal baseline deviations.
  if (personalResult !== null) for (const f of personalResult.factors) factors.push(f);
  // 3. Condition rules.
  const conditions = Array.isArray(profile.conditions) ? profile.conditions : [];
  if (v.weightKg !== undefined && conditions.includes('heart-failure')) {
    const dry = typeof profile.dryWeightKg === 'number' && Number.isFinite(profile.dryWeightKg) && profile.dryWeightKg > 0 ? profile.dryWeightKg : undefined;
    const weight = heartFailureWeightFactors(state.history.series.weightKg, at, v.weightKg, dry, opts);
    for (const f of personalisation.confirmWeight(weight, v.weightKg, state, at, opts)) factors.push(f);
  }
  const qStart = factors.length;
  for (const f of questionnaireFactors(clean.questionnaires)) factors.push(f);
  const qFactors = factors.slice(qStart);
  const repeats = qFactors.length > 0 ? personalisation.repeats(factors, state.history.questionnaires, at) : null;
  if (v.glucoseMgDl !== undefined) {
    for (const f of glucoseFactors(v.glucoseMgDl)) factors.push(personalisation.confirmGlucose(f, v.glucoseMgDl, state, at, opts));
  }
  if (clean.symptoms.chestPain === true) factors.push(chestPainFactor(clean, comp));
  for (const f of supportingFactors(clean)) factors.push(personalisation.supporting(f, state, at, opts));

  const { score, level } = combine(factors);
  const sorted = sortFactors(factors);
  const riskScore: RiskScore = {
    modelVersion: model,
    patientId: profile.patientId,
    tenantId: profile.tenantId,
    checkInId: checkIn.checkInId,
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
  return { score: riskScore, factors: sorted, level, points: score, late, repeats, history, clean };
}
