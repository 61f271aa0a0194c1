/**
 * A small Kustomize renderer for the tests: enough of `kustomize build` for the features
 * deploy/k8s uses, and an error for any field it does not implement (so a kustomization can't
 * silently use a feature the tests ignore). When `kubectl` is installed, kustomize.spec.ts checks
 * that this renderer and `kubectl kustomize` produce the same objects.
 *
 * Supported: resources (files and directories), namespace, labels (pairs, includeTemplates;
 * includeSelectors false), images (name, newName, newTag, digest), configMapGenerator (literals,
 * envs; behavior create, merge, replace) with kustomize's content-hash name suffix and the
 * references to it in pod specs, generatorOptions.disableNameSuffixHash, patches (path or inline;
 * strategic merge or JSON 6902; with or without a target selector).
 */
import { createHash } from 'crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join, resolve } from 'path';
import { parseAllDocuments } from 'yaml';

export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; [k: string]: unknown };
  [key: string]: unknown;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];
const SUPPORTED_FIELDS = new Set(['apiVersion', 'kind', 'resources', 'namespace', 'labels', 'images', 'configMapGenerator', 'generatorOptions', 'patches']);

/** Kinds that are not namespaced (the namespace transformer leaves them alone). */
const CLUSTER_SCOPED = new Set([
  'Namespace',
  'ClusterRole',
  'ClusterRoleBinding',
  'CustomResourceDefinition',
  'PersistentVolume',
  'StorageClass',
  'PriorityClass',
  'ValidatingWebhookConfiguration',
  'MutatingWebhookConfiguration',
  'ClusterTriggerAuthentication',
]);

/** Kinds whose pod template gets `labels` with includeTemplates, and where its pod spec lives. */
const POD_TEMPLATE_PATHS: Record<string, string[][]> = {
  Deployment: [['spec', 'template']],
  StatefulSet: [['spec', 'template']],
  DaemonSet: [['spec', 'template']],
  ReplicaSet: [['spec', 'template']],
  ReplicationController: [['spec', 'template']],
  Job: [['spec', 'template']],
  CronJob: [
    ['spec', 'jobTemplate'],
    ['spec', 'jobTemplate', 'spec', 'template'],
  ],
};

/**
 * Strategic-merge keys of the built-in list fields a patch may touch (from the Kubernetes API's
 * patchMergeKey tags). Lists of other fields, and every list of a custom resource, are replaced.
 */
const MERGE_KEYS: Record<string, string> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  volumes: 'name',
  volumeMounts: 'mountPath',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
};
const BUILTIN_GROUPS = new Set(['', 'apps', 'batch', 'policy', 'networking.k8s.io', 'autoscaling', 'rbac.authorization.k8s.io']);

export class KustomizeError extends Error {}

interface Generated {
  /** Name before the hash suffix. */
  baseName: string;
  hash: boolean;
}

interface Accumulated {
  objects: K8sObject[];
  /** Generated ConfigMaps, by object identity. */
  generated: Map<K8sObject, Generated>;
}

export function groupOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[0] : '';
}

export function versionOf(apiVersion: string): string {
  return apiVersion.includes('/') ? apiVersion.split('/')[1] : apiVersion;
}

/** Every YAML document of a file (empty documents skipped); throws on a YAML error. */
export function loadYamlDocuments(file: string): unknown[] {
  const docs = parseAllDocuments(readFileSync(file, 'utf8'), { prettyErrors: true });
  const out: unknown[] = [];
  for (const doc of docs) {
    if (doc.errors.length) throw new KustomizeError(`${file}: ${doc.errors.map((e) => e.message).join('; ')}`);
    const value = doc.toJS({ maxAliasCount: 0 });
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function loadObjects(file: string): K8sObject[] {
  return loadYamlDocuments(file).map((doc, i) => {
    const o = doc as K8sObject;
    if (!o || typeof o !== 'object' || typeof o.apiVersion !== 'string' || typeof o.kind !== 'string' || typeof o.metadata?.name !== 'string') {
      throw new KustomizeError(`${file}: document ${i + 1} is not a Kubernetes object (apiVersion, kind, metadata.name)`);
    }
    return o;
  });
}

function readKustomization(dir: string): { file: string; k: Record<string, unknown> } {
  const name = KUSTOMIZATION_FILES.find((f) => existsSync(join(dir, f)));
  if (!name) throw new KustomizeError(`${dir}: no kustomization.yaml`);
  const file = join(dir, name);
  const [k] = loadYamlDocuments(file) as Record<string, unknown>[];
  if (!k || typeof k !== 'object') throw new KustomizeError(`${file}: empty`);
  const unsupported = Object.keys(k).filter((f) => !SUPPORTED_FIELDS.has(f));
  if (unsupported.length) throw new KustomizeError(`${file}: fields not supported by the test renderer: ${unsupported.join(', ')}`);
  return { file, k };
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const isObject = (v: unknown): v is JsonObject => !!v && typeof v === 'object' && !Array.isArray(v);

function idOf(o: K8sObject): string {
  return `${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

/** Renders a kustomization directory, like `kustomize build DIR`. */
export function build(dir: string): K8sObject[] {
  const acc = buildLevel(resolve(dir));
  finishGenerated(acc);
  const seen = new Set<string>();
  for (const o of acc.objects) {
    const id = idOf(o);
    if (seen.has(id)) throw new KustomizeError(`${dir}: two objects with the id ${id}`);
    seen.add(id);
  }
  return acc.objects;
}

function buildLevel(dir: string): Accumulated {
  const { file, k } = readKustomization(dir);
  const acc: Accumulated = { objects: [], generated: new Map() };

  for (const r of (k['resources'] as string[] | undefined) ?? []) {
    const path = resolve(dir, r);
    if (!existsSync(path)) throw new KustomizeError(`${file}: resource ${r} does not exist`);
    if (statSync(path).isDirectory()) {
      const sub = buildLevel(path);
      acc.objects.push(...sub.objects);
      sub.generated.forEach((v, o) => acc.generated.set(o, v));
    } else {
      acc.objects.push(...loadObjects(path));
    }
  }

  const options = (k['generatorOptions'] as Record<string, unknown> | undefined) ?? {};
  const optionKeys = Object.keys(options).filter((o) => o !== 'disableNameSuffixHash');
  if (optionKeys.length) throw new KustomizeError(`${file}: generatorOptions ${optionKeys.join(', ')} not supported`);
  for (const gen of (k['configMapGenerator'] as Record<string, unknown>[] | undefined) ?? []) {
    generateConfigMap(acc, gen, dir, file, options['disableNameSuffixHash'] === true);
  }

  for (const p of (k['patches'] as Record<string, unknown>[] | undefined) ?? []) applyPatch(acc, p, dir, file);

  const namespace = k['namespace'] as string | undefined;
  if (namespace) {
    for (const o of acc.objects) if (!CLUSTER_SCOPED.has(o.kind)) o.metadata.namespace = namespace;
  }

  for (const l of (k['labels'] as Record<string, unknown>[] | undefined) ?? []) {
    const unknownKeys = Object.keys(l).filter((x) => !['pairs', 'includeSelectors', 'includeTemplates'].includes(x));
    if (unknownKeys.length) throw new KustomizeError(`${file}: labels.${unknownKeys.join(', ')} not supported`);
    if (l['includeSelectors'] === true) throw new KustomizeError(`${file}: labels.includeSelectors: true is not supported`);
    const pairs = (l['pairs'] as Record<string, string> | undefined) ?? {};
    for (const o of acc.objects) {
      o.metadata.labels = { ...(o.metadata.labels ?? {}), ...pairs };
      if (l['includeTemplates'] === true) {
        for (const path of POD_TEMPLATE_PATHS[o.kind] ?? []) {
          const template = getPath(o, path) as JsonObject | undefined;
          if (!template) continue;
          const meta = (template['metadata'] ??= {}) as JsonObject;
          meta['labels'] = { ...((meta['labels'] as JsonObject | undefined) ?? {}), ...pairs };
        }
      }
    }
  }

  for (const image of (k['images'] as Record<string, string>[] | undefined) ?? []) {
    for (const o of acc.objects) {
      for (const podSpec of podSpecs(o)) {
        for (const field of ['containers', 'initContainers']) {
          for (const c of (podSpec[field] as JsonObject[] | undefined) ?? []) {
            c['image'] = rewriteImage(c['image'] as string, image);
          }
        }
      }
    }
  }
  return acc;
}

function getPath(root: unknown, path: string[]): unknown {
  let cur: unknown = root;
  for (const p of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[p];
  }
  return cur;
}

/** The pod specs of a workload (where containers, volumes and config references live). */
export function podSpecs(o: K8sObject): JsonObject[] {
  const paths: string[][] =
    o.kind === 'Pod'
      ? [['spec']]
      : o.kind === 'CronJob'
        ? [['spec', 'jobTemplate', 'spec', 'template', 'spec']]
        : POD_TEMPLATE_PATHS[o.kind]
          ? [['spec', 'template', 'spec']]
          : [];
  return paths.map((p) => getPath(o, p)).filter(isObject);
}

/** Splits an image reference into name, tag and digest the way kustomize's image transformer does. */
export function parseImage(image: string): { name: string; tag?: string; digest?: string } {
  let rest = image;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
  }
  return { name: rest, tag, digest };
}

function rewriteImage(image: string, rule: Record<string, string>): string {
  const parsed = parseImage(image);
  if (parsed.name !== rule['name']) return image;
  const name = rule['newName'] ?? parsed.name;
  if (rule['digest']) return `${name}@${rule['digest']}`;
  const tag = rule['newTag'] ?? parsed.tag;
  const digest = rule['newTag'] ? undefined : parsed.digest;
  return `${name}${tag ? `:${tag}` : ''}${digest ? `@${digest}` : ''}`;
}

function parseEnvLine(line: string, where: string): [string, string] {
  const i = line.indexOf('=');
  if (i <= 0) throw new KustomizeError(`${where}: "${line}" is not KEY=VALUE`);
  let value = line.slice(i + 1);
  // kustomize strips one pair of matching quotes around a literal's value.
  if (value.length >= 2 && ((value.startsWith('"') && value.endsWith('"')) || (value.startsWith("'") && value.endsWith("'")))) {
    value = value.slice(1, -1);
  }
  return [line.slice(0, i), value];
}

function generateConfigMap(acc: Accumulated, gen: Record<string, unknown>, dir: string, file: string, noHash: boolean): void {
  const unknownKeys = Object.keys(gen).filter((x) => !['name', 'behavior', 'literals', 'envs', 'namespace'].includes(x));
  if (unknownKeys.length) throw new KustomizeError(`${file}: configMapGenerator.${unknownKeys.join(', ')} not supported`);
  const name = gen['name'] as string;
  const data: Record<string, string> = {};
  for (const lit of (gen['literals'] as string[] | undefined) ?? []) {
    const [key, value] = parseEnvLine(lit, file);
    data[key] = value;
  }
  for (const envFile of (gen['envs'] as string[] | undefined) ?? []) {
    for (const raw of readFileSync(resolve(dir, envFile), 'utf8').split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      const [key, value] = parseEnvLine(line, envFile);
      data[key] = value;
    }
  }
  const behavior = (gen['behavior'] as string | undefined) ?? 'create';
  const existing = acc.objects.find((o) => o.kind === 'ConfigMap' && acc.generated.get(o)?.baseName === name);
  if (behavior === 'create') {
    if (existing) throw new KustomizeError(`${file}: configMapGenerator ${name} already exists (use behavior: merge)`);
    const cm: K8sObject = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data };
    if (gen['namespace']) cm.metadata.namespace = gen['namespace'] as string;
    acc.objects.push(cm);
    acc.generated.set(cm, { baseName: name, hash: !noHash });
  } else if (behavior === 'merge' || behavior === 'replace') {
    if (!existing) throw new KustomizeError(`${file}: configMapGenerator ${name} (behavior ${behavior}) has nothing to ${behavior}`);
    existing['data'] = behavior === 'merge' ? { ...((existing['data'] as Record<string, string>) ?? {}), ...data } : data;
  } else {
    throw new KustomizeError(`${file}: configMapGenerator behavior ${behavior} not supported`);
  }
}

/** Go's encoding/json escapes these; kustomize hashes Go's encoding. */
function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sorted)
      : isObject(v)
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sorted(v[k])]),
          )
        : v;
  return JSON.stringify(sorted(value))
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * kustomize's ConfigMap name suffix (api/hasher encodeConfigMap): sha256 of the JSON of kind, name
 * and data, first 10 hex digits, some letters swapped. kustomize 5 looks the name up with
 * yaml.Lookup("metadata/name"), a single field of that literal name, which finds nothing: the name
 * it hashes is always "". We do the same, or our names would differ from kustomize's.
 */
export function configMapHash(data: Record<string, string>): string {
  const encoded = goJson({ kind: 'ConfigMap', name: '', data });
  const hex = createHash('sha256').update(encoded).digest('hex');
  const swap: Record<string, string> = { '0': 'g', '1': 'h', '3': 'k', a: 'm', e: 't' };
  return [...hex.slice(0, 10)].map((c) => swap[c] ?? c).join('');
}

function finishGenerated(acc: Accumulated): void {
  const renames = new Map<string, string>();
  acc.generated.forEach((gen, cm) => {
    if (!gen.hash) return;
    const newName = `${gen.baseName}-${configMapHash((cm['data'] as Record<string, string>) ?? {})}`;
    renames.set(`${cm.metadata.namespace ?? ''}/${gen.baseName}`, newName);
    cm.metadata.name = newName;
  });
  if (!renames.size) return;
  const rename = (o: K8sObject, name: unknown): unknown => renames.get(`${o.metadata.namespace ?? ''}/${String(name)}`) ?? name;
  for (const o of acc.objects) {
    for (const spec of podSpecs(o)) {
      for (const field of ['containers', 'initContainers']) {
        for (const c of (spec[field] as JsonObject[] | undefined) ?? []) {
          for (const ef of (c['envFrom'] as JsonObject[] | undefined) ?? []) {
            if (isObject(ef['configMapRef'])) ef['configMapRef']['name'] = rename(o, ef['configMapRef']['name']) as Json;
          }
          for (const e of (c['env'] as JsonObject[] | undefined) ?? []) {
            const ref = getPath(e, ['valueFrom', 'configMapKeyRef']);
            if (isObject(ref)) ref['name'] = rename(o, ref['name']) as Json;
          }
        }
      }
      for (const v of (spec['volumes'] as JsonObject[] | undefined) ?? []) {
        if (isObject(v['configMap'])) v['configMap']['name'] = rename(o, v['configMap']['name']) as Json;
        for (const s of (getPath(v, ['projected', 'sources']) as JsonObject[] | undefined) ?? []) {
          if (isObject(s['configMap'])) s['configMap']['name'] = rename(o, s['configMap']['name']) as Json;
        }
      }
    }
  }
}

// ---- patches ------------------------------------------------------------------------------------

interface Target {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
}

function matches(o: K8sObject, t: Target): boolean {
  const anchored = (pattern: string, value: string) => new RegExp(`^(?:${pattern})$`).test(value);
  if (t.group !== undefined && !anchored(t.group, groupOf(o.apiVersion))) return false;
  if (t.version !== undefined && !anchored(t.version, versionOf(o.apiVersion))) return false;
  if (t.kind !== undefined && !anchored(t.kind, o.kind)) return false;
  if (t.name !== undefined && !anchored(t.name, o.metadata.name)) return false;
  if (t.namespace !== undefined && !anchored(t.namespace, o.metadata.namespace ?? '')) return false;
  if (t.labelSelector !== undefined) {
    for (const term of t.labelSelector
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)) {
      const [key, value] = term.split('=');
      if ((o.metadata.labels ?? {})[key] !== value) return false;
    }
  }
  return true;
}

function applyPatch(acc: Accumulated, entry: Record<string, unknown>, dir: string, file: string): void {
  const unknownKeys = Object.keys(entry).filter((x) => !['path', 'patch', 'target'].includes(x));
  if (unknownKeys.length) throw new KustomizeError(`${file}: patches.${unknownKeys.join(', ')} not supported`);
  let docs: unknown[];
  if (typeof entry['path'] === 'string') {
    docs = loadYamlDocuments(resolve(dir, entry['path']));
  } else if (typeof entry['patch'] === 'string') {
    docs = parseAllDocuments(entry['patch']).map((d) => {
      if (d.errors.length) throw new KustomizeError(`${file}: inline patch: ${d.errors[0].message}`);
      return d.toJS();
    });
  } else {
    throw new KustomizeError(`${file}: a patch needs path or patch`);
  }
  const target = entry['target'] as Target | undefined;
  for (const doc of docs) {
    if (Array.isArray(doc)) {
      if (!target) throw new KustomizeError(`${file}: a JSON 6902 patch needs a target`);
      const hits = acc.objects.filter((o) => matches(o, target));
      if (!hits.length) throw new KustomizeError(`${file}: patch target ${JSON.stringify(target)} matches nothing`);
      for (const o of hits) replaceObject(acc, o, applyJson6902(o, doc as JsonObject[], file));
    } else if (isObject(doc)) {
      const patch = doc as unknown as K8sObject;
      const hits = target
        ? acc.objects.filter((o) => matches(o, target))
        : acc.objects.filter(
            (o) =>
              o.kind === patch.kind &&
              groupOf(o.apiVersion) === groupOf(patch.apiVersion ?? '') &&
              o.metadata.name === patch.metadata?.name &&
              (patch.metadata?.namespace === undefined || patch.metadata.namespace === o.metadata.namespace),
          );
      if (!hits.length) throw new KustomizeError(`${file}: strategic merge patch ${patch.kind}/${patch.metadata?.name} matches nothing`);
      for (const o of hits) {
        const builtin = BUILTIN_GROUPS.has(groupOf(o.apiVersion));
        const body = clone(doc);
        // The target keeps its identity (a targeted patch may name a different object).
        if (target) {
          delete body['apiVersion'];
          delete body['kind'];
          if (isObject(body['metadata'])) delete body['metadata']['name'];
        }
        replaceObject(acc, o, strategicMerge(o, body, builtin) as K8sObject);
      }
    } else {
      throw new KustomizeError(`${file}: a patch must be an object or a list of operations`);
    }
  }
}

function replaceObject(acc: Accumulated, old: K8sObject, updated: K8sObject): void {
  const i = acc.objects.indexOf(old);
  acc.objects[i] = updated;
  const gen = acc.generated.get(old);
  if (gen) {
    acc.generated.delete(old);
    acc.generated.set(updated, gen);
  }
}

/** Strategic merge for the fields used here; lists without a known merge key are replaced. */
export function strategicMerge(target: unknown, patch: unknown, builtin: boolean, field = ''): unknown {
  return merge(target as Json, patch as Json, builtin, field);
}

function merge(target: Json, patch: Json, builtin: boolean, field: string): Json {
  if (isObject(patch) && ('$patch' in patch || '$setElementOrder' in patch || '$retainKeys' in patch)) {
    throw new KustomizeError(`strategic merge directive in ${field || 'patch'} not supported`);
  }
  if (isObject(target) && isObject(patch)) {
    const out: JsonObject = { ...target };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete out[key];
      else if (key in out) out[key] = merge(out[key], value, builtin, key);
      else out[key] = clone(value);
    }
    return out;
  }
  if (Array.isArray(target) && Array.isArray(patch) && builtin && MERGE_KEYS[field]) {
    const key = MERGE_KEYS[field];
    const out = target.map((x) => clone(x));
    for (const item of patch) {
      if (!isObject(item)) throw new KustomizeError(`list ${field}: items must be objects`);
      const i = out.findIndex((x) => isObject(x) && x[key] === item[key]);
      if (i >= 0) out[i] = merge(out[i], item, builtin, field);
      else out.push(clone(item));
    }
    return out;
  }
  return clone(patch);
}

function pointer(path: string): string[] {
  if (path === '') return [];
  if (!path.startsWith('/')) throw new KustomizeError(`JSON pointer ${path} must start with /`);
  return path
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** RFC 6902 add, remove, replace and test. */
export function applyJson6902<T>(doc: T, ops: JsonObject[], where = 'patch'): T {
  const root = clone(doc) as unknown as Json;
  for (const op of ops) {
    const parts = pointer(op['path'] as string);
    const last = parts.pop();
    if (last === undefined) throw new KustomizeError(`${where}: ${op['op']} of the whole document not supported`);
    let parent: Json = root;
    for (const p of parts) {
      const next: Json | undefined = Array.isArray(parent) ? parent[Number(p)] : isObject(parent) ? parent[p] : undefined;
      if (next === undefined) throw new KustomizeError(`${where}: path ${op['path']} does not exist`);
      parent = next;
    }
    const exists = Array.isArray(parent) ? Number(last) < parent.length : isObject(parent) && last in parent;
    switch (op['op']) {
      case 'add':
        if (Array.isArray(parent)) parent.splice(last === '-' ? parent.length : Number(last), 0, clone(op['value']));
        else if (isObject(parent)) parent[last] = clone(op['value']);
        break;
      case 'replace':
        if (!exists) throw new KustomizeError(`${where}: replace of missing ${op['path']}`);
        if (Array.isArray(parent)) parent[Number(last)] = clone(op['value']);
        else if (isObject(parent)) parent[last] = clone(op['value']);
        break;
      case 'remove':
        if (!exists) throw new KustomizeError(`${where}: remove of missing ${op['path']}`);
        if (Array.isArray(parent)) parent.splice(Number(last), 1);
        else if (isObject(parent)) delete parent[last];
        break;
      case 'test': {
        const actual = Array.isArray(parent) ? parent[Number(last)] : isObject(parent) ? parent[last] : undefined;
        if (JSON.stringify(actual) !== JSON.stringify(op['value'])) throw new KustomizeError(`${where}: test of ${op['path']} failed`);
        break;
      }
      default:
        throw new KustomizeError(`${where}: JSON patch op ${String(op['op'])} not supported`);
    }
  }
  return root as unknown as T;
}

/** The kustomization directories under a folder (for "every overlay renders"). */
export function kustomizationDirs(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    if (KUSTOMIZATION_FILES.some((f) => existsSync(join(dir, f)))) out.push(dir);
    for (const name of readdirSync(dir, { withFileTypes: true })) {
      if (name.isDirectory()) walk(join(dir, name.name));
    }
  };
  walk(root);
  return out.sort();
}
