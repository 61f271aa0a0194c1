import { HOUR_MS } from './time';
import { EngineOptions, RiskEngineInputError } from './types';

export const DEFAULT_OPTIONS: Readonly<Required<EngineOptions>> = Object.freeze({
  coolDownHours: 12,
  lateAfterHours: 24,
  dryWeightMarginKg: 2,
  weightGain24hKg: 0.9,
  weightGain7dKg: 2.3,
  levelMemoryHours: 72,
  baselineMinReadings: 7,
  baselineK: 3,
  defaultCheckInIntervalHours: 48,
  teamAtOnceFromLevel: 'medium',
});

/** Options in the units the engine computes with. */
export interface ResolvedOptions {
  readonly coolDownMs: number;
  readonly lateAfterMs: number;
  readonly dryWeightMarginG: number;
  readonly weightGain24hG: number;
  readonly weightGain7dG: number;
  readonly levelMemoryMs: number;
  readonly baselineMinReadings: number;
  readonly baselineK: number;
  readonly defaultIntervalMs: number;
  readonly teamAtOnceFromLevel: 'medium' | 'high';
  /** The values as given (defaults filled in), for messages. */
  readonly raw: Readonly<Required<EngineOptions>>;
}

function positive(name: keyof EngineOptions, v: number, allowZero = false): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (!allowZero && v === 0)) {
    throw new RiskEngineInputError(`option ${name} must be a ${allowZero ? 'non-negative' : 'positive'} finite number`, name);
  }
  return v;
}

function build(o: Required<EngineOptions>): ResolvedOptions {
  const minReadings = o.baselineMinReadings;
  if (!Number.isInteger(minReadings) || minReadings < 3 || minReadings > 28) {
    throw new RiskEngineInputError('option baselineMinReadings must be an integer from 3 to 28', 'baselineMinReadings');
  }
  if (o.teamAtOnceFromLevel !== 'medium' && o.teamAtOnceFromLevel !== 'high') {
    throw new RiskEngineInputError("option teamAtOnceFromLevel must be 'medium' or 'high'", 'teamAtOnceFromLevel');
  }
  return Object.freeze({
    coolDownMs: positive('coolDownHours', o.coolDownHours, true) * HOUR_MS,
    lateAfterMs: positive('lateAfterHours', o.lateAfterHours, true) * HOUR_MS,
    dryWeightMarginG: Math.round(positive('dryWeightMarginKg', o.dryWeightMarginKg, true) * 1000),
    weightGain24hG: Math.round(positive('weightGain24hKg', o.weightGain24hKg) * 1000),
    weightGain7dG: Math.round(positive('weightGain7dKg', o.weightGain7dKg) * 1000),
    levelMemoryMs: positive('levelMemoryHours', o.levelMemoryHours) * HOUR_MS,
    baselineMinReadings: minReadings,
    baselineK: positive('baselineK', o.baselineK),
    defaultIntervalMs: positive('defaultCheckInIntervalHours', o.defaultCheckInIntervalHours) * HOUR_MS,
    teamAtOnceFromLevel: o.teamAtOnceFromLevel,
    raw: Object.freeze({ ...o }),
  });
}

const RESOLVED_DEFAULTS = build(DEFAULT_OPTIONS);

export function resolveOptions(options?: EngineOptions): ResolvedOptions {
  if (options === undefined) return RESOLVED_DEFAULTS;
  const merged: Record<string, unknown> = { ...DEFAULT_OPTIONS };
  for (const key of Object.keys(DEFAULT_OPTIONS) as (keyof EngineOptions)[]) {
    const v = options[key];
    if (v !== undefined) merged[key] = v;
  }
  return build(merged as Required<EngineOptions>);
}
