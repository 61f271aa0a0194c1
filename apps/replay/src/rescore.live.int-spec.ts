/**
 * "rescore equals the live scorer": the real risk-scorer runs as a child process (as deployed:
 * `node -r ./tools/register.js apps/risk-scorer/src/main.ts`) on its own topic prefix, keyspace and
 * group, model v1, engagement off. It consumes profiles and check-ins (each patient's in device-time
 * order, as a phone that is online sends them; plus an invalid check-in, a check-in published twice,
 * a patient never enrolled and a discharged one). Then `replay export` of what it published is
 * compared with `replay rescore` of the same range: the files must be byte-identical (same events,
 * ids, times, data, traceparents, order).
 */
import 'reflect-metadata';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allTopicSpecs, createEvent, EVENT_SOURCES, EVENT_TYPES, prefixedTopic, TOPICS, type RiskScoredData } from '@vigil/contracts';
import { committedLag, EventPublisher, type Kafka } from '@vigil/messaging';
import { consumeAll, createTestKeyspace, createTestTopics, deleteTestTopics, testKafka, uniquePrefix, waitFor, type TestKeyspace } from '@vigil/testing';
import { fixtureUuid, makeDataset } from './test/fixtures';
import { runReplay } from './test/io';

jest.setTimeout(240_000);

const ROOT = path.resolve(__dirname, '../../..');
const START = Date.UTC(2026, 0, 1);
const FROM = '2026-01-01T00:00:00Z';
const TO = '2026-01-09T00:00:00Z';

describe('rescore equals the live risk-scorer (child process)', () => {
  const prefix = uniquePrefix('rescore-live');
  const groupId = `risk-scorer-${randomBytes(4).toString('hex')}`;
  let kafka: Kafka;
  let ks: TestKeyspace;
  let dir: string;
  let scorer: ChildProcess | null = null;
  let scorerLog = '';
  const data = makeDataset({
    seed: 42,
    tenants: 2,
    patientsPerTenant: 5,
    start: START,
    days: 7,
    perDay: 2,
    runId: prefix.slice(2, -1),
    withoutProfile: [9],
    discharged: [4],
  });

  beforeAll(async () => {
    kafka = testKafka('rescore-live-it');
    [ks] = await Promise.all([createTestKeyspace('rescore_live'), createTestTopics(kafka, prefix, allTopicSpecs(), { partitions: 3 })]);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rescore-live-'));
  });

  afterAll(async () => {
    const child = scorer;
    if (child && child.exitCode === null && child.signalCode === null) {
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await closed;
      clearTimeout(timer);
    }
    await Promise.allSettled([deleteTestTopics(kafka, prefix, [groupId]), ks?.drop(), dir ? fs.rm(dir, { recursive: true, force: true }) : undefined]);
  });

  it('publishes the same risk.scored and alert.raised events that rescore computes', async () => {
    scorer = spawn(process.execPath, ['-r', './tools/register.js', 'apps/risk-scorer/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        TOPIC_PREFIX: prefix,
        CASSANDRA_KEYSPACE: ks.keyspace,
        KAFKA_GROUP_ID: groupId,
        KAFKA_TOPIC_PARTITIONS: '3',
        MODEL_VERSION: 'v1',
        ENGAGEMENT_ENABLED: 'false',
        REDIS_KEY_PREFIX: `${prefix}`,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        OTEL_SDK_DISABLED: 'true',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    scorer.stdout?.on('data', (c: Buffer) => void (scorerLog += c.toString()));
    scorer.stderr?.on('data', (c: Buffer) => void (scorerLog += c.toString()));

    const publisher = new EventPublisher(kafka, { topicPrefix: prefix });
    await publisher.connect();
    await publisher.publishMany(TOPICS.patients, data.profiles);
    const byPatient = new Map<string, typeof data.checkIns>();
    for (const e of data.checkIns) byPatient.set(e.subject, [...(byPatient.get(e.subject) ?? []), e]);
    // Each patient's check-ins in device-time order (one partition per patient keeps that order).
    for (const list of byPatient.values()) await publisher.publishMany(TOPICS.checkins, list);
    const first = data.checkIns[0];
    await publisher.publish(TOPICS.checkins, first); // a producer retry: the same event again
    const invalidId = fixtureUuid(`invalid:${prefix}`);
    await publisher.publish(
      TOPICS.checkins,
      createEvent({
        id: invalidId,
        source: EVENT_SOURCES.ingestApi,
        type: EVENT_TYPES.checkinReceived,
        subject: first.subject,
        tenantid: first.tenantid,
        time: '2026-01-08T12:00:00.000Z',
        data: { checkInId: invalidId, recordedAt: '2026-01-08T12:00:00.000Z', vitals: { spo2: 12 } },
      }),
    );
    await publisher.disconnect();

    const scored = data.checkIns.filter((e) => data.patients.find((p) => p.patientId === e.subject)?.profile);
    const live = await consumeAll(kafka, prefixedTopic(TOPICS.riskScores, prefix), { expected: scored.length, timeoutMs: 150_000 }).catch((e: Error) => {
      throw new Error(`${e.message}\nscorer log:\n${scorerLog.slice(-4000)}`);
    });
    expect(new Set(live.map((r) => (r.event!.data as RiskScoredData).checkInId)).size).toBe(scored.length);
    // The scorer has committed its work (and dead-lettered the invalid one) before we compare.
    let commitState = '';
    await waitFor(
      async () => {
        const admin = kafka.admin();
        await admin.connect();
        try {
          const [committed] = await admin.fetchOffsets({ groupId, topics: [prefixedTopic(TOPICS.checkins, prefix)] });
          const ends = await admin.fetchTopicOffsets(prefixedTopic(TOPICS.checkins, prefix));
          commitState = ends.map((e) => `p${e.partition} ${committed.partitions.find((p) => p.partition === e.partition)?.offset}/${e.high}`).join(', ');
          return committedLag(ends, committed.partitions) === 0;
        } finally {
          await admin.disconnect();
        }
      },
      120_000,
      { what: 'the scorer to commit every check-in', intervalMs: 500 },
    ).catch((e: Error) => {
      throw new Error(`${e.message}\ncommitted/end: ${commitState}\nscorer log:\n${scorerLog.slice(-4000)}`);
    });

    const env = { TOPIC_PREFIX: prefix, CASSANDRA_KEYSPACE: ks.keyspace };
    const run = async (argv: string[]) => {
      const r = await runReplay([...argv, '--progress', 'none'], env);
      if (r.code !== 0) throw new Error(`replay ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
      return r;
    };
    const f = (n: string) => path.join(dir, n);
    await run(['export', '--stream', 'scores', '--from', FROM, '--to', TO, '--out', f('live-scores.ndjson')]);
    await run(['export', '--stream', 'alerts', '--from', FROM, '--to', TO, '--out', f('live-alerts.ndjson')]);
    await run(['rescore', '--model', 'v1', '--no-engagement', '--from', FROM, '--to', TO, '--out', f('rescore')]);

    const liveScores = await fs.readFile(f('live-scores.ndjson'), 'utf8');
    const liveAlerts = await fs.readFile(f('live-alerts.ndjson'), 'utf8');
    expect(liveScores.split('\n').filter(Boolean)).toHaveLength(scored.length);
    expect(liveAlerts.split('\n').filter(Boolean).length).toBeGreaterThan(3);
    expect(await fs.readFile(f('rescore/risk-scores.ndjson'), 'utf8')).toBe(liveScores);
    expect(await fs.readFile(f('rescore/alerts.ndjson'), 'utf8')).toBe(liveAlerts);
    const summary = JSON.parse(await fs.readFile(f('rescore/summary.json'), 'utf8'));
    expect(summary).toMatchObject({ invalid: 1, duplicates: 1, patientsWithoutProfile: 1 });
    expect(summary.models[0].suppressedAlerts).toBeGreaterThan(0);
  });
});
