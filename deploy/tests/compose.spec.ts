/**
 * docker/compose.yaml without a Docker engine: `docker compose config` when the compose plugin is
 * installed, and always the official Compose Specification JSON schema (vendored); then the app
 * services against the truth in apps/ (port, health path, configuration schema) and against the
 * infrastructure services they depend on.
 */
import { cassandraEnv, kafkaEnv, redisEnv, z } from '@vigil/config';
import { spawnSync } from 'child_process';
import { existsSync, readdirSync } from 'fs';
import { join } from 'path';
import { appConfigSchema, appFacts, ROOT, SERVICES } from './lib/app-facts';
import { loadYamlDocuments } from './lib/kustomize';
import { compileVendored, explain } from './lib/schemas';

/* eslint-disable @typescript-eslint/no-explicit-any -- compose documents are plain JSON */

// Schema compilation and `kubectl kustomize` take seconds on a busy machine.
jest.setTimeout(120_000);

const COMPOSE = join(ROOT, 'docker', 'compose.yaml');
const composePlugin = spawnSync('docker', ['compose', 'version'], { encoding: 'utf8' }).status === 0;
const compose = loadYamlDocuments(COMPOSE)[0] as any;
const services = compose.services as Record<string, any>;

const envOf = (svc: any): Record<string, string> =>
  Array.isArray(svc.environment)
    ? Object.fromEntries((svc.environment as string[]).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
    : Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, String(v)]));
const dependsOn = (svc: any): Record<string, string> =>
  Array.isArray(svc.depends_on)
    ? Object.fromEntries((svc.depends_on as string[]).map((d) => [d, 'service_started']))
    : Object.fromEntries(Object.entries(svc.depends_on ?? {}).map(([k, v]) => [k, (v as { condition?: string }).condition ?? 'service_started']));
const appBuilt = (svc: any): string | undefined => svc.build?.args?.APP;

describe('docker/compose.yaml', () => {
  // `docker compose config` needs the compose plugin, which our machines lack; where it exists,
  // `npm run docker:config` runs it. The vendored Compose Specification schema always runs.
  it(`is valid against the Compose Specification schema${composePlugin ? '' : ' (the docker compose plugin is not installed here)'}`, () => {
    const { validate } = compileVendored('compose-spec.json');
    const ok = validate(compose);
    expect(ok ? [] : explain(validate)).toEqual([]);
  });

  it('the schema check does catch mistakes', () => {
    const { validate } = compileVendored('compose-spec.json');
    const broken = JSON.parse(JSON.stringify(compose));
    broken.services['ingest-api'].depends_on.kafka.conditon = 'service_healthy';
    expect(validate(broken)).toBe(false);
    const broken2 = JSON.parse(JSON.stringify(compose));
    broken2.services['ingest-api'].healthcheck.interval = 10;
    expect(validate(broken2)).toBe(false);
  });

  it('has the infrastructure (kafka, cassandra, redis) with health checks to wait on', () => {
    for (const infra of ['kafka', 'cassandra', 'redis']) {
      expect(services[infra]).toBeDefined();
      expect(services[infra].healthcheck?.test).toBeDefined();
    }
  });

  it('builds only apps that exist in apps/ (or the migrate CLI), all from docker/Dockerfile', () => {
    const apps = new Set(readdirSync(join(ROOT, 'apps')));
    for (const [name, svc] of Object.entries(services)) {
      if (!svc.build) continue;
      expect({ name, dockerfile: svc.build.dockerfile, context: svc.build.context }).toEqual({ name, dockerfile: 'docker/Dockerfile', context: '..' });
      const app = appBuilt(svc)!;
      expect(app === 'migrate' || apps.has(app)).toBe(true);
      if (app !== 'migrate') expect(existsSync(join(ROOT, 'apps', app))).toBe(true);
    }
  });

  it('runs the migrations as a one-shot service before the services that use Cassandra', () => {
    const [migrateName, migrate] = Object.entries(services).find(([, s]) => appBuilt(s) === 'migrate')!;
    expect(migrate.restart ?? 'no').toBe('no');
    expect(dependsOn(migrate)).toMatchObject({ cassandra: 'service_healthy' });
    const env = envOf(migrate);
    expect(z.object(cassandraEnv).safeParse(env).success).toBe(true);
    for (const [name, svc] of Object.entries(services)) {
      if (svc === migrate || !('CASSANDRA_CONTACT_POINTS' in envOf(svc))) continue;
      expect({ name, migrate: dependsOn(svc)[migrateName] }).toEqual({ name, migrate: 'service_completed_successfully' });
      expect(envOf(svc)['CASSANDRA_KEYSPACE']).toBe(env['CASSANDRA_KEYSPACE']);
    }
  });

  describe.each(SERVICES.map((s) => [s]))('%s', (name) => {
    const facts = appFacts(name);
    const svc = services[name];

    it(`exists, built from apps/${name}, on the port it serves (${facts.portSource})`, () => {
      expect(svc).toBeDefined();
      expect(appBuilt(svc)).toBe(name);
      expect(String(svc.build.args.PORT)).toBe(String(facts.port));
      const env = envOf(svc);
      expect(env['PORT']).toBe(String(facts.port));
      const published = (svc.ports as string[]).map((p) => Number(String(p).split(':').pop()));
      expect(published).toEqual([facts.port]);
    });

    it(`is healthy on a health path it serves (${facts.healthSource})`, () => {
      const test = (svc.healthcheck.test as string[]).join(' ');
      const path = /\/health\/(live|ready)/.exec(test)?.[0];
      expect(path).toBeDefined();
      expect(facts.healthPaths).toContain(path);
    });

    it('reaches Kafka, Cassandra and Redis where compose runs them, after they are healthy', () => {
      const env = envOf(svc);
      const deps = dependsOn(svc);
      if (env['KAFKA_BROKERS']) {
        // The address the broker advertises to containers (PLAINTEXT://kafka:19092 in the infra service).
        const advertised = String(envOf(services['kafka'])['KAFKA_ADVERTISED_LISTENERS'] ?? '')
          .split(',')
          .map((l) => l.replace(/^[A-Z_]+:\/\//, ''));
        expect(advertised).toContain(env['KAFKA_BROKERS']);
        expect(deps['kafka']).toBe('service_healthy');
      }
      if (env['CASSANDRA_CONTACT_POINTS']) {
        expect(env['CASSANDRA_CONTACT_POINTS']).toBe('cassandra:9042');
        expect(deps['cassandra']).toBe('service_healthy');
      }
      if (env['REDIS_URL']) {
        expect(env['REDIS_URL']).toBe('redis://redis:6379');
        expect(deps['redis']).toBe('service_healthy');
      }
    });

    it("passes the service's own configuration schema", () => {
      const env = envOf(svc);
      const schema = appConfigSchema(name) ?? z.object({ ...kafkaEnv, ...cassandraEnv, ...redisEnv });
      const result = schema.safeParse(env);
      expect(result.success ? [] : result.error!.issues.map((i) => `${i.path.map(String).join('.')}: ${i.message}`)).toEqual([]);
    });
  });
});
