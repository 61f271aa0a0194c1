/**
 * The alert path as real processes, for e2e/care-alerts.e2e-spec.ts and bench/e2e.bench.ts:
 * ingest-api, risk-scorer and care-api started with `node -r ./tools/register.js apps/<x>/src/main.ts`
 * on a fresh keyspace, topic prefix, Redis prefix and consumer groups (nothing shared with other runs).
 */
import { mintToken } from '@vigil/auth';
import { allTopicSpecs, Role } from '@vigil/contracts';
import {
  createTestKeyspace,
  createTestTopics,
  deleteRedisPrefix,
  deleteTestTopics,
  freePort,
  testKafka,
  TestKeyspace,
  uniquePrefix,
  uniqueRedisPrefix,
} from '@vigil/testing';
import { ServiceProcess } from './support/service-process';

export { REPO_ROOT } from './support/service-process';
export const STACK_SECRET = 'vigil-e2e-care-stack-secret-0123456789abcdef';
export const STACK_ISSUER = 'vigil-e2e';
export const STACK_AUDIENCE = 'vigil';

export type ServiceName = 'ingest-api' | 'risk-scorer' | 'care-api';

/** All of a service's output is kept (LOG_LEVEL warn): the benchmark counts its warnings. */
const KEEP_OUTPUT = { outputLimitChars: 5_000_000 };
const STOP_GRACE_MS = 15_000;

const service = (name: ServiceName, label: string, env: Record<string, string>, nodeBinary?: string): ServiceProcess =>
  new ServiceProcess(label, `apps/${name}/src/main.ts`, env, { ...KEEP_OUTPUT, ...(nodeBinary ? { nodeBinary } : {}) });

export interface CareStack {
  prefix: string;
  redisPrefix: string;
  ks: TestKeyspace;
  ingest: ServiceProcess;
  scorer: ServiceProcess;
  cares: ServiceProcess[];
  token(sub: string, role: Role, org: string, teams?: string[]): Promise<string>;
  /** PUT /v1/patients/{id} on the first care-api as a care-admin of `org`. */
  enrol(org: string, patientId: string, careTeamId: string): Promise<number>;
  stop(): Promise<void>;
}

export interface StackOptions {
  label: string;
  careInstances?: number;
  partitions?: number;
  env?: Partial<Record<ServiceName, Record<string, string>>>;
  /** The node binary the services run on (default: the pinned one running this process). */
  nodeBinary?: string;
}

export async function startCareStack(opts: StackOptions): Promise<CareStack> {
  const prefix = uniquePrefix(opts.label);
  const redisPrefix = uniqueRedisPrefix(opts.label);
  const kafka = testKafka(`${opts.label}-admin`);
  const partitions = opts.partitions ?? 3;
  const ports = await Promise.all(Array.from({ length: 2 + (opts.careInstances ?? 1) }, freePort));
  const base: Record<string, string> = {
    NODE_ENV: 'test',
    OTEL_SDK_DISABLED: 'true',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    CASSANDRA_CONTACT_POINTS: process.env['CASSANDRA_CONTACT_POINTS'] ?? '127.0.0.1:9042',
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    TOPIC_PREFIX: prefix,
    KAFKA_TOPIC_PARTITIONS: String(partitions),
    REDIS_KEY_PREFIX: redisPrefix,
    AUTH_HS256_SECRET: STACK_SECRET,
    AUTH_DEV_MODE: 'true',
    AUTH_ISSUER: STACK_ISSUER,
    AUTH_AUDIENCE: STACK_AUDIENCE,
  };
  // ingest-api needs neither the keyspace nor the topics to start loading: it starts first (process
  // start-up is the slow part on a busy machine).
  const ingest = service(
    'ingest-api',
    'ingest-api',
    { ...base, PORT: String(ports[0]), RATE_LIMIT_PER_MINUTE: '100000', KAFKA_ENSURE_TOPICS: 'false', ...opts.env?.['ingest-api'] },
    opts.nodeBinary,
  );
  const ingestReady = ingest.start();
  ingestReady.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
  let ks: TestKeyspace;
  try {
    [ks] = await Promise.all([createTestKeyspace(opts.label.replace(/-/g, '_')), createTestTopics(kafka, prefix, allTopicSpecs(), { partitions })]);
  } catch (e) {
    // Stopped at once, not after it is ready (up to 2 minutes); its start() then settles within a poll.
    await ingest.stop(STOP_GRACE_MS);
    await ingestReady.catch(() => undefined);
    throw e;
  }
  const common: Record<string, string> = { ...base, CASSANDRA_KEYSPACE: ks.keyspace };
  const groups = { scorer: `risk-scorer-${prefix}`, care: `care-api-${prefix}` };
  const scorer = service(
    'risk-scorer',
    'risk-scorer',
    { ...common, PORT: String(ports[1]), KAFKA_GROUP_ID: groups.scorer, ENGAGEMENT_ENABLED: 'false', ...opts.env?.['risk-scorer'] },
    opts.nodeBinary,
  );
  const cares = ports
    .slice(2)
    .map((port, i) =>
      service(
        'care-api',
        `care-api-${i + 1}`,
        { ...common, PORT: String(port), KAFKA_GROUP_ID: groups.care, KAFKA_ENSURE_TOPICS: 'false', RATE_LIMIT_REQUESTS: '100000', ...opts.env?.['care-api'] },
        opts.nodeBinary,
      ),
    );
  const all = [ingest, scorer, ...cares];
  const stop = async () => {
    await Promise.all(all.map((s) => s.stop(STOP_GRACE_MS)));
    await Promise.all([
      deleteTestTopics(kafka, prefix, [groups.scorer, groups.care]).catch(() => undefined),
      deleteRedisPrefix(redisPrefix).catch(() => undefined),
      ks.drop().catch(() => undefined),
    ]);
  };
  try {
    await Promise.all([ingestReady, scorer.start(), ...cares.map((c) => c.start())]);
  } catch (e) {
    await stop();
    throw e;
  }
  const token = (sub: string, role: Role, org: string, teams?: string[]) =>
    mintToken({ sub, role, org, teams }, { secret: STACK_SECRET, issuer: STACK_ISSUER, audience: STACK_AUDIENCE, expiresIn: '1h' });
  const teamsRegistered = new Map<string, Promise<number>>();
  const registerTeam = async (teamId: string, adminToken: string): Promise<number> => {
    const r = await fetch(`${cares[0].url}/v1/teams/${encodeURIComponent(teamId)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: teamId }),
    });
    await r.text();
    return r.status;
  };
  return {
    prefix,
    redisPrefix,
    ks,
    ingest,
    scorer,
    cares,
    token,
    async enrol(org, patientId, careTeamId) {
      const t = await token(`admin-${org}`, 'care-admin', org, [careTeamId]);
      // Patients are enrolled only into registered teams (idempotent; once per team and run).
      const registered = teamsRegistered.get(`${org}/${careTeamId}`) ?? registerTeam(careTeamId, t);
      teamsRegistered.set(`${org}/${careTeamId}`, registered);
      const teamStatus = await registered;
      if (teamStatus >= 300) return teamStatus;
      const r = await fetch(`${cares[0].url}/v1/patients/${encodeURIComponent(patientId)}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
        body: JSON.stringify({ careTeamId, conditions: ['heart-failure'], news2SpO2Scale: 1, dryWeightKg: 80 }),
      });
      await r.text();
      return r.status;
    },
    stop,
  };
}

/** A check-in that raises a critical alert (chest pain with a red flag), recorded `minutesAgo` minutes ago. */
export function alertingCheckIn(checkInId: string, recordedAt: Date): Record<string, unknown> {
  return {
    checkInId,
    recordedAt: recordedAt.toISOString(),
    vitals: { heartRate: 88, spo2: 95, systolicBp: 132, diastolicBp: 84 },
    symptoms: { chestPain: true, breathlessness: 3 },
  };
}
