/**
 * deploy/dcos without a DC/OS cluster: the Marathon group against Marathon's own JSON schemas
 * (Group.json + AppDefinition.json, vendored), the migration job against Metronome's job schema,
 * and each app against the truth in apps/ (port, health paths, configuration schema).
 */
import { cassandraEnv, kafkaEnv, redisEnv, z } from '@vigil/config';
import { readFileSync } from 'fs';
import { join } from 'path';
import { appConfigSchema, appFacts, CONSUMERS, HEALTH_LIVE, HEALTH_READY, HTTP_APIS, ROOT, SERVICES } from './lib/app-facts';
import { compileVendored, explain } from './lib/schemas';

/* eslint-disable @typescript-eslint/no-explicit-any -- Marathon documents are plain JSON */

// Schema compilation and `kubectl kustomize` take seconds on a busy machine.
jest.setTimeout(120_000);

const group = JSON.parse(readFileSync(join(ROOT, 'deploy', 'dcos', 'vigil-group.json'), 'utf8'));
const job = JSON.parse(readFileSync(join(ROOT, 'deploy', 'dcos', 'migrate-job.json'), 'utf8'));

/** Marathon env: strings, or { secret } references to the app's `secrets`. */
function envOf(app: any): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(app.env ?? {})) {
    if (typeof v === 'string') out[k] = v;
    else {
      const ref = (v as { secret: string }).secret;
      expect({ variable: k, declared: ref in (app.secrets ?? {}) }).toEqual({ variable: k, declared: true });
      out[k] = k === 'REDIS_URL' ? 'redis://redis.example:6379' : 'secret-from-store';
    }
  }
  return out;
}

describe('deploy/dcos', () => {
  it("the group is valid against Marathon's Group and AppDefinition schemas", () => {
    const { validate } = compileVendored('marathon-Group.json', [{ file: 'marathon-AppDefinition.json', ref: './AppDefinition.json' }]);
    expect(validate(group) ? [] : explain(validate)).toEqual([]);
  });

  it('the schema check does catch mistakes', () => {
    const { validate } = compileVendored('marathon-Group.json', [{ file: 'marathon-AppDefinition.json', ref: './AppDefinition.json' }]);
    const broken = JSON.parse(JSON.stringify(group));
    broken.apps[0].healthChecks[0].protocl = 'HTTP';
    expect(validate(broken)).toBe(false);
    const broken2 = JSON.parse(JSON.stringify(group));
    broken2.apps[0].instances = 'two';
    expect(validate(broken2)).toBe(false);
  });

  it("the migration job is valid against Metronome's job schema and runs the migrate image", () => {
    const { validate } = compileVendored('metronome-JobSpec.json');
    expect(validate(job) ? [] : explain(validate)).toEqual([]);
    expect(job.run.docker.image).toMatch(/\/vigil\/migrate:[\w.-]+$/);
    const env = envOf(job.run);
    expect(z.object(cassandraEnv).safeParse(env).success).toBe(true);
    expect(job.run.restart.policy).toBe('ON_FAILURE');
  });

  it('runs every service as one group, and nothing that is not in apps/', () => {
    const ids = group.apps.map((a: any) => a.id).sort();
    expect(ids).toEqual(SERVICES.map((s) => `${group.id}/${s}`).sort());
  });

  it('production replication and consistency, as on Kubernetes', () => {
    for (const app of group.apps) {
      const env = envOf(app);
      if (!env['CASSANDRA_CONTACT_POINTS']) continue;
      const replication = JSON.parse(env['CASSANDRA_REPLICATION']);
      expect(replication).toEqual({ class: 'NetworkTopologyStrategy', [env['CASSANDRA_LOCAL_DC']]: 3 });
      expect([env['CASSANDRA_READ_CONSISTENCY'], env['CASSANDRA_WRITE_CONSISTENCY']]).toEqual(['LOCAL_QUORUM', 'LOCAL_QUORUM']);
      expect(envOf(job.run)['CASSANDRA_REPLICATION']).toBe(env['CASSANDRA_REPLICATION']);
    }
  });

  describe.each(SERVICES.map((s) => [s]))('%s', (name) => {
    const facts = appFacts(name);
    const app = group.apps.find((a: any) => a.id === `${group.id}/${name}`);

    it(`serves its port, and Marathon checks the health paths it serves (${facts.portSource}; ${facts.healthSource})`, () => {
      const mappings = app.container.portMappings;
      expect(mappings).toHaveLength(1);
      expect(mappings[0]).toMatchObject({ name: 'http', containerPort: facts.port });
      expect(envOf(app)['PORT']).toBe(String(facts.port));
      expect(app.healthChecks).toEqual([expect.objectContaining({ protocol: 'MESOS_HTTP', path: HEALTH_LIVE, portIndex: 0 })]);
      expect(app.readinessChecks).toEqual([expect.objectContaining({ protocol: 'HTTP', path: HEALTH_READY, portName: 'http' })]);
      expect(facts.healthPaths).toEqual(expect.arrayContaining([HEALTH_LIVE, HEALTH_READY]));
      expect(app.container.docker.image).toMatch(new RegExp(`/vigil/${name}:[\\w.-]+$`));
    });

    it('upgrades without losing capacity or in-flight work', () => {
      expect(app.instances).toBeGreaterThanOrEqual(2);
      expect(app.upgradeStrategy.minimumHealthCapacity).toBe(1);
      expect(app.taskKillGracePeriodSeconds * 1000).toBeGreaterThan(Number(envOf(app)['SHUTDOWN_GRACE_MS'] ?? 10_000));
      expect(app.labels['vigil.dev/role']).toBe(HTTP_APIS.includes(name) ? 'api' : CONSUMERS.includes(name) ? 'consumer' : undefined);
    });

    it("passes the service's own configuration schema", () => {
      const env = envOf(app);
      const schema = appConfigSchema(name) ?? z.object({ ...kafkaEnv, ...cassandraEnv, ...redisEnv });
      const result = schema.safeParse(env);
      expect(result.success ? [] : result.error!.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`)).toEqual([]);
    });
  });
});
