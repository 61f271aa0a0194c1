/**
 * Helpers for the engine's own specs (not exported from the library).
 */
import { initialState, scoreCheckIn } from './engine';
import { AlertUpdate, EngineCheckIn, EngineOptions, ModelVersion, PatientProfile, PatientState, RaisedAlert, RiskFactor, RiskScore } from './types';

export const T0 = Date.UTC(2025, 2, 1, 8, 0, 0);
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

/** ISO text of T0 + hours. */
export function iso(hours: number): string {
  return new Date(T0 + hours * HOUR).toISOString();
}

export function profile(over: Partial<PatientProfile> = {}): PatientProfile {
  return {
    patientId: 'patient-1',
    tenantId: 'tenant-1',
    careTeamId: 'team-1',
    conditions: [],
    news2SpO2Scale: 1,
    ...over,
  };
}

let seq = 0;
export function checkIn(hours: number, fields: Partial<EngineCheckIn> = {}, p: PatientProfile = profile()): EngineCheckIn {
  seq++;
  return {
    checkInId: `ci-${String(hours).replace('.', '_')}-${seq}`,
    patientId: p.patientId,
    tenantId: p.tenantId,
    recordedAt: iso(hours),
    ...fields,
  };
}

export interface Step {
  checkIn: EngineCheckIn;
  score: RiskScore;
  alerts: RaisedAlert[];
  updates: AlertUpdate[];
  state: PatientState;
}

/** Scores check-ins in the given (arrival) order, threading state. */
export function run(
  model: ModelVersion,
  p: PatientProfile,
  checkIns: readonly EngineCheckIn[],
  options?: EngineOptions,
  from: PatientState = initialState(p),
): { steps: Step[]; state: PatientState } {
  let state = from;
  const steps: Step[] = [];
  for (const c of checkIns) {
    const r = scoreCheckIn(model, p, state, c, options);
    state = r.state;
    steps.push({ checkIn: c, score: r.score, alerts: r.alerts, updates: r.updates, state });
  }
  return { steps, state };
}

export function factor(score: RiskScore, code: string): RiskFactor | undefined {
  return score.factors.find((f) => f.code === code);
}

export function codes(score: RiskScore): string[] {
  return score.factors.map((f) => f.code);
}

/** One check-in scored on a fresh state. */
export function scoreOne(
  fields: Partial<EngineCheckIn>,
  p: PatientProfile = profile(),
  model: ModelVersion = 'v1',
): { score: RiskScore; alerts: RaisedAlert[] } {
  const r = scoreCheckIn(model, p, initialState(p), checkIn(0, fields, p));
  return { score: r.score, alerts: r.alerts };
}

/** Daily check-ins (hour offsets 0, 24, 48, ...) with vitals from a list. */
export function daily(p: PatientProfile, vitals: readonly EngineCheckIn['vitals'][], startDay = 0): EngineCheckIn[] {
  return vitals.map((v, i) => checkIn((startDay + i) * 24, { vitals: v }, p));
}

export function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x as Record<string, unknown>)) deepFreeze(v);
  }
  return x;
}
