/**
 * Partition-parallel replay against the real Kafka and Cassandra: rescore and compare give the same
 * bytes for 1, 2 and 3 workers (3 does not divide the topic's 4 partitions), for --shard i/N plus
 * merge, and from the archive; a failed shard fails the run naming itself; an interrupted run leaves
 * nothing that looks finished. The coordinator runs in-process (runCli); its shards are real
 * `replay` processes.
 */
import 'reflect-metadata';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allTopicSpecs, prefixedTopic, toKafkaRecord, TOPICS } from '@vigil/contracts';
import { EventPublisher, keyPartition, type Kafka } from '@vigil/messaging';
import { CheckInArchiveRepository } from '@vigil/storage';
import { createTestKeyspace, createTestTopics, deleteTestTopics, testKafka, uniquePrefix, waitFor, type TestKeyspace } from '@vigil/testing';
import { makeDataset, shuffled, toArchived } from '../test/fixtures';
import { runReplay } from '../test/io';

jest.setTimeout(240_000);

const START = Date.UTC(2026, 0, 1);
const FROM = '2026-01-02T00:00:00Z';
const TO = '2026-01-08T00:00:00Z';
const PARTITIONS = 4;

describe('replay --workers and --shard (Kafka, Cassandra)', () => {
  const prefix = uniquePrefix('shards');
  let kafka: Kafka;
  let ks: TestKeyspace;
  let dir: string;
  let env: Record<string, string>;
  // Ids are unique per run (from the topic prefix), so where 15 patients land is random: about one run
  // in 20 left a partition empty. Take the first run id whose patients use every partition.
  const datasetFor = (runId: string) =>
    makeDataset({ seed: 22, tenants: 3, patientsPerTenant: 5, start: START, days: 8, perDay: 2, runId, withoutProfile: [4], discharged: [6] });
  const data = (() => {
    for (let n = 0; ; n++) {
      const d = datasetFor(`${prefix.slice(2, -1)}${n}`);
      if (new Set(d.patients.map((p) => keyPartition(p.patientId, PARTITIONS))).size === PARTITIONS) return d;
    }
  })();

  beforeAll(async () => {
    kafka = testKafka('shards-it');
    [ks] = await Promise.all([createTestKeyspace('shards'), createTestTopics(kafka, prefix, allTopicSpecs(), { partitions: PARTITIONS })]);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'replay-shards-'));
    env = { TOPIC_PREFIX: prefix, CASSANDRA_KEYSPACE: ks.keyspace };
    const publisher = new EventPublisher(kafka, { topicPrefix: prefix });
    await publisher.connect();
    await publisher.publishMany(TOPICS.patients, data.profiles);
    await publisher.publishMany(TOPICS.checkins, shuffled(data.checkIns, 5));
    await publisher.publish(TOPICS.checkins, data.checkIns[10]); // a producer retry: the same event twice
    await publisher.disconnect();
    await new CheckInArchiveRepository(ks.client, ks.keyspace).write(data.checkIns.map((e) => toArchived(e)));
  });

  afterAll(async () => {
    await Promise.allSettled([deleteTestTopics(kafka, prefix), ks?.drop(), dir ? fs.rm(dir, { recursive: true, force: true }) : undefined]);
  });

  const file = (name: string) => path.join(dir, name);
  const replay = async (argv: string[]) => {
    const r = await runReplay([...argv, '--progress', 'none'], env);
    if (r.code !== 0) throw new Error(`replay ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  const files = async (d: string) => (await fs.readdir(file(d))).sort();
  const expectSame = async (a: string, b: string) => {
    const names = await files(a);
    expect(await files(b)).toEqual(names);
    for (const n of names) expect([n, await fs.readFile(file(`${b}/${n}`), 'utf8')]).toEqual([n, await fs.readFile(file(`${a}/${n}`), 'utf8')]);
  };
  const args = ['--model', 'v1', '--from', FROM, '--to', TO, '--warmup', '1d'];

  it('rescore: 1, 2 and 3 workers (3 does not divide 4 partitions) write byte-identical files', async () => {
    const one = await replay(['rescore', ...args, '--source', 'kafka', '--out', file('w1')]);
    expect(await files('w1')).toEqual(['alerts.ndjson', 'risk-scores.ndjson', 'summary.json']);
    const summary = JSON.parse(await fs.readFile(file('w1/summary.json'), 'utf8'));
    expect(summary).toMatchObject({ duplicates: 1, patientsWithoutProfile: 1 });
    expect(summary.models[0].alerts).toBeGreaterThan(0);
    // The patients really are spread: every partition holds some, so every shard of 2 and 3 has work.
    const used = new Set(data.patients.map((p) => keyPartition(p.patientId, PARTITIONS)));
    expect(used.size).toBe(PARTITIONS);

    const two = await replay(['rescore', ...args, '--source', 'kafka', '--workers', '2', '--out', file('w2')]);
    await replay(['rescore', ...args, '--source', 'kafka', '--workers', '3', '--out', file('w3')]);
    await expectSame('w1', 'w2');
    await expectSame('w1', 'w3');
    expect(two.stdout).toBe(one.stdout); // the same summary table
    expect(two.stderr).toContain('2 workers, split by patient over 4 partition(s)');
  });

  it('rescore --shard i/N one at a time, then merge, gives the same files; merge refuses an incomplete set', async () => {
    for (const i of [0, 1, 2]) await replay(['rescore', ...args, '--source', 'kafka', '--shard', `${i}/3`, '--out', file(`s3-${i}`)]);
    expect(await files('s3-1')).toContain('shard.json');
    const shards = [0, 1, 2].map((i) => file(`s3-${i}`)).join(',');
    await replay(['merge', '--shards', shards, '--out', file('m3')]);
    await expectSame('w1', 'm3');
    await replay(['rescore', ...args, '--source', 'kafka', '--shard', '0/1', '--out', file('s1')]);
    await replay(['merge', '--shards', file('s1'), '--out', file('m1')]);
    await expectSame('w1', 'm1');

    const incomplete = await runReplay(['merge', '--shards', `${file('s3-0')},${file('s3-2')}`, '--out', file('bad'), '--progress', 'none'], env);
    expect(incomplete.code).toBe(1);
    expect(incomplete.stderr).toContain('missing shard 1/3');
    await expect(fs.access(file('bad/risk-scores.ndjson'))).rejects.toThrow();
  });

  it('the archive with 2 workers gives the files of the archive with one', async () => {
    await replay(['rescore', ...args, '--source', 'archive', '--out', file('a1')]);
    await replay(['rescore', ...args, '--source', 'archive', '--workers', '2', '--out', file('a2')]);
    await expectSame('a1', 'a2');
    const k = await fs.readFile(file('w1/risk-scores.ndjson'), 'utf8');
    expect(await fs.readFile(file('a2/risk-scores.ndjson'), 'utf8')).toBe(k);
  });

  it('compare: 1 and 3 workers write byte-identical files', async () => {
    const c = ['compare', '--a', 'static-v0', '--b', 'v1', '--from', FROM, '--to', TO, '--source', 'kafka'];
    await replay([...c, '--out', file('c1')]);
    await replay([...c, '--workers', '3', '--out', file('c3')]);
    await expectSame('c1', 'c3');
    const s = JSON.parse(await fs.readFile(file('c3/summary.json'), 'utf8'));
    expect(s.comparison.both + s.comparison.onlyA + s.comparison.onlyB).toBeGreaterThan(0);
  });

  it('an interrupted run stops its shards and leaves no file that looks finished', async () => {
    const controller = new AbortController();
    const out = file('int');
    const run = runReplay(['rescore', ...args, '--source', 'kafka', '--workers', '2', '--out', out, '--progress', 'none'], env, { signal: controller.signal });
    await waitFor(async () => (await fs.readdir(out).catch(() => [] as string[])).some((n) => n.startsWith('.replay-shards-')), 30_000, {
      what: 'the shards to start',
    });
    controller.abort();
    const r = await run;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted.*nothing written/);
    expect(await fs.readdir(out)).toEqual([]);
  });

  it('a failed shard fails the run and names itself; --shard-by key reads past a moved partition', async () => {
    // A record on a partition its key does not hash to (as after the partition count grew).
    const victim = data.patients[0];
    const home = keyPartition(victim.patientId, PARTITIONS);
    const away = [0, 1, 2, 3].find((p) => p % 2 !== home % 2) as number;
    const moved = { ...data.checkIns.find((e) => e.subject === victim.patientId && Date.parse(e.time) >= Date.parse(FROM))! };
    moved.id = `${moved.id.slice(0, -4)}beef`;
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic: prefixedTopic(TOPICS.checkins, prefix), messages: [{ ...toKafkaRecord(moved), partition: away }] });
    await producer.disconnect();

    const failed = await runReplay(['rescore', ...args, '--source', 'kafka', '--workers', '2', '--out', file('f2'), '--progress', 'none'], env);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(new RegExp(`shard ${away % 2}/2 failed \\(exit 1\\): .*partition ${away}.*--shard-by key`));
    expect(await fs.readdir(file('f2'))).toEqual([]);

    await replay(['rescore', ...args, '--source', 'kafka', '--out', file('k1')]);
    await replay(['rescore', ...args, '--source', 'kafka', '--workers', '2', '--shard-by', 'key', '--out', file('k2')]);
    await expectSame('k1', 'k2');
  });
});
