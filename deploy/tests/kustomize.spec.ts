/**
 * The test renderer (lib/kustomize.ts) is itself tested: on small cases with known answers, and
 * against the real `kubectl kustomize` on every kustomization in deploy/k8s when kubectl is
 * installed (it is on our machines; elsewhere that part is skipped and says so).
 */
import { execFileSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join, relative } from 'path';
import { parseAllDocuments } from 'yaml';
import { ROOT } from './lib/app-facts';
import { applyJson6902, build, configMapHash, groupOf, type K8sObject, KustomizeError, kustomizationDirs, parseImage, strategicMerge } from './lib/kustomize';

const K8S_DIR = join(ROOT, 'deploy', 'k8s');

// Schema compilation and `kubectl kustomize` take seconds on a busy machine.
jest.setTimeout(120_000);

function kubectlKustomize(dir: string): K8sObject[] | undefined {
  try {
    const out = execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
    return parseAllDocuments(out)
      .map((d) => d.toJS() as K8sObject)
      .filter(Boolean);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') return undefined;
    throw new Error(`kubectl kustomize ${dir} failed: ${e.stderr ?? e.message}`);
  }
}

const byId = (objects: K8sObject[]) =>
  Object.fromEntries(objects.map((o) => [`${groupOf(o.apiVersion)}/${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`, o]));

function withTempDir(files: Record<string, string>, fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-kustomize-'));
  try {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('test renderer: known answers', () => {
  it('hashes a generated ConfigMap name exactly as kustomize does (values taken from kubectl kustomize 5.5)', () => {
    // kustomize build of a generator `example` with literal A=1 names it example-89g4tffbfk; with the
    // literals below (HTML characters that Go's JSON escapes, quotes kustomize strips) example-mh6g4d852g.
    expect(configMapHash({ A: '1' })).toBe('89g4tffbfk');
    expect(configMapHash({ A: '1', JSON: '{"class":"NetworkTopologyStrategy","dc1":3}', HTML: '<b>&</b>', QUOTED: 'hello' })).toBe('mh6g4d852g');
  });

  it('merges built-in lists by their merge key and replaces custom-resource lists', () => {
    const deployment = {
      spec: {
        template: {
          spec: {
            containers: [
              {
                name: 'a',
                image: 'x',
                env: [
                  { name: 'K', value: '1' },
                  { name: 'L', value: '2' },
                ],
              },
              { name: 'b', image: 'y' },
            ],
          },
        },
      },
    };
    const merged = strategicMerge(
      deployment,
      {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'a',
                  env: [
                    { name: 'L', value: '3' },
                    { name: 'M', value: '4' },
                  ],
                },
              ],
            },
          },
        },
      },
      true,
    ) as typeof deployment;
    expect(merged.spec.template.spec.containers).toEqual([
      {
        name: 'a',
        image: 'x',
        env: [
          { name: 'K', value: '1' },
          { name: 'L', value: '3' },
          { name: 'M', value: '4' },
        ],
      },
      { name: 'b', image: 'y' },
    ]);
    const cr = {
      spec: {
        datacenters: [
          { name: 'dc1', size: 3 },
          { name: 'dc2', size: 3 },
        ],
      },
    };
    expect(strategicMerge(cr, { spec: { datacenters: [{ name: 'dc1', size: 1 }] } }, false)).toEqual({ spec: { datacenters: [{ name: 'dc1', size: 1 }] } });
    expect(strategicMerge({ a: 1, b: 2 }, { b: null }, false)).toEqual({ a: 1 });
  });

  it('applies JSON 6902 add, replace, remove and test, and refuses a path that is not there', () => {
    const doc = { spec: { replicas: 3, list: [1, 2], config: { 'a.b': 1, 'c/d': 2 } } };
    expect(
      applyJson6902(doc, [
        { op: 'replace', path: '/spec/replicas', value: 1 },
        { op: 'add', path: '/spec/list/-', value: 3 },
        { op: 'remove', path: '/spec/config/c~1d' },
        { op: 'test', path: '/spec/config/a.b', value: 1 },
      ]),
    ).toEqual({ spec: { replicas: 1, list: [1, 2, 3], config: { 'a.b': 1 } } });
    expect(doc.spec.replicas).toBe(3);
    expect(() => applyJson6902(doc, [{ op: 'replace', path: '/spec/nope', value: 1 }])).toThrow(KustomizeError);
  });

  it('parses image references like the images transformer', () => {
    expect(parseImage('vigil/ingest-api')).toEqual({ name: 'vigil/ingest-api' });
    expect(parseImage('localhost:5000/vigil/x:1.2@sha256:ab')).toEqual({ name: 'localhost:5000/vigil/x', tag: '1.2', digest: 'sha256:ab' });
  });

  it('renders generators, merges, namespace, labels, images and renames config references', () => {
    withTempDir(
      {
        'kustomization.yaml': [
          'namespace: ns1',
          'resources: [deploy.yaml]',
          'labels:',
          '  - pairs: { team: care }',
          '    includeTemplates: true',
          'images:',
          '  - { name: app, newName: reg/app, newTag: "2" }',
          'configMapGenerator:',
          '  - name: cfg',
          '    literals: [A=1]',
          'patches:',
          '  - target: { kind: Deployment }',
          '    patch: |-',
          '      - { op: replace, path: /spec/replicas, value: 2 }',
        ].join('\n'),
        'deploy.yaml': [
          'apiVersion: apps/v1',
          'kind: Deployment',
          'metadata: { name: d }',
          'spec:',
          '  replicas: 1',
          '  selector: { matchLabels: { app: d } }',
          '  template:',
          '    metadata: { labels: { app: d } }',
          '    spec:',
          '      containers:',
          '        - name: c',
          '          image: app:1',
          '          envFrom: [{ configMapRef: { name: cfg } }]',
        ].join('\n'),
      },
      (dir) => {
        type Rendered = K8sObject & {
          spec: {
            replicas: number;
            selector: { matchLabels: object };
            template: { metadata: { labels: object }; spec: { containers: { image: string; envFrom: { configMapRef: { name: string } }[] }[] } };
          };
        };
        const [deployment, cm] = build(dir) as [Rendered, K8sObject];
        expect(cm.metadata.name).toBe(`cfg-${configMapHash({ A: '1' })}`);
        expect(cm.metadata.namespace).toBe('ns1');
        expect(deployment.spec.replicas).toBe(2);
        expect(deployment.metadata.labels).toEqual({ team: 'care' });
        expect(deployment.spec.selector.matchLabels).toEqual({ app: 'd' });
        expect(deployment.spec.template.metadata.labels).toEqual({ app: 'd', team: 'care' });
        expect(deployment.spec.template.spec.containers[0].image).toBe('reg/app:2');
        expect(deployment.spec.template.spec.containers[0].envFrom[0].configMapRef.name).toBe(cm.metadata.name);
      },
    );
  });

  it('refuses kustomization fields it does not implement', () => {
    withTempDir({ 'kustomization.yaml': 'commonLabels: { a: b }\nresources: []\n' }, (dir) => {
      expect(() => build(dir)).toThrow(/not supported by the test renderer: commonLabels/);
    });
  });
});

describe('test renderer agrees with kubectl kustomize on deploy/k8s', () => {
  const dirs = kustomizationDirs(K8S_DIR);

  it('finds the base and both overlays', () => {
    const rel = dirs.map((d) => relative(K8S_DIR, d));
    expect(rel).toEqual(expect.arrayContaining(['base', 'overlays/dev', 'overlays/prod']));
  });

  it.each(dirs.map((d) => [relative(K8S_DIR, d), d]))('%s renders the same objects', (_name, dir) => {
    const ours = byId(build(dir));
    const theirs = kubectlKustomize(dir);
    if (!theirs) {
      console.warn(`kubectl is not installed: ${relative(ROOT, dir)} checked by the test renderer only`);
      return;
    }
    expect(Object.keys(ours).sort()).toEqual(Object.keys(byId(theirs)).sort());
    expect(ours).toEqual(byId(theirs));
  });
});
