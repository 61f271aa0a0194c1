/**
 * Validators built from the schemas vendored in deploy/tests/schemas (see the README there for
 * their sources). No network: every schema is a file in this repository.
 *
 * Strict, like `kubeconform -strict` or `kubectl apply --validate=strict`: an object schema that
 * lists its properties rejects any other property (a misspelt field fails instead of being
 * silently dropped by the API server), except where the schema says unknown fields are preserved
 * (x-kubernetes-preserve-unknown-fields) or gives additionalProperties itself.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readdirSync, readFileSync } from 'fs';
import { join } from 'path';
import type { K8sObject } from './kustomize';
import { groupOf, versionOf } from './kustomize';

export const SCHEMA_DIR = join(__dirname, '..', 'schemas');

type Schema = Record<string, unknown>;
const KNOWN_FORMATS = new Set(['int32', 'int64', 'double', 'float', 'byte', 'date-time']);

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(join(SCHEMA_DIR, file), 'utf8')) as T;
}

function newAjv(): Ajv {
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true });
  addFormats(ajv);
  return ajv;
}

/** Kubernetes OpenAPI (swagger 2) definitions -> JSON Schema, strict. */
function fromKubernetesOpenApi(node: unknown, defName = ''): unknown {
  if (Array.isArray(node)) return node.map((n) => fromKubernetesOpenApi(n));
  if (!node || typeof node !== 'object') return node;
  const src = node as Schema;
  if (src['format'] === 'int-or-string') return { anyOf: [{ type: 'integer' }, { type: 'string' }] };
  // resource.Quantity is a string in the API, but YAML authors may write a plain number.
  if (defName === 'io.k8s.apimachinery.pkg.api.resource.Quantity') return { anyOf: [{ type: 'string' }, { type: 'number' }] };
  const out: Schema = {};
  for (const [k, v] of Object.entries(src)) {
    if (k.startsWith('x-kubernetes-')) continue;
    if (k === 'format' && !KNOWN_FORMATS.has(String(v))) continue;
    if (k === '$ref') {
      out[k] = `k8s.json${String(v)}`;
      continue;
    }
    if (k === 'properties' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, fromKubernetesOpenApi(s)]));
      continue;
    }
    out[k] = fromKubernetesOpenApi(v);
  }
  if (out['properties'] && out['additionalProperties'] === undefined && (out['type'] === 'object' || out['type'] === undefined)) {
    out['additionalProperties'] = false;
  }
  return out;
}

/** A CRD's structural openAPIV3Schema -> JSON Schema, strict where the CRD does not preserve unknown fields. */
function fromCrdSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(fromCrdSchema);
  if (!node || typeof node !== 'object') return node;
  const src = node as Schema;
  const out: Schema = {};
  for (const [k, v] of Object.entries(src)) {
    if (k.startsWith('x-kubernetes-') || k === 'nullable') continue;
    if (k === 'format' && !KNOWN_FORMATS.has(String(v))) continue;
    if (k === 'properties' && v && typeof v === 'object') {
      out[k] = Object.fromEntries(Object.entries(v as Schema).map(([p, s]) => [p, fromCrdSchema(s)]));
      continue;
    }
    out[k] = fromCrdSchema(v);
  }
  if (src['x-kubernetes-int-or-string'] === true) {
    delete out['type'];
    out['anyOf'] = [{ type: 'integer' }, { type: 'string' }];
  }
  if (src['nullable'] === true && typeof out['type'] === 'string') out['type'] = [out['type'], 'null'];
  if (out['type'] === 'object' && out['properties'] && out['additionalProperties'] === undefined && src['x-kubernetes-preserve-unknown-fields'] !== true) {
    out['additionalProperties'] = false;
  }
  return out;
}

interface VendoredCrd {
  source: string;
  group: string;
  kind: string;
  scope: string;
  versions: { name: string; storage: boolean; schema: Schema }[];
}

export interface ValidationProblem {
  object: string;
  message: string;
}

function describe(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const extra =
      e.keyword === 'additionalProperties'
        ? ` (unknown field "${String((e.params as { additionalProperty: string }).additionalProperty)}")`
        : e.keyword === 'enum'
          ? ` (${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)})`
          : '';
    return `${e.instancePath || '/'} ${e.message ?? e.keyword}${extra}`;
  });
}

export class ManifestValidator {
  private readonly ajv = newAjv();
  private readonly builtins = new Map<string, ValidateFunction>();
  private readonly crds = new Map<string, { validate: ValidateFunction; scope: string }>();
  private readonly objectMeta: ValidateFunction;
  readonly kubernetesVersion: string;
  readonly sources: string[] = [];

  constructor() {
    const k8sFile = readdirSync(SCHEMA_DIR).find((f) => /^kubernetes-[\d.]+\.json$/.test(f));
    if (!k8sFile) throw new Error(`no kubernetes-<version>.json in ${SCHEMA_DIR}`);
    const k8s = readJson<{ source: string; kubernetesVersion: string; kinds: Record<string, string>; definitions: Record<string, Schema> }>(k8sFile);
    this.kubernetesVersion = k8s.kubernetesVersion;
    this.sources.push(`Kubernetes ${k8s.kubernetesVersion}: ${k8s.source}`);
    const definitions = Object.fromEntries(Object.entries(k8s.definitions).map(([name, def]) => [name, fromKubernetesOpenApi(def, name)]));
    this.ajv.addSchema({ $id: 'k8s.json', definitions });
    for (const [gvk, def] of Object.entries(k8s.kinds)) {
      this.builtins.set(gvk, this.ajv.compile({ $ref: `k8s.json#/definitions/${def}` }));
    }
    this.objectMeta = this.ajv.compile({ $ref: 'k8s.json#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta' });

    for (const file of readdirSync(SCHEMA_DIR).filter((f) => f.startsWith('crd-') && f.endsWith('.json'))) {
      const crd = readJson<VendoredCrd>(file);
      this.sources.push(`${crd.kind}.${crd.group}: ${crd.source}`);
      for (const version of crd.versions) {
        const schema = fromCrdSchema(version.schema) as Schema;
        // metadata is `type: object` in a CRD; the API server validates it as ObjectMeta, so do we.
        const props = { ...(schema['properties'] as Schema), metadata: {} };
        const validate = this.ajv.compile({ ...schema, properties: props });
        this.crds.set(`${crd.group}/${version.name}/${crd.kind}`, { validate, scope: crd.scope });
      }
    }
  }

  /** Which kinds have a schema here (apiVersion/kind). */
  knownKinds(): string[] {
    return [...this.builtins.keys(), ...this.crds.keys()].sort();
  }

  hasSchema(o: Pick<K8sObject, 'apiVersion' | 'kind'>): boolean {
    return this.builtins.has(`${o.apiVersion}/${o.kind}`) || this.crds.has(`${groupOf(o.apiVersion)}/${versionOf(o.apiVersion)}/${o.kind}`);
  }

  /** Problems of one object against its schema (empty when valid). */
  validate(o: K8sObject): string[] {
    const builtin = this.builtins.get(`${o.apiVersion}/${o.kind}`);
    if (builtin) {
      return builtin(o) ? [] : describe(builtin.errors);
    }
    const crd = this.crds.get(`${groupOf(o.apiVersion)}/${versionOf(o.apiVersion)}/${o.kind}`);
    if (!crd) return [`no schema for ${o.apiVersion} ${o.kind} (vendor its CRD into deploy/tests/schemas)`];
    const problems = crd.validate(o) ? [] : describe(crd.validate.errors);
    if (!this.objectMeta(o.metadata)) problems.push(...describe(this.objectMeta.errors).map((p) => `/metadata${p}`));
    if (crd.scope === 'Cluster' && o.metadata.namespace) problems.push('/metadata/namespace set on a cluster-scoped resource');
    return problems;
  }
}

/**
 * A plain JSON Schema from a vendored file ({ source, schema }), compiled. `extra` are schemas it
 * references by a relative URL (Marathon's Group.json refers to "./AppDefinition.json").
 */
export function compileVendored(file: string, extra: { file: string; ref: string }[] = []): { validate: ValidateFunction; source: string } {
  // Marathon's and Metronome's patterns escape characters that need no escape (\-), which the
  // unicode regular expressions ajv uses by default refuse.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: true, unicodeRegExp: false });
  addFormats(ajv);
  const adapt = (schema: Schema, id?: string): Schema => {
    // Marathon's schemas are draft-04 style: `id` at the root, a `$schema` ajv 8 does not know.
    const { $schema: _ignored, id: oldId, ...rest } = schema;
    const $id = (rest['$id'] as string | undefined) ?? (oldId as string | undefined) ?? id;
    return $id ? { ...rest, $id } : rest;
  };
  const main = readJson<{ source: string; schema: Schema }>(file);
  const mainSchema = adapt(main.schema);
  for (const e of extra) {
    const base = (mainSchema['$id'] as string | undefined) ?? 'https://vigil.invalid/schemas/';
    ajv.addSchema(adapt(readJson<{ schema: Schema }>(e.file).schema, new URL(e.ref, base).href));
  }
  return { validate: ajv.compile(mainSchema), source: main.source };
}

export function explain(validate: ValidateFunction): string[] {
  return describe(validate.errors);
}
