/**
 * Every factor code and alert rule code the engine can emit. Codes are stable: a dashboard or an
 * analysis may key on them. A new rule adds a code; an existing code never changes meaning.
 */
import { FactorDomain, ModelVersion } from './types';

export interface FactorCodeInfo {
  readonly code: string;
  readonly domain: FactorDomain;
  /** Models that can emit it. */
  readonly models: readonly ModelVersion[];
  readonly description: string;
}

const BOTH: readonly ModelVersion[] = Object.freeze<ModelVersion[]>(['static-v0', 'v1', 'v2']);
/** The personalised models (v1's rules; v2 keeps them). */
const V1: readonly ModelVersion[] = Object.freeze<ModelVersion[]>(['v1', 'v2']);
const V2: readonly ModelVersion[] = Object.freeze<ModelVersion[]>(['v2']);

const f = (code: string, domain: FactorDomain, models: readonly ModelVersion[], description: string): FactorCodeInfo =>
  Object.freeze({ code, domain, models, description });

export const FACTOR_CODES: readonly FactorCodeInfo[] = Object.freeze([
  f('news2.total', 'news2', BOTH, 'NEWS2 aggregate and its RCP clinical-risk band; carries the NEWS2 score points'),
  f('news2.respiratoryRate', 'news2', BOTH, 'NEWS2 respiration rate points'),
  f('news2.spo2', 'news2', BOTH, 'NEWS2 SpO2 points (scale 1 or 2)'),
  f('news2.supplementalOxygen', 'news2', BOTH, 'NEWS2 air or oxygen points'),
  f('news2.systolicBp', 'news2', BOTH, 'NEWS2 systolic blood pressure points'),
  f('news2.heartRate', 'news2', BOTH, 'NEWS2 pulse points'),
  f('news2.consciousness', 'news2', BOTH, 'NEWS2 consciousness (ACVPU) points'),
  f('news2.temperature', 'news2', BOTH, 'NEWS2 temperature points'),
  f('baseline.spo2', 'baseline', V1, 'SpO2 below the personal baseline'),
  f('baseline.heartRate', 'baseline', V1, 'Pulse away from the personal baseline'),
  f('baseline.respiratoryRate', 'baseline', V1, 'Respiratory rate away from the personal baseline'),
  f('baseline.systolicBp', 'baseline', V1, 'Systolic blood pressure away from the personal baseline'),
  f('baseline.temperatureC', 'baseline', V1, 'Temperature above the personal baseline'),
  f('baseline.weightKg', 'weight', V1, 'Weight above the personal baseline'),
  f('chart.spo2', 'baseline', V2, 'Information: SpO2 drifting below the personal control limit (EWMA chart)'),
  f('chart.heartRate', 'baseline', V2, 'Information: pulse drifting above the personal control limit (EWMA chart)'),
  f('chart.respiratoryRate', 'baseline', V2, 'Information: respiratory rate drifting above the personal control limit (EWMA chart)'),
  f('chart.systolicBp', 'baseline', V2, 'Information: systolic blood pressure drifting beyond the personal control limits (EWMA chart)'),
  f('chart.temperatureC', 'baseline', V2, 'Information: temperature drifting above the personal control limit (EWMA chart)'),
  f('chart.weightKg', 'weight', V2, 'Information, heart failure: weight drifting above the personal control limit (EWMA chart)'),
  f('hf.weightGain24h', 'weight', BOTH, 'Heart failure: weight gain against the reading about 24 h earlier'),
  f('hf.weightGain7d', 'weight', BOTH, 'Heart failure: weight gain against the lowest reading of the past 7 days'),
  f('hf.aboveDryWeight', 'weight', BOTH, 'Heart failure: weight above the target dry weight by the margin'),
  f('phq9.total', 'mood', BOTH, 'PHQ-9 depression severity band'),
  f('phq9.item9', 'mood', BOTH, 'PHQ-9 item 9 (thoughts of death or self-harm) answered above 0'),
  f('gad7.total', 'mood', BOTH, 'GAD-7 anxiety severity band'),
  f('cat.total', 'copd', BOTH, 'COPD Assessment Test impact band'),
  f('questionnaire.invalid', 'input', BOTH, 'A questionnaire was received but could not be scored'),
  f('glucose.low2', 'glucose', BOTH, 'Level 2 hypoglycaemia, below 54 mg/dL'),
  f('glucose.low1', 'glucose', BOTH, 'Level 1 hypoglycaemia, 54 to 69 mg/dL'),
  f('glucose.high', 'glucose', BOTH, 'Hyperglycaemia above 250 mg/dL'),
  f('symptom.chestPain', 'symptoms', BOTH, 'Chest pain reported (critical with red flags)'),
  f('symptom.breathlessness', 'symptoms', BOTH, 'Breathlessness rated 3 or 4 of 4'),
  f('symptom.swelling', 'symptoms', BOTH, 'Swelling rated 3 or 4 of 4'),
  f('symptom.dizziness', 'symptoms', BOTH, 'Dizziness rated 3 or 4 of 4'),
  f('symptom.fatigue', 'symptoms', BOTH, 'Fatigue rated 3 or 4 of 4'),
  f('symptom.pain', 'symptoms', BOTH, 'Pain rated 7 or more of 10'),
  f('medication.adherence', 'medication', BOTH, 'Some or all medication not taken'),
  f('mood.low', 'mood', BOTH, 'Mood rated 1 of 5'),
  f('mood.lowSustained', 'mood', V1, "Mood rated 1 of 5 at 3 of the last 4 check-ins within 7 days, when that is not the patient's usual"),
  f('input.ignored', 'input', BOTH, 'Values outside plausible device ranges were left out'),
  f('engagement.missedCheckIn', 'engagement', BOTH, 'No check-in for longer than the expected interval (engagement alerts only, never in a score)'),
]);

/** Alert rule codes: these two, plus the code of any factor that can be critical. */
export const LEVEL_RULE_CODE = 'risk.level';
export const ENGAGEMENT_RULE_CODE = 'engagement.missedCheckIn';
export const CRITICAL_FACTOR_CODES: readonly string[] = Object.freeze(['news2.total', 'phq9.item9', 'glucose.low2', 'symptom.chestPain']);
export const ALERT_RULE_CODES: readonly string[] = Object.freeze([LEVEL_RULE_CODE, ENGAGEMENT_RULE_CODE, ...CRITICAL_FACTOR_CODES]);
