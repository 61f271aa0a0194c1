/**
 * @vigil/worklist: the care team's worklist ranking, one pure function. See README.md.
 */
export type {
  AlertSeverity,
  RiskLevel,
  ContactOutcome,
  PriorityLevel,
  WorklistFactorInput,
  WorklistAlertInput,
  WorklistScoreInput,
  WorklistTrendPoint,
  WorklistContactInput,
  WorklistSnoozeInput,
  WorklistPatientInput,
  ReasonKind,
  WorklistReason,
  PriorityComponents,
  WorklistRanking,
  WorklistEntry,
  WorklistOptions,
} from './lib/types';
export { WorklistInputError } from './lib/types';
export { rankWorklist, prioritise, compareRankings, priorityLevelFor, severityRank, levelRank } from './lib/rank';
export { DEFAULT_WORKLIST_OPTIONS, WEIGHTS as WORKLIST_WEIGHTS, PRIORITY_LEVEL_FLOORS } from './lib/options';
