/**
 * The model versions by name. Adding a version: a file or folder under models/ implementing
 * RiskModel, its name in `ModelVersion` (types.ts) and one line here.
 */
import { ModelVersion, RiskEngineInputError } from '../types';
import { RiskModel } from './model';
import { STATIC_V0 } from './static-v0';
import { V1 } from './v1';
import { V2 } from './v2';

const REGISTRY: Readonly<Record<ModelVersion, RiskModel>> = Object.freeze({ 'static-v0': STATIC_V0, v1: V1, v2: V2 });

/** Every registered version, in registration order. */
export const MODEL_VERSIONS: readonly ModelVersion[] = Object.freeze(Object.keys(REGISTRY) as ModelVersion[]);

/** The version the live scorer runs when configured with none. */
export const DEFAULT_MODEL_VERSION: ModelVersion = 'v1';

export function isModelVersion(name: unknown): name is ModelVersion {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(REGISTRY, name);
}

/** The model of that name; `RiskEngineInputError` (field `modelVersion`) for an unknown one. */
export function modelNamed(name: ModelVersion): RiskModel {
  if (!isModelVersion(name)) throw new RiskEngineInputError(`unknown model version ${String(name)}`, 'modelVersion');
  return REGISTRY[name];
}

/** What a tool shows about each version. */
export function describeModels(): { version: ModelVersion; description: string }[] {
  return MODEL_VERSIONS.map((version) => ({ version, description: REGISTRY[version].description }));
}
