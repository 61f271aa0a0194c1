/**
 * replay against the real servers (Kafka 127.0.0.1:9092, Cassandra :9042): one topic prefix and one
 * keyspace for the file. Check-ins go to Kafka in shuffled order (late arrivals), with one event
 * published twice and some outside the range; the same check-ins are written to the archive as
 * timeseries-writer writes them. The CLI runs in-process (runCli), as `replay ...` would.
 */
import 'reflect-metadata';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { allTopicSpecs, prefixedTopic, TOPICS, type CheckIn, type VigilEvent } from '@vigil/contracts';
import { createTopic, EventPublisher, fetchTopicWatermarks, topicRetentionMs, type Kafka } from '@vigil/messaging';
import { CheckInArchiveRepository } from '@vigil/storage';
import { consumeAll, createTestKeyspace, createTestTopics, deleteTestTopics, testKafka, uniquePrefix, waitFor, type TestKeyspace } from '@vigil/testing';
import { eventInstant, serializeEvent } from './events/events';
import { makeDataset, shuffled, toArchived } from './test/fixtures';
import { runReplay } from './test/io';

jest.setTimeout(120_000);

const START = Date.UTC(2026, 0, 1);
const FROM = '2026-01-02T00:00:00Z';
const TO = '2026-01-06T00:00:00Z';
const inRange = (e: VigilEvent) => eventInstant(e) >= Date.parse(FROM) && eventInstant(e) < Date.parse(TO);

describe('replay (Kafka, Cassandra)', () => {
  const prefix = uniquePrefix('replay');
  let kafka: Kafka;
  let ks: TestKeyspace;
  let dir: string;
  let env: Record<string, string>;
  const data = makeDataset({
    seed: 7,
    tenants: 2,
    patientsPerTenant: 4,
    start: START,
    days: 7,
    perDay: 2,
    runId: prefix.slice(2, -1),
    withoutProfile: [7],
    discharged: [5],
  });
  const groups: string[] = [];

  beforeAll(async () => {
    kafka = testKafka('replay-it');
    [ks] = await Promise.all([createTestKeyspace('replay'), createTestTopics(kafka, prefix, allTopicSpecs(), { partitions: 3 })]);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'replay-it-'));
    env = { TOPIC_PREFIX: prefix, CASSANDRA_KEYSPACE: ks.keyspace, KAFKA_REPLICATION_FACTOR: '1' };
    const publisher = new EventPublisher(kafka, { topicPrefix: prefix });
    await publisher.connect();
    // Arrival order is not device-time order; one check-in is published twice (a producer retry).
    const order = shuffled(data.checkIns, 11);
    await publisher.publishMany(TOPICS.patients, data.profiles);
    await publisher.publishMany(TOPICS.checkins, order);
    await publisher.publish(TOPICS.checkins, data.checkIns.filter(inRange)[3]);
    await publisher.disconnect();
    await new CheckInArchiveRepository(ks.client, ks.keyspace).write(data.checkIns.map((e) => toArchived(e)));
  });

  afterAll(async () => {
    await Promise.allSettled([deleteTestTopics(kafka, prefix, groups), ks?.drop(), dir ? fs.rm(dir, { recursive: true, force: true }) : undefined]);
  });

  const file = (name: string) => path.join(dir, name);
  const read = (name: string) => fs.readFile(file(name), 'utf8');
  const replay = async (argv: string[]) => {
    const r = await runReplay([...argv, '--progress', 'none'], env);
    if (r.code !== 0) throw new Error(`replay ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };

  it('export from Kafka gives back what was produced in the range: sorted, once each, byte-identical run after run', async () => {
    await replay(['export', '--from', FROM, '--to', TO, '--source', 'kafka', '--out', file('k1.ndjson')]);
    const expected = data.checkIns
      .filter(inRange)
      .sort((a, b) =>
        a.tenantid < b.tenantid ? -1 : a.tenantid > b.tenantid ? 1 : a.subject < b.subject ? -1 : a.subject > b.subject ? 1 : eventInstant(a) - eventInstant(b),
      )
      .map(serializeEvent);
    expect(expected.length).toBeGreaterThan(40);
    expect((await read('k1.ndjson')).trimEnd().split('\n')).toEqual(expected);

    await replay(['export', '--from', FROM, '--to', TO, '--source', 'kafka', '--out', file('k2.ndjson')]);
    expect(await read('k2.ndjson')).toBe(await read('k1.ndjson'));
    await replay(['export', '--from', FROM, '--to', TO, '--source', 'kafka', '--gzip', '--out', file('k3.ndjson')]);
    await replay(['export', '--from', FROM, '--to', TO, '--source', 'kafka', '--out', file('k4.ndjson.gz')]);
    const gz3 = await fs.readFile(file('k3.ndjson.gz'));
    expect((await fs.readFile(file('k4.ndjson.gz'))).equals(gz3)).toBe(true);
    expect(gunzipSync(gz3).toString()).toBe(await read('k1.ndjson'));
  });

  it('the archive export of the same range is byte-identical to the Kafka export; auto picks Kafka', async () => {
    await replay(['export', '--from', FROM, '--to', TO, '--source', 'archive', '--out', file('a1.ndjson')]);
    expect(await read('a1.ndjson')).toBe(await read('k1.ndjson'));
    const auto = await replay(['export', '--from', FROM, '--to', TO, '--out', file('auto.ndjson')]);
    expect(auto.stderr).toContain('from kafka');
    // Filters: one tenant's two patients, through the per-patient archive read and through Kafka.
    const [p1, p2] = data.patients.slice(1, 3);
    const filter = ['--tenant', p1.tenantId, '--patient', `${p1.patientId},${p2.patientId}`];
    await replay(['export', '--from', FROM, '--to', TO, '--source', 'archive', ...filter, '--out', file('af.ndjson')]);
    await replay(['export', '--from', FROM, '--to', TO, '--source', 'kafka', ...filter, '--out', file('kf.ndjson')]);
    const filtered = await read('af.ndjson');
    expect(filtered).toBe(await read('kf.ndjson'));
    expect(
      filtered
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l).subject as string)
        .every((s) => s === p1.patientId || s === p2.patientId),
    ).toBe(true);
  });

  it('reads without leaving a consumer group or committing offsets', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const { groups: all } = await admin.listGroups();
      expect(all.filter((g) => g.groupId.startsWith('vigil-replay'))).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });

  it('rescore is deterministic and gives the same files from Kafka and from the archive; compare runs', async () => {
    const args = ['--model', 'v1', '--from', FROM, '--to', TO, '--warmup', '1d'];
    const r1 = await replay(['rescore', ...args, '--source', 'kafka', '--out', file('r1')]);
    await replay(['rescore', ...args, '--source', 'kafka', '--out', file('r2')]);
    await replay(['rescore', ...args, '--source', 'archive', '--out', file('r3')]);
    for (const name of ['risk-scores.ndjson', 'alerts.ndjson']) {
      const a = await read(`r1/${name}`);
      expect(a.length).toBeGreaterThan(0);
      expect(await read(`r2/${name}`)).toBe(a);
      expect(await read(`r3/${name}`)).toBe(a);
    }
    expect(await read('r2/summary.json')).toBe(await read('r1/summary.json'));
    const summary = JSON.parse(await read('r1/summary.json'));
    const scoredPatients = data.patients.filter((p) => p.profile).length;
    expect(summary).toMatchObject({ source: 'kafka', profiles: 'kafka', duplicates: 1, patientsWithoutProfile: 1 });
    expect(summary.models[0]).toMatchObject({ modelVersion: 'v1', patientsScored: scoredPatients });
    const warmupFrom = Date.parse(FROM) - 86_400_000;
    const readRange = data.checkIns.filter((e) => eventInstant(e) >= warmupFrom && eventInstant(e) < Date.parse(TO));
    expect(summary.checkInsRead).toBe(readRange.length + 1);
    expect(summary.warmupCheckIns).toBe(readRange.filter((e) => !inRange(e)).length);
    expect(r1.stdout).toMatch(/rule\s+severity\s+alerts\s+per 100 patient-days/);

    const c = await replay(['compare', '--a', 'static-v0', '--b', 'v1', '--from', FROM, '--to', TO, '--out', file('cmp')]);
    expect(c.stdout).toContain('lead time of the first alert');
    const cmp = JSON.parse(await read('cmp/summary.json'));
    const lines = async (n: string) => (await read(`cmp/${n}`)).split('\n').filter(Boolean).length;
    expect(await lines('only-static-v0.ndjson')).toBe(cmp.comparison.onlyA);
    expect(await lines('only-v1.ndjson')).toBe(cmp.comparison.onlyB);
    expect(await lines('both.ndjson')).toBe(cmp.comparison.both);
    expect(cmp.models.map((m: { alerts: number }) => m.alerts)).toEqual([
      cmp.comparison.onlyA + cmp.comparison.both,
      cmp.comparison.onlyB + cmp.comparison.both,
    ]);

    // v1 against v2 (issue 17): runs, and shows v2's alert updates (v1 has none).
    const v2 = await replay(['compare', '--a', 'v1', '--b', 'v2', '--from', FROM, '--to', TO, '--out', file('cmp-v2')]);
    expect(v2.stdout).toContain('lead time of the first alert');
    expect(v2.stdout).toMatch(/model v2: .*\n(.*\n)*alert updates \(v2 consolidation\): \d+/);
    const cmpV2 = JSON.parse(await read('cmp-v2/summary.json'));
    expect(cmpV2.models.map((m: { modelVersion: string }) => m.modelVersion)).toEqual(['v1', 'v2']);
    expect(cmpV2.models[0]).toMatchObject({ updates: 0, interruptingUpdates: 0 });
    expect(cmpV2.models[1].updates).toBeGreaterThanOrEqual(cmpV2.models[1].interruptingUpdates);
  });

  it('republish refuses production topics and keeps to its rate, preserving ids, keys and times', async () => {
    const refused = await runReplay(['republish', '--to-topic', prefixedTopic(TOPICS.checkins, prefix), '--from', FROM, '--to', TO], env);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('production topic name');

    const sandbox = `${prefix}sandbox.checkins.v1`;
    const rate = 40;
    const started = Date.now();
    const r = await replay(['republish', '--input', file('k1.ndjson'), '--to-topic', sandbox, '--create-topic', '--rate', String(rate)]);
    const elapsed = (Date.now() - started) / 1000;
    const sent = (await read('k1.ndjson'))
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as VigilEvent<CheckIn>);
    expect(JSON.parse(r.stdout)).toMatchObject({ topic: sandbox, published: sent.length });
    // The batch that starts after k events leaves no earlier than k / rate seconds (batches of 2 at 40/s).
    expect(elapsed).toBeGreaterThanOrEqual((sent.length - 2) / rate);
    const back = await consumeAll(kafka, sandbox, { expected: sent.length, timeoutMs: 60_000 }); // generous: a starved CI once took over 30 s
    expect(back).toHaveLength(sent.length);
    const byId = new Map(sent.map((e) => [e.id, e]));
    for (const rec of back) {
      const original = byId.get(rec.event!.id)!;
      expect(rec.key).toBe(original.subject);
      expect(rec.timestamp).toBe(String(Date.parse(original.time)));
      expect(serializeEvent(rec.event!)).toBe(serializeEvent(original));
    }
    // The created topic keeps its records however old their times (retention counts from them).
    expect(await topicRetentionMs(kafka, sandbox)).toBe(-1);

    // A topic with the broker's usual 7 days would delete these January events at its next check: refused, nothing sent.
    const weekly = `${prefix}sandbox.weekly.v1`;
    await createTopic(kafka, { topic: weekly, partitions: 1, replicationFactor: 1, config: { 'retention.ms': String(7 * 86_400_000) } });
    const expiring = await runReplay(['republish', '--input', file('k1.ndjson'), '--to-topic', weekly, '--rate', '1000'], env);
    expect(expiring.code).toBe(3);
    expect(expiring.stderr).toContain('retention.ms=604800000');
    expect((await fetchTopicWatermarks(kafka, weekly)).map((p) => p.high)).toEqual(['0']);
  });

  it('reset-group refuses a group with active members, then moves it when it is stopped', async () => {
    const groupId = `${prefix}scorer-like`;
    groups.push(groupId);
    const topic = prefixedTopic(TOPICS.checkins, prefix);
    const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 500 });
    let seen = 0;
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({ autoCommit: true, autoCommitInterval: 100, eachMessage: async () => void seen++ });
    await waitFor(() => seen >= data.checkIns.length, 30_000, { what: 'the group to consume' });
    try {
      const active = await runReplay(['reset-group', '--group', groupId, '--to-time', FROM, '--yes'], env);
      expect(active.code).toBe(3);
      expect(active.stderr).toMatch(/active member/);
    } finally {
      await consumer.disconnect();
    }
    const admin = kafka.admin();
    await admin.connect();
    try {
      const before = await admin.fetchOffsets({ groupId, topics: [topic] });
      // Not a terminal and no --yes: shows the plan, refuses.
      const unconfirmed = await runReplay(['reset-group', '--group', groupId, '--to-time', FROM], env);
      expect(unconfirmed.code).toBe(3);
      expect(unconfirmed.stdout).toContain('reprocess');
      expect(await admin.fetchOffsets({ groupId, topics: [topic] })).toEqual(before);

      const moved = await runReplay(['reset-group', '--group', groupId, '--to-time', FROM, '--yes'], env);
      expect(moved.code).toBe(0);
      const target = await admin.fetchTopicOffsetsByTimestamp(topic, Date.parse(FROM));
      const after = await admin.fetchOffsets({ groupId, topics: [topic] });
      expect(after[0].partitions.map((p) => [p.partition, p.offset]).sort()).toEqual(target.map((p) => [p.partition, p.offset]).sort());
    } finally {
      await admin.disconnect();
    }
  });

  it('Ctrl-C stops cleanly: exit 130, says how far it got, writes nothing', async () => {
    const controller = new AbortController();
    controller.abort();
    const r = await runReplay(['export', '--from', FROM, '--to', TO, '--source', 'kafka', '--out', file('int.ndjson'), '--progress', 'none'], env, {
      signal: controller.signal,
    });
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted .*nothing written/);
    await expect(fs.access(file('int.ndjson'))).rejects.toThrow();
  });
});
