/**
 * The engine's entry points: (profile, state, check-in) -> (state, score, alerts), and the
 * time-driven engagement check (engagement.ts). Pure and deterministic: no clock, no randomness,
 * no I/O; inputs are never mutated (outputs may share unchanged parts of the input state: treat
 * both as immutable). The inputs are validated here, once; the model of the given name
 * (models/registry.ts) does the rest.
 */
import { modelNamed } from './models/registry';
import { resolveOptions } from './options';
import { assertState } from './state';
import { parseInstant } from './time';
import { EngineCheckIn, EngineOptions, ModelVersion, PatientProfile, PatientState, RiskEngineInputError, ScoreResult } from './types';

export { STATE_SCHEMA_VERSION, initialState } from './state';
export { checkEngagement, nextEngagementDueAt } from './engagement';

export function scoreCheckIn(model: ModelVersion, profile: PatientProfile, state: PatientState, checkIn: EngineCheckIn, options?: EngineOptions): ScoreResult {
  const strategy = modelNamed(model);
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
  return strategy.score({ profile, state, checkIn, at, opts });
}
