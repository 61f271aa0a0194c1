/**
 * The whole Vigil pipeline for e2e tests, on the shared Kafka / Cassandra / Redis but isolated per
 * run: own topics (TOPIC_PREFIX), a fresh migrated keyspace, own Redis key prefix, own consumer
 * groups, own organisation. ingest-api -> checkins.v1 -> risk-scorer and timeseries-writer ->
 * alerts.v1 / Cassandra -> care-api (REST, SSE, and the built dashboard at /dashboard).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { DEV_HS256_SECRET, mintToken } from '@vigil/auth';
import type { CheckIn, PatientProfile, Role } from '@vigil/contracts';
import {
  createTestKeyspace,
  createTestTopics,
  deleteRedisPrefix,
  deleteTestTopics,
  freePort,
  testKafka,
  type TestKeyspace,
  uniquePrefix,
  uniqueRedisPrefix,
} from '@vigil/testing';
import { ServiceProcess } from './service-process';

export interface VigilStack {
  org: string;
  topicPrefix: string;
  keyspace: TestKeyspace;
  ingest: ServiceProcess;
  scorer: ServiceProcess;
  writer: ServiceProcess;
  care: ServiceProcess;
  token(role: Role, sub: string, teams?: string[]): Promise<string>;
  /** PUT /v1/patients/{id} as a care admin. */
  enrol(patientId: string, profile: Partial<Omit<PatientProfile, 'patientId' | 'tenantId'>> & { careTeamId: string }): Promise<void>;
  /** POST /v1/check-ins as the patient; returns the checkInId. */
  checkIn(patientId: string, body: Partial<CheckIn>): Promise<string>;
  close(): Promise<void>;
}

export interface StackOptions {
  /** Started only once this resolves (e.g. the dashboard build care-api serves). */
  careApiAfter?: Promise<unknown>;
  /** Extra environment per service. */
  env?: Partial<Record<'ingest' | 'scorer' | 'writer' | 'care', Record<string, string>>>;
  /** Extra environment for all four services (the per-service `env` wins over it). */
  envAll?: Record<string, string>;
  /** A cluster's settings (infra.sh --nodes 3 env): topics and keyspace created with its replication. Default one node. */
  replication?: { kafka: number; cassandra: string };
  /** stdout + stderr kept per service (ServiceProcess `outputLimitChars`; default 20,000). */
  outputLimitChars?: number;
}

export async function startVigilStack(label: string, opts: StackOptions = {}): Promise<VigilStack> {
  const topicPrefix = uniquePrefix(label);
  const redisPrefix = uniqueRedisPrefix(label);
  const run = randomBytes(3).toString('hex');
  const org = `org-${label}-${run}`;
  const kafka = testKafka(`${label}-setup`);
  const [keyspace, ports] = await Promise.all([
    createTestKeyspace(label, opts.replication ? { CASSANDRA_REPLICATION: opts.replication.cassandra } : {}),
    Promise.all([freePort(), freePort(), freePort(), freePort()]),
    createTestTopics(kafka, topicPrefix, undefined, opts.replication ? { replicationFactor: opts.replication.kafka } : {}),
  ]);
  const common: Record<string, string> = {
    TOPIC_PREFIX: topicPrefix,
    KAFKA_ENSURE_TOPICS: 'false',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    CASSANDRA_CONTACT_POINTS: process.env['CASSANDRA_CONTACT_POINTS'] ?? '127.0.0.1:9042',
    CASSANDRA_KEYSPACE: keyspace.keyspace,
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    REDIS_KEY_PREFIX: redisPrefix,
    AUTH_HS256_SECRET: DEV_HS256_SECRET,
    AUTH_DEV_MODE: 'true',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'test',
    ...opts.envAll,
  };
  const processOpts = { outputLimitChars: opts.outputLimitChars };
  const [pIngest, pScorer, pWriter, pCare] = ports.map(String);
  const ingest = new ServiceProcess('ingest-api', 'apps/ingest-api/src/main.ts', { ...common, PORT: pIngest, ...opts.env?.ingest }, processOpts);
  const scorer = new ServiceProcess(
    'risk-scorer',
    'apps/risk-scorer/src/main.ts',
    {
      ...common,
      PORT: pScorer,
      KAFKA_GROUP_ID: `${label}-scorer-${run}`,
      // Time-driven "no check-in" alerts are not what these tests look at.
      ENGAGEMENT_ENABLED: 'false',
      ...opts.env?.scorer,
    },
    processOpts,
  );
  const writer = new ServiceProcess(
    'timeseries-writer',
    'apps/timeseries-writer/src/main.ts',
    {
      ...common,
      PORT: pWriter,
      WRITER_GROUP_ID: `${label}-writer-${run}`,
      ...opts.env?.writer,
    },
    processOpts,
  );
  const care = new ServiceProcess(
    'care-api',
    'apps/care-api/src/main.ts',
    { ...common, PORT: pCare, KAFKA_GROUP_ID: `${label}-care-${run}`, ...opts.env?.care },
    processOpts,
  );

  const services = [ingest, scorer, writer, care];
  const close = async () => {
    // Graceful (bounded): the consumers leave their groups, so the groups can be deleted below.
    await Promise.all(services.map((s) => s.stop(5000).catch(() => undefined)));
    await Promise.all([
      deleteTestTopics(kafka, topicPrefix, [scorer.env['KAFKA_GROUP_ID'], writer.env['WRITER_GROUP_ID'], care.env['KAFKA_GROUP_ID']]).catch(() => undefined),
      deleteRedisPrefix(redisPrefix).catch(() => undefined),
      keyspace.drop().catch(() => undefined),
    ]);
  };
  try {
    await Promise.all([ingest.start(), scorer.start(), writer.start(), (async () => (await opts.careApiAfter, await care.start()))()]);
  } catch (e) {
    await close();
    throw e;
  }

  const token = (role: Role, sub: string, teams?: string[]) =>
    mintToken({ sub, role, org, ...(teams ? { teams } : {}) }, { secret: DEV_HS256_SECRET, expiresIn: '2h' });

  return {
    org,
    topicPrefix,
    keyspace,
    ingest,
    scorer,
    writer,
    care,
    token,
    async enrol(patientId, profile) {
      // An admin of the patient's team; the team is registered first (idempotent).
      const adminToken = await token('care-admin', 'admin-e2e', [profile.careTeamId]);
      const team = await fetch(`${care.url}/v1/teams/${encodeURIComponent(profile.careTeamId)}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: profile.careTeamId }),
      });
      if (team.status >= 300) throw new Error(`register team ${profile.careTeamId}: ${team.status} ${await team.text()}`);
      const res = await fetch(`${care.url}/v1/patients/${encodeURIComponent(patientId)}`, {
        method: 'PUT',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ conditions: [], news2SpO2Scale: 1, ...profile }),
      });
      if (res.status >= 300) throw new Error(`enrol ${patientId}: ${res.status} ${await res.text()}`);
    },
    async checkIn(patientId, body) {
      const checkInId = body.checkInId ?? randomUUID();
      const res = await fetch(`${ingest.url}/v1/check-ins`, {
        method: 'POST',
        headers: { authorization: `Bearer ${await token('patient', patientId)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ recordedAt: new Date().toISOString(), ...body, checkInId }),
      });
      if (res.status !== 202) throw new Error(`check-in for ${patientId}: ${res.status} ${await res.text()}`);
      return checkInId;
    },
    close,
  };
}
