/**
 * The patient state's envelope: creation, validation, and reading or replacing one model's book.
 */
import { emptySeries } from './history';
import { emptyQuestionnaireHistory } from './questionnaire-history';
import { ModelBook, ModelVersion, PatientProfile, PatientState, RiskEngineInputError } from './types';

export const STATE_SCHEMA_VERSION = 1;

export function emptyBook(): ModelBook {
  return { lastLevel: 'none', lastScore: 0, lastLevelAt: null, alerts: [], engagementNotifiedFor: null };
}

export function initialState(profile: PatientProfile): PatientState {
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    patientId: profile.patientId,
    tenantId: profile.tenantId,
    history: { newestAt: null, series: emptySeries(), questionnaires: emptyQuestionnaireHistory() },
    models: { 'static-v0': emptyBook(), v1: emptyBook() },
  };
}

export function assertState(profile: PatientProfile, state: PatientState): void {
  if (state === null || typeof state !== 'object' || state.schemaVersion !== STATE_SCHEMA_VERSION) {
    throw new RiskEngineInputError(`unsupported state schemaVersion ${String(state?.schemaVersion)}`, 'state.schemaVersion');
  }
  if (state.patientId !== profile.patientId || state.tenantId !== profile.tenantId) {
    throw new RiskEngineInputError('state belongs to another patient', 'state.patientId');
  }
}

/** The model's book; an absent one (the model never ran on this state) reads as empty. */
export function bookOf(state: PatientState, model: ModelVersion): ModelBook {
  return state.models[model] ?? emptyBook();
}

/** A new state with `history` and the model's book replaced; the other books are shared. */
export function withBook(state: PatientState, history: PatientState['history'], model: ModelVersion, book: ModelBook): PatientState {
  return {
    schemaVersion: STATE_SCHEMA_VERSION,
    patientId: state.patientId,
    tenantId: state.tenantId,
    history,
    models: { ...state.models, [model]: book },
  };
}
