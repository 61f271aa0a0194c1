/**
 * @vigil/risk-engine: the pure, deterministic risk model. See README.md.
 */
export { RiskEngineInputError } from './lib/types';
export { MODEL_VERSIONS, DEFAULT_MODEL_VERSION, isModelVersion, describeModels } from './lib/models/registry';
export type {
  ModelVersion,
  Level,
  Severity,
  AlertSeverity,
  Consciousness,
  Condition,
  Instrument,
  Adherence,
  Spo2Scale,
  News2Level,
  News2Parameter,
  EngineVitals,
  EngineSymptoms,
  EngineQuestionnaire,
  EngineCheckIn,
  PatientProfile,
  FactorDomain,
  RiskFactor,
  News2Summary,
  RiskScore,
  RaisedAlert,
  AlertUpdate,
  ClinicalProblem,
  ProblemMemo,
  ProblemCandidate,
  EngineOptions,
  ScoreResult,
  EngagementResult,
  EngineReminder,
  Series,
  SeriesKey,
  AlertMemo,
  LevelMark,
  ModelBook,
  PatientHistory,
  QuestionnaireHistory,
  PatientState,
} from './lib/types';
export { initialState, scoreCheckIn, checkEngagement, nextEngagementDueAt, STATE_SCHEMA_VERSION } from './lib/engine';
export { TEAM_AFTER_INTERVALS } from './lib/engagement';
export { DEFAULT_OPTIONS } from './lib/options';
export { FACTOR_CODES, ALERT_RULE_CODES, CRITICAL_FACTOR_CODES, LEVEL_RULE_CODE, ENGAGEMENT_RULE_CODE } from './lib/catalogue';
export type { FactorCodeInfo } from './lib/catalogue';
export { LEVELS, LEVEL_FLOORS, levelForScore, levelRank } from './lib/score';
export {
  NEWS2_PARAMETERS,
  computeNews2,
  news2Level,
  respiratoryRatePoints,
  spo2Points,
  supplementalOxygenPoints,
  systolicBpPoints,
  heartRatePoints,
  consciousnessPoints,
  temperaturePoints,
} from './lib/news2';
export type { News2Points, BandResult, News2Input, News2Computation } from './lib/news2';
export { parseInstant } from './lib/time';
/** The engine's defensive reading of a check-in; exported so libs/scoring can prove its ranges equal the catalogue's. */
export { sanitize } from './lib/sanitize';
