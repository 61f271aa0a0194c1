/**
 * deploy/k8s without a cluster: every file parses, every overlay renders (lib/kustomize.ts, checked
 * against kubectl kustomize in kustomize.spec.ts), every rendered object is valid against the
 * vendored Kubernetes 1.35 and Strimzi / KEDA / K8ssandra CRD schemas (strict: unknown fields fail),
 * and the manifests agree with the code: the topics with libs/contracts, the ports, health paths and
 * consumer groups with apps/, the configuration with the services' own config schemas.
 */
import { allTopicSpecs } from '@vigil/contracts';
import { cassandraEnv, kafkaEnv, redisEnv, z } from '@vigil/config';
import { readdirSync, statSync } from 'fs';
import { join, relative } from 'path';
import { appConfigSchema, appFacts, CONSUMERS, HEALTH_LIVE, HEALTH_READY, HTTP_APIS, ROOT, SERVICES } from './lib/app-facts';
import { build, type K8sObject, loadYamlDocuments, podSpecs } from './lib/kustomize';
import { ManifestValidator } from './lib/schemas';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered manifests are plain JSON */

// Schema compilation and `kubectl kustomize` take seconds on a busy machine.
jest.setTimeout(120_000);

const K8S = join(ROOT, 'deploy', 'k8s');
const OVERLAYS = { base: join(K8S, 'base'), dev: join(K8S, 'overlays', 'dev'), prod: join(K8S, 'overlays', 'prod') } as const;
type Overlay = keyof typeof OVERLAYS;

/** KEDA 2.20 Kafka scaler parameters (pkg/scalers/kafka_scaler.go) that may appear in trigger metadata. */
const KEDA_KAFKA_METADATA = new Set([
  'bootstrapServers',
  'consumerGroup',
  'topic',
  'partitionLimitation',
  'lagThreshold',
  'activationLagThreshold',
  'offsetResetPolicy',
  'allowIdleConsumers',
  'excludePersistentLag',
  'scaleToZeroOnInvalidOffset',
  'limitToPartitionsWithLag',
  'ensureEvenDistributionOfPartitions',
  'version',
  'tls',
  'unsafeSsl',
  'sasl',
  'saslTokenProvider',
  'awsRegion',
]);
const KEDA_KAFKA_AUTH = new Set([
  'ca',
  'cert',
  'key',
  'keyPassword',
  'sasl',
  'tls',
  'username',
  'password',
  'saslTokenProvider',
  'scopes',
  'oauthTokenEndpointUri',
  'oauthExtensions',
  'keytab',
  'realm',
  'kerberosConfig',
  'kerberosServiceName',
  'kerberosDisableFAST',
]);

const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^(?=.{1,63}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS_1035 = /^(?=.{1,63}$)[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_KEY = /^(([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)\/)?(?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^((?=.{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const PORT_NAME = /^(?=.{1,15}$)(?=.*[a-z])[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

const rendered = {} as Record<Overlay, K8sObject[]>;
let validator: ManifestValidator;

beforeAll(() => {
  validator = new ManifestValidator();
  for (const [name, dir] of Object.entries(OVERLAYS)) rendered[name as Overlay] = build(dir);
});

function yamlFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...yamlFiles(path));
    else if (/\.ya?ml$/.test(name)) out.push(path);
  }
  return out.sort();
}

const find = (objects: K8sObject[], kind: string, name?: string): any[] =>
  objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
const one = (objects: K8sObject[], kind: string, name: string): any => {
  const hits = find(objects, kind, name);
  if (hits.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${hits.length}`);
  return hits[0];
};
const configData = (objects: K8sObject[]): Record<string, string> => {
  const cms = objects.filter((o) => o.kind === 'ConfigMap' && /^vigil-config(-[a-z0-9]{10})?$/.test(o.metadata.name));
  expect(cms).toHaveLength(1);
  return (cms[0] as any).data;
};
const selectorMatches = (selector: Record<string, string>, labels: Record<string, string> | undefined) =>
  Object.entries(selector).every(([k, v]) => labels?.[k] === v);

/** The environment a container gets: its ConfigMap envFrom, then env (secrets as placeholders). */
function containerEnv(objects: K8sObject[], container: any): Record<string, string> {
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) {
      const cm = one(objects, 'ConfigMap', from.configMapRef.name);
      Object.assign(env, cm.data);
    }
  }
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else if (e.valueFrom?.secretKeyRef) env[e.name] = e.name === 'REDIS_URL' ? 'redis://redis.example:6379' : 'secret-from-cluster';
    else if (e.valueFrom?.configMapKeyRef) env[e.name] = one(objects, 'ConfigMap', e.valueFrom.configMapKeyRef.name).data[e.valueFrom.configMapKeyRef.key];
  }
  return env;
}

describe('every manifest parses', () => {
  const files = yamlFiles(K8S);

  it('finds the manifests', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  it.each(files.map((f) => [relative(ROOT, f), f]))('%s', (_rel, file) => {
    const docs = loadYamlDocuments(file) as Record<string, any>[];
    expect(docs.length).toBeGreaterThan(0);
    for (const doc of docs) {
      const isKustomization = doc.kind === 'Kustomization' || /kustomization\.ya?ml$/.test(file);
      if (!isKustomization) {
        expect(typeof doc.apiVersion).toBe('string');
        expect(typeof doc.kind).toBe('string');
        expect(typeof doc.metadata?.name).toBe('string');
      }
    }
  });
});

describe.each(Object.keys(OVERLAYS) as Overlay[])('%s renders valid objects', (overlay) => {
  it('renders', () => {
    expect(rendered[overlay].length).toBeGreaterThan(30);
  });

  it('validates every object against its schema (Kubernetes 1.35, Strimzi, KEDA, K8ssandra CRDs)', () => {
    const problems: string[] = [];
    for (const o of rendered[overlay]) {
      for (const p of validator.validate(o)) problems.push(`${o.kind}/${o.metadata.name}: ${p}`);
    }
    expect(problems).toEqual([]);
  });

  it('uses valid names, labels and port names', () => {
    const problems: string[] = [];
    for (const o of rendered[overlay] as any[]) {
      const id = `${o.kind}/${o.metadata.name}`;
      if (!DNS_SUBDOMAIN.test(o.metadata.name)) problems.push(`${id}: name is not a DNS subdomain`);
      if (o.kind === 'Service' && !DNS_1035.test(o.metadata.name)) problems.push(`${id}: a Service name must be a DNS-1035 label`);
      if (o.metadata.namespace !== undefined && !DNS_LABEL.test(o.metadata.namespace)) problems.push(`${id}: bad namespace`);
      const labelSets = [o.metadata.labels, ...podSpecs(o).map(() => o.spec?.template?.metadata?.labels)];
      for (const labels of labelSets) {
        for (const [k, v] of Object.entries(labels ?? {})) {
          if (!LABEL_KEY.test(k)) problems.push(`${id}: label key ${k}`);
          if (typeof v !== 'string' || !LABEL_VALUE.test(v)) problems.push(`${id}: label value ${k}=${String(v)}`);
        }
      }
      for (const spec of podSpecs(o)) {
        for (const c of (spec['containers'] as any[]) ?? []) {
          if (!DNS_LABEL.test(c.name)) problems.push(`${id}: container name ${c.name}`);
          for (const p of c.ports ?? []) if (p.name && !PORT_NAME.test(p.name)) problems.push(`${id}: port name ${p.name}`);
        }
      }
      for (const p of o.kind === 'Service' ? o.spec.ports : []) if (p.name && !PORT_NAME.test(p.name)) problems.push(`${id}: port name ${p.name}`);
    }
    expect(problems).toEqual([]);
  });

  it('puts everything in one namespace (the overlays) and keeps ids unique', () => {
    const namespaces = new Set(rendered[overlay].map((o) => o.metadata.namespace));
    expect([...namespaces]).toEqual([overlay === 'base' ? undefined : overlay === 'dev' ? 'vigil-dev' : 'vigil']);
  });
});

describe('the topic list is the one in libs/contracts', () => {
  const specs = allTopicSpecs();

  it.each(Object.keys(OVERLAYS) as Overlay[])('%s: one KafkaTopic per topic, with its cleanup policy and retention', (overlay) => {
    const topics = find(rendered[overlay], 'KafkaTopic');
    const names = topics.map((t) => t.spec.topicName ?? t.metadata.name).sort();
    expect(names).toEqual(specs.map((s) => s.name).sort());
    for (const spec of specs) {
      const t = topics.find((x) => (x.spec.topicName ?? x.metadata.name) === spec.name);
      expect({ topic: spec.name, cleanup: t.spec.config['cleanup.policy'], retention: Number(t.spec.config['retention.ms']) }).toEqual({
        topic: spec.name,
        cleanup: spec.cleanupPolicy,
        retention: spec.retentionMs,
      });
      expect(t.metadata.labels['strimzi.io/cluster']).toBe(one(rendered[overlay], 'Kafka', 'vigil').metadata.name);
      expect(t.spec.partitions).toBeGreaterThanOrEqual(1);
    }
  });

  it('production: every topic on 3 replicas with 2 in sync, as the cluster defaults', () => {
    for (const t of find(rendered.prod, 'KafkaTopic')) {
      expect({ topic: t.spec.topicName, replicas: t.spec.replicas, minIsr: t.spec.config['min.insync.replicas'] }).toEqual({
        topic: t.spec.topicName,
        replicas: 3,
        minIsr: 2,
      });
    }
  });

  it('co-partitions checkins.v1 and patients.v1 (same key, same partition count)', () => {
    const partitions = (name: string) => find(rendered.prod, 'KafkaTopic').find((t) => t.spec.topicName === name).spec.partitions;
    expect(partitions('patients.v1')).toBe(partitions('checkins.v1'));
  });

  it('the Kafka user may use exactly these topics', () => {
    for (const overlay of Object.keys(OVERLAYS) as Overlay[]) {
      const user = one(rendered[overlay], 'KafkaUser', 'vigil-app');
      const aclTopics = user.spec.authorization.acls
        .filter((a: any) => a.resource.type === 'topic')
        .map((a: any) => a.resource.name)
        .sort();
      expect(aclTopics).toEqual(specs.map((s) => s.name).sort());
    }
  });
});

describe('Kafka (Strimzi) and Cassandra (K8ssandra) in production', () => {
  it('Kafka: replication 3, min ISR 2, 3 brokers and 3 controllers, TLS + SCRAM listener for the apps', () => {
    const kafka = one(rendered.prod, 'Kafka', 'vigil');
    expect(kafka.spec.kafka.config).toMatchObject({
      'default.replication.factor': 3,
      'min.insync.replicas': 2,
      'offsets.topic.replication.factor': 3,
      'transaction.state.log.replication.factor': 3,
      'transaction.state.log.min.isr': 2,
      'unclean.leader.election.enable': false,
      'auto.create.topics.enable': false,
    });
    const pools = find(rendered.prod, 'KafkaNodePool');
    const replicasOf = (role: string) => pools.filter((p) => p.spec.roles.includes(role)).reduce((n, p) => n + p.spec.replicas, 0);
    expect(replicasOf('broker')).toBeGreaterThanOrEqual(3);
    expect(replicasOf('controller')).toBe(3);
    const listener = kafka.spec.kafka.listeners.find((l: any) => l.name === 'tls');
    expect(listener).toMatchObject({ tls: true, authentication: { type: 'scram-sha-512' } });
    expect(listener.networkPolicyPeers).toContainEqual({ podSelector: { matchLabels: { 'vigil.dev/kafka-client': 'true' } } });
  });

  it.each(['base', 'dev', 'prod'] as Overlay[])('%s: the services find Kafka where Strimzi puts it', (overlay) => {
    const objects = rendered[overlay];
    const kafka = one(objects, 'Kafka', 'vigil');
    const listener = kafka.spec.kafka.listeners.find((l: any) => l.name === 'tls');
    const bootstrap = `${kafka.metadata.name}-kafka-bootstrap:${listener.port}`;
    const config = configData(objects);
    expect(config['KAFKA_BROKERS']).toBe(bootstrap);
    expect(config['KAFKA_SSL']).toBe('true');
    expect(config['KAFKA_SASL_MECHANISM']).toBe('scram-sha-512');
    expect(config['KAFKA_SASL_USERNAME']).toBe(one(objects, 'KafkaUser', config['KAFKA_SASL_USERNAME']).metadata.name);
    expect(config['KAFKA_ENSURE_TOPICS']).toBe('false');
    for (const so of find(objects, 'ScaledObject')) {
      for (const trigger of so.spec.triggers) expect(trigger.metadata.bootstrapServers).toBe(bootstrap);
    }
    const egress = one(objects, 'NetworkPolicy', 'vigil-allow-kafka');
    expect(egress.spec.egress[0].ports).toEqual([{ protocol: 'TCP', port: listener.port }]);
    // The dev cluster has one broker: nothing may ask for more replicas than brokers.
    const brokers = find(objects, 'KafkaNodePool')
      .filter((p) => p.spec.roles.includes('broker'))
      .reduce((n, p) => n + p.spec.replicas, 0);
    expect(kafka.spec.kafka.config['default.replication.factor']).toBeLessThanOrEqual(brokers);
    expect(kafka.spec.kafka.config['min.insync.replicas']).toBeLessThanOrEqual(kafka.spec.kafka.config['default.replication.factor']);
    for (const t of find(objects, 'KafkaTopic')) expect(t.spec.replicas).toBeLessThanOrEqual(brokers);
    expect(Number(config['KAFKA_REPLICATION_FACTOR'])).toBeLessThanOrEqual(brokers);
  });

  it('Cassandra: 3 nodes in dc1, keyspace NetworkTopologyStrategy dc1:3, LOCAL_QUORUM reads and writes (DESIGN.md)', () => {
    const cluster = one(rendered.prod, 'K8ssandraCluster', 'vigil');
    expect(cluster.spec.auth).toBe(true);
    const dcs = cluster.spec.cassandra.datacenters;
    expect(dcs).toHaveLength(1);
    expect(dcs[0]).toMatchObject({ metadata: { name: 'dc1' }, size: 3 });
    const config = configData(rendered.prod);
    expect(JSON.parse(config['CASSANDRA_REPLICATION'])).toEqual({ class: 'NetworkTopologyStrategy', dc1: 3 });
    expect(config['CASSANDRA_READ_CONSISTENCY']).toBe('LOCAL_QUORUM');
    expect(config['CASSANDRA_WRITE_CONSISTENCY']).toBe('LOCAL_QUORUM');
  });

  it.each(['base', 'dev', 'prod'] as Overlay[])('%s: replication fits the datacenter and the services find it', (overlay) => {
    const objects = rendered[overlay];
    const cluster = one(objects, 'K8ssandraCluster', 'vigil');
    const config = configData(objects);
    const dc = cluster.spec.cassandra.datacenters.find((d: any) => d.metadata.name === config['CASSANDRA_LOCAL_DC']);
    expect(dc).toBeDefined();
    const replication = JSON.parse(config['CASSANDRA_REPLICATION']);
    expect(replication.class).toBe('NetworkTopologyStrategy');
    expect(Object.keys(replication).filter((k) => k !== 'class')).toEqual([dc.metadata.name]);
    expect(replication[dc.metadata.name]).toBeLessThanOrEqual(dc.size);
    // cass-operator's service for a datacenter: <cluster>-<dc>-service.
    const clusterName = cluster.spec.cassandra.clusterName ?? cluster.metadata.name;
    expect(config['CASSANDRA_CONTACT_POINTS']).toBe(`${clusterName}-${dc.metadata.name}-service:9042`);
    if (replication[dc.metadata.name] >= 3) {
      // A quorum of the replicas survives one node down.
      expect([config['CASSANDRA_READ_CONSISTENCY'], config['CASSANDRA_WRITE_CONSISTENCY']]).toEqual(['LOCAL_QUORUM', 'LOCAL_QUORUM']);
    }
  });

  it.each(['base', 'dev', 'prod'] as Overlay[])("%s: the shared configuration passes the services' own config schemas", (overlay) => {
    const config = configData(rendered[overlay]);
    const shared = z.object({ ...kafkaEnv, ...cassandraEnv, ...redisEnv });
    const result = shared.safeParse({ ...config, REDIS_URL: 'redis://redis.example:6379' });
    expect(result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`)).toEqual([]);
  });
});

describe.each(SERVICES.map((s) => [s]))('%s on Kubernetes', (name) => {
  const facts = appFacts(name);

  it(`exists in apps/ and serves the port and health paths the manifests probe (${facts.portSource}; ${facts.healthSource})`, () => {
    expect(statSync(join(ROOT, 'apps', name)).isDirectory()).toBe(true);
    expect(facts.healthPaths).toEqual(expect.arrayContaining([HEALTH_LIVE, HEALTH_READY]));
  });

  it.each(Object.keys(OVERLAYS) as Overlay[])('%s: Deployment, Service, PDB, probes, resources, security', (overlay) => {
    const objects = rendered[overlay];
    const d = one(objects, 'Deployment', name);
    const pod = d.spec.template;
    expect(selectorMatches(d.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    const c = pod.spec.containers.find((x: any) => x.name === name);
    expect(c).toBeDefined();
    const http = c.ports.find((p: any) => p.name === 'http');
    expect(http.containerPort).toBe(facts.port);
    const env = containerEnv(objects, c);
    expect(env['PORT']).toBe(String(facts.port));
    for (const [probe, path] of [
      ['readinessProbe', HEALTH_READY],
      ['livenessProbe', HEALTH_LIVE],
      ['startupProbe', HEALTH_LIVE],
    ] as const) {
      expect({ probe, path: c[probe]?.httpGet?.path, port: c[probe]?.httpGet?.port }).toEqual({ probe, path, port: 'http' });
      expect(facts.healthPaths).toContain(path);
    }
    for (const kind of ['requests', 'limits']) {
      expect(Object.keys(c.resources?.[kind] ?? {}).sort()).toEqual(['cpu', 'memory']);
    }
    expect(pod.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
    expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    expect(pod.spec.automountServiceAccountToken).toBe(false);
    expect(pod.spec.terminationGracePeriodSeconds * 1000).toBeGreaterThan(Number(env['SHUTDOWN_GRACE_MS'] ?? 10_000));
    expect(d.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);

    const svc = one(objects, 'Service', name);
    expect(selectorMatches(svc.spec.selector, pod.metadata.labels)).toBe(true);
    expect(svc.spec.ports).toEqual([{ name: 'http', port: facts.port, targetPort: 'http', protocol: 'TCP' }]);

    const pdb = one(objects, 'PodDisruptionBudget', name);
    expect(selectorMatches(pdb.spec.selector.matchLabels, pod.metadata.labels)).toBe(true);
    expect(pdb.spec.maxUnavailable ?? pdb.spec.minAvailable).toBeDefined();
  });

  it.each(Object.keys(OVERLAYS) as Overlay[])("%s: its configuration passes the service's own config schema", (overlay) => {
    const objects = rendered[overlay];
    const c = one(objects, 'Deployment', name).spec.template.spec.containers[0];
    const env = containerEnv(objects, c);
    const schema = appConfigSchema(name);
    const shared = z.object({ ...kafkaEnv, ...cassandraEnv, ...redisEnv });
    const result = (schema ?? shared).safeParse(env);
    expect(result.success ? [] : result.error!.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`)).toEqual([]);
  });

  if (HTTP_APIS.includes(name)) {
    it.each(Object.keys(OVERLAYS) as Overlay[])('%s: scales on CPU (HorizontalPodAutoscaler), not on lag', (overlay) => {
      const hpa = one(rendered[overlay], 'HorizontalPodAutoscaler', name);
      expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect(hpa.spec.metrics).toEqual([
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: expect.any(Number) } } },
      ]);
      expect(hpa.spec.minReplicas).toBeLessThanOrEqual(hpa.spec.maxReplicas);
      expect(find(rendered[overlay], 'ScaledObject', name)).toEqual([]);
      expect(one(rendered[overlay], 'Deployment', name).spec.replicas).toBeUndefined();
    });

    it('production: at least 2 pods, and an identity provider (the dev token secret is refused)', () => {
      const hpa = one(rendered.prod, 'HorizontalPodAutoscaler', name);
      expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
      const c = one(rendered.prod, 'Deployment', name).spec.template.spec.containers[0];
      const env = containerEnv(rendered.prod, c);
      expect(env['NODE_ENV']).toBe('production');
      expect(env['AUTH_JWKS_URL'] ?? env['AUTH_PUBLIC_KEY']).toBeDefined();
    });
  }

  if (CONSUMERS.includes(name)) {
    it.each(Object.keys(OVERLAYS) as Overlay[])("%s: scales on Kafka consumer lag (KEDA), within the topic's partitions", (overlay) => {
      const objects = rendered[overlay];
      const so = one(objects, 'ScaledObject', name);
      expect(so.spec.scaleTargetRef).toMatchObject({ name });
      expect(find(objects, 'HorizontalPodAutoscaler', name)).toEqual([]);
      expect(one(objects, 'Deployment', name).spec.replicas).toBeUndefined();
      const kafkaTriggers = so.spec.triggers.filter((t: any) => t.type === 'kafka');
      expect(kafkaTriggers.length).toBeGreaterThanOrEqual(1);
      for (const t of kafkaTriggers) {
        expect(Object.keys(t.metadata).filter((k) => !KEDA_KAFKA_METADATA.has(k))).toEqual([]);
        // The group the service really joins (its config default), and a topic of libs/contracts.
        if (facts.consumerGroup) expect(t.metadata.consumerGroup).toBe(facts.consumerGroup);
        else expect(t.metadata.consumerGroup).toBe(name);
        const topic = find(objects, 'KafkaTopic').find((k) => k.spec.topicName === t.metadata.topic);
        expect(topic).toBeDefined();
        expect(so.spec.maxReplicaCount).toBeLessThanOrEqual(topic.spec.partitions);
        expect(Number(t.metadata.lagThreshold)).toBeGreaterThan(0);
        const auth = one(objects, 'TriggerAuthentication', t.authenticationRef.name);
        const params = [...(auth.spec.env ?? []), ...(auth.spec.secretTargetRef ?? [])].map((p: any) => p.parameter);
        expect(params.filter((p: string) => !KEDA_KAFKA_AUTH.has(p))).toEqual([]);
        // username/password come from the target container's own environment.
        const env = containerEnv(objects, one(objects, 'Deployment', name).spec.template.spec.containers[0]);
        for (const e of auth.spec.env ?? []) expect(env[e.name]).toBeDefined();
      }
      expect(so.spec.minReplicaCount).toBeLessThanOrEqual(so.spec.maxReplicaCount);
    });

    it('production: at least 2 consumers', () => {
      expect(one(rendered.prod, 'ScaledObject', name).spec.minReplicaCount).toBeGreaterThanOrEqual(2);
    });
  }
});

describe('the migration Job', () => {
  it.each(Object.keys(OVERLAYS) as Overlay[])('%s: runs the migrate image with the Cassandra settings, once', (overlay) => {
    const objects = rendered[overlay];
    const job = one(objects, 'Job', 'vigil-migrate');
    const c = job.spec.template.spec.containers[0];
    expect(c.image).toMatch(/(^|\/)vigil\/migrate(:|$)/);
    expect(job.spec.template.spec.restartPolicy).not.toBe('Always');
    const env = containerEnv(objects, c);
    const result = z.object(cassandraEnv).safeParse(env);
    expect(result.success).toBe(true);
    expect(env['CASSANDRA_USERNAME']).toBeDefined();
    expect(job.spec.template.metadata.labels['vigil.dev/cassandra-client']).toBe('true');
  });
});

describe('images', () => {
  it('base: every workload runs vigil/<app>, an app of apps/ (or the migrate CLI)', () => {
    const apps = new Set(readdirSync(join(ROOT, 'apps')));
    for (const o of rendered.base) {
      for (const spec of podSpecs(o)) {
        for (const c of spec['containers'] as any[]) {
          const m = /^vigil\/([a-z-]+)$/.exec(c.image);
          expect(m).not.toBeNull();
          expect(m![1] === 'migrate' || apps.has(m![1])).toBe(true);
        }
      }
    }
  });

  it('prod: every image is pinned to a release tag or digest (no latest, no untagged)', () => {
    for (const o of rendered.prod) {
      for (const spec of podSpecs(o)) {
        for (const c of spec['containers'] as any[]) expect(c.image).toMatch(/^[^:]+\/vigil\/[a-z-]+(:(?!latest$)[\w.-]+|@sha256:[a-f0-9]{64})$/);
      }
    }
  });
});

describe.each(Object.keys(OVERLAYS) as Overlay[])('%s: only what must talk, talks', (overlay) => {
  it('denies everything to every Vigil pod, then allows by role label', () => {
    const objects = rendered[overlay];
    const deny = one(objects, 'NetworkPolicy', 'vigil-default-deny');
    expect(deny.spec).toEqual({ podSelector: { matchLabels: { 'vigil.dev/tier': 'app' } }, policyTypes: ['Ingress', 'Egress'] });
    for (const o of objects) {
      for (const spec of podSpecs(o)) {
        const labels = (o as any).spec.template.metadata.labels as Record<string, string>;
        const id = `${o.kind}/${o.metadata.name}`;
        expect({ id, tier: labels['vigil.dev/tier'] }).toEqual({ id, tier: 'app' });
        const env = containerEnv(objects, (spec['containers'] as any[])[0]);
        // A pod has a role label exactly when its configuration says it uses that server.
        expect({ id, kafka: labels['vigil.dev/kafka-client'] === 'true' }).toEqual({ id, kafka: 'KAFKA_SASL_PASSWORD' in env });
        expect({ id, cassandra: labels['vigil.dev/cassandra-client'] === 'true' }).toEqual({ id, cassandra: 'CASSANDRA_PASSWORD' in env });
        expect({ id, redis: labels['vigil.dev/redis-client'] === 'true' }).toEqual({ id, redis: 'REDIS_URL' in env });
        expect({ id, http: labels['vigil.dev/http-api'] === 'true' }).toEqual({
          id,
          http: find(objects, 'HorizontalPodAutoscaler', o.metadata.name).length > 0,
        });
      }
    }
  });

  it('lets the ingress controller reach only the HTTP APIs, and Prometheus only the metrics port', () => {
    const objects = rendered[overlay];
    const api = one(objects, 'NetworkPolicy', 'vigil-allow-http-api');
    expect(api.spec.podSelector).toEqual({ matchLabels: { 'vigil.dev/http-api': 'true' } });
    expect(api.spec.ingress).toHaveLength(1);
    expect(api.spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 'http' }]);
    const ingressPolicies = find(objects, 'NetworkPolicy').filter((p) => p.spec.ingress && p.spec.podSelector.matchLabels?.['vigil.dev/tier']);
    for (const p of ingressPolicies) for (const rule of p.spec.ingress) expect(rule.ports).toEqual([{ protocol: 'TCP', port: 'http' }]);
  });
});

describe('the schemas catch mistakes (each mutation of a real object must fail)', () => {
  const mutate = (kind: string, name: string, change: (o: any) => void): string[] => {
    const o = JSON.parse(JSON.stringify(one(rendered.prod, kind, name)));
    change(o);
    return validator.validate(o);
  };

  it.each([
    [
      'Deployment',
      'ingest-api',
      'a misspelt probe field',
      (o: any) => (o.spec.template.spec.containers[0].readinessProbe.httpGet.paht = '/x'),
      /unknown field "paht"/,
    ],
    [
      'Deployment',
      'ingest-api',
      'a port that is not a number',
      (o: any) => (o.spec.template.spec.containers[0].ports[0].containerPort = '3000x'),
      /must be integer/,
    ],
    [
      'Deployment',
      'ingest-api',
      'a container without a name',
      (o: any) => delete o.spec.template.spec.containers[0].name,
      /must have required property 'name'/,
    ],
    ['Service', 'care-api', 'a port without its number', (o: any) => delete o.spec.ports[0].port, /must have required property 'port'/],
    ['NetworkPolicy', 'vigil-default-deny', 'an unknown policy type field', (o: any) => (o.spec.policyType = ['Ingress']), /unknown field "policyType"/],
    ['KafkaTopic', 'checkins-v1', 'zero partitions', (o: any) => (o.spec.partitions = 0), /must be >= 1/],
    ['KafkaTopic', 'checkins-v1', 'an unknown spec field', (o: any) => (o.spec.retention = '1d'), /unknown field "retention"/],
    ['Kafka', 'vigil', 'an unknown listener type', (o: any) => (o.spec.kafka.listeners[0].type = 'bogus'), /must be equal to one of the allowed values/],
    ['KafkaNodePool', 'broker', 'a pool without roles', (o: any) => delete o.spec.roles, /must have required property 'roles'/],
    ['KafkaUser', 'vigil-app', 'an ACL operation list that is not a list', (o: any) => (o.spec.authorization.acls[0].operations = 'Read'), /must be array/],
    ['ScaledObject', 'timeseries-writer', 'no triggers', (o: any) => delete o.spec.triggers, /must have required property 'triggers'/],
    [
      'TriggerAuthentication',
      'vigil-kafka',
      'a secret reference without its key',
      (o: any) => delete o.spec.secretTargetRef[0].key,
      /must have required property 'key'/,
    ],
    ['K8ssandraCluster', 'vigil', 'a datacenter without a size', (o: any) => delete o.spec.cassandra.datacenters[0].size, /must have required property 'size'/],
    ['K8ssandraCluster', 'vigil', 'a misspelt field', (o: any) => (o.spec.cassandra.serverVersionn = '5.0.6'), /unknown field "serverVersionn"/],
    ['Job', 'vigil-migrate', 'a bad metadata field', (o: any) => (o.metadata.labels = 'x'), /must be object/],
  ])('%s %s: %s', (kind, name, _what, change, expected) => {
    const problems = mutate(kind as string, name as string, change as (o: any) => void);
    expect(problems.join('\n')).toMatch(expected as RegExp);
  });

  it('an apiVersion or kind without a schema is an error, not a pass', () => {
    const o = { ...one(rendered.prod, 'Deployment', 'ingest-api'), apiVersion: 'apps/v1beta1' };
    expect(validator.validate(o)).toEqual([expect.stringMatching(/no schema/)]);
    expect(validator.validate({ apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'x' } })).toEqual([expect.stringMatching(/no schema/)]);
  });

  it('the custom resources of a CRD are checked for their metadata too', () => {
    const problems = mutate('KafkaTopic', 'checkins-v1', (o) => (o.metadata.labels = { a: 1 }));
    expect(problems.join('\n')).toMatch(/\/metadata\/labels\/a must be string/);
  });
});
