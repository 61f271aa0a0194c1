#!/usr/bin/env node
// Regenerates the vendored schemas in this folder from upstream files (see README.md here for the
// exact sources). The tests never touch the network: they read only the JSON files this writes.
//
//   node deploy/tests/schemas/vendor.js k8s <swagger.json> <kubernetes version, e.g. 1.35> <source note>
//   node deploy/tests/schemas/vendor.js crd <crd.yaml> <out-name> <source note>
//   node deploy/tests/schemas/vendor.js compose <compose-spec.json> <source note>
//   node deploy/tests/schemas/vendor.js marathon <schema.json> <out-name> <source note>
//
// Nothing is changed in a schema except that `description` texts are dropped (they are most of the
// bytes and validate nothing) and, for Kubernetes, only the definitions reachable from the kinds
// below are kept. Strictness (rejecting unknown fields, as kubeconform -strict and
// `kubectl --validate=strict` do) is added when the tests load the files, not here.
'use strict';

const fs = require('fs');
const path = require('path');
const YAML = require('yaml');

const OUT = __dirname;

/** The built-in kinds Vigil's manifests may use (more can be added and the script re-run). */
const K8S_KINDS = [
  'v1/ConfigMap',
  'v1/Secret',
  'v1/Service',
  'v1/ServiceAccount',
  'v1/Namespace',
  'apps/v1/Deployment',
  'apps/v1/StatefulSet',
  'batch/v1/Job',
  'batch/v1/CronJob',
  'policy/v1/PodDisruptionBudget',
  'networking.k8s.io/v1/NetworkPolicy',
  'networking.k8s.io/v1/Ingress',
  'autoscaling/v2/HorizontalPodAutoscaler',
  'rbac.authorization.k8s.io/v1/Role',
  'rbac.authorization.k8s.io/v1/RoleBinding',
];

function stripDescriptions(node) {
  if (Array.isArray(node)) return node.map(stripDescriptions);
  if (node && typeof node === 'object') {
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      // `description` as a schema keyword is dropped; a *property* called description is kept.
      if (k === 'description' && typeof v === 'string') continue;
      out[k] = stripDescriptions(v);
    }
    return out;
  }
  return node;
}

function write(name, value) {
  const file = path.join(OUT, name);
  fs.writeFileSync(file, `${JSON.stringify(value)}\n`);
  console.log(`wrote ${path.relative(process.cwd(), file)} (${fs.statSync(file).size} bytes)`);
}

function vendorKubernetes(swaggerFile, version, source) {
  const swagger = JSON.parse(fs.readFileSync(swaggerFile, 'utf8'));
  const defs = swagger.definitions;
  const gvkIndex = {};
  for (const [name, def] of Object.entries(defs)) {
    for (const gvk of def['x-kubernetes-group-version-kind'] ?? []) {
      const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
      const key = `${apiVersion}/${gvk.kind}`;
      if (K8S_KINDS.includes(key)) gvkIndex[key] = name;
    }
  }
  const missing = K8S_KINDS.filter((k) => !gvkIndex[k]);
  if (missing.length) throw new Error(`not in ${swaggerFile}: ${missing.join(', ')}`);

  const keep = {};
  const visit = (name) => {
    if (keep[name]) return;
    if (!defs[name]) throw new Error(`dangling $ref ${name}`);
    keep[name] = stripDescriptions(defs[name]);
    JSON.stringify(defs[name], (k, v) => {
      if (k === '$ref' && typeof v === 'string') visit(v.replace('#/definitions/', ''));
      return v;
    });
  };
  Object.values(gvkIndex).forEach(visit);
  const sorted = Object.fromEntries(
    Object.keys(keep)
      .sort()
      .map((k) => [k, keep[k]]),
  );
  write(`kubernetes-${version}.json`, { source, kubernetesVersion: version, kinds: gvkIndex, definitions: sorted });
}

function vendorCrd(crdFile, outName, source) {
  const docs = YAML.parseAllDocuments(fs.readFileSync(crdFile, 'utf8')).map((d) => d.toJS());
  const crd = docs.find((d) => d && d.kind === 'CustomResourceDefinition');
  if (!crd) throw new Error(`${crdFile} holds no CustomResourceDefinition`);
  const versions = crd.spec.versions
    .filter((v) => v.served)
    .map((v) => ({ name: v.name, storage: !!v.storage, schema: stripDescriptions(v.schema.openAPIV3Schema) }));
  write(`${outName}.json`, {
    source,
    group: crd.spec.group,
    kind: crd.spec.names.kind,
    scope: crd.spec.scope,
    versions,
  });
}

function vendorPlain(file, outName, source) {
  const schema = JSON.parse(fs.readFileSync(file, 'utf8'));
  write(`${outName}.json`, { source, schema });
}

const [mode, ...args] = process.argv.slice(2);
if (mode === 'k8s') vendorKubernetes(args[0], args[1], args[2]);
else if (mode === 'crd') vendorCrd(args[0], args[1], args[2]);
else if (mode === 'compose') vendorPlain(args[0], 'compose-spec', args[1]);
else if (mode === 'marathon') vendorPlain(args[0], args[1], args[2]);
else {
  console.error('usage: see the header of deploy/tests/schemas/vendor.js');
  process.exit(2);
}
