/**
 * A model version is a strategy behind this one interface, chosen by name from the registry
 * (registry.ts). The engine validates the inputs once (engine.ts) and hands them to the model.
 */
import { EngagementPolicy } from '../engagement';
import { ResolvedOptions } from '../options';
import { EngineCheckIn, ModelVersion, PatientProfile, PatientState, ScoreResult } from '../types';

/** A check-in the engine has validated: it belongs to the profile and state, and `at` is its device time. */
export interface ScoringInput {
  readonly profile: PatientProfile;
  readonly state: PatientState;
  readonly checkIn: EngineCheckIn;
  /** Device time of the check-in, epoch ms. */
  readonly at: number;
  readonly opts: ResolvedOptions;
}

export interface RiskModel {
  readonly version: ModelVersion;
  /** One line for tools (`replay compare --help`, `evaluate`). */
  readonly description: string;
  readonly engagement: EngagementPolicy;
  /** Pure: the new state, the score and the alerts of one validated check-in. */
  score(input: ScoringInput): ScoreResult;
}
