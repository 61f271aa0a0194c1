/**
 * The Spark job (analytics/spark-replay) on local[2] against the real Kafka (profiles): from the
 * NDJSON and the Parquet export of a range, it writes the same bytes as `replay rescore --input`
 * of that export, the scores and alerts of `replay rescore` from Kafka, and summary.json's counts.
 * Maven resolves Spark into ~/.m2 in this test's setup (a cold cache downloads ~400 MB).
 */
import 'reflect-metadata';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allTopicSpecs, TOPICS } from '@vigil/contracts';
import { EventPublisher, type Kafka } from '@vigil/messaging';
import { createTestTopics, deleteTestTopics, testKafka, uniquePrefix } from '@vigil/testing';
import { makeDataset, shuffled } from '../test/fixtures';
import { runReplay } from '../test/io';
import { buildSparkJob, runSparkJob } from './spark-run';

jest.setTimeout(900_000);

const START = Date.UTC(2026, 0, 1);
const FROM = '2026-01-02T00:00:00Z';
const TO = '2026-01-08T00:00:00Z';

describe('replay on Spark (local[2]; Kafka for profiles)', () => {
  const prefix = uniquePrefix('spark');
  let kafka: Kafka;
  let dir: string;
  let env: Record<string, string>;
  const data = makeDataset({
    seed: 24,
    tenants: 3,
    patientsPerTenant: 4,
    start: START,
    days: 8,
    perDay: 2,
    runId: prefix.slice(2, -1),
    withoutProfile: [2],
    discharged: [5],
  });

  beforeAll(async () => {
    kafka = testKafka('spark-it');
    const [mavenMs] = await Promise.all([buildSparkJob(), createTestTopics(kafka, prefix, allTopicSpecs(), { partitions: 2 })]);
    process.stderr.write(`spark-replay: mvn compile + classpath ${(mavenMs / 1000).toFixed(1)} s\n`);
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'replay-spark-'));
    env = { TOPIC_PREFIX: prefix };
    const publisher = new EventPublisher(kafka, { topicPrefix: prefix });
    await publisher.connect();
    await publisher.publishMany(TOPICS.patients, data.profiles);
    await publisher.publishMany(TOPICS.checkins, shuffled(data.checkIns, 9));
    await publisher.publish(TOPICS.checkins, data.checkIns[7]); // a producer retry: the same event twice
    await publisher.disconnect();
  });

  afterAll(async () => {
    await Promise.allSettled([deleteTestTopics(kafka, prefix), dir ? fs.rm(dir, { recursive: true, force: true }) : undefined]);
  });

  const file = (name: string) => path.join(dir, name);
  const replay = async (argv: string[]) => {
    const r = await runReplay([...argv, '--progress', 'none'], env);
    if (r.code !== 0) throw new Error(`replay ${argv.join(' ')} exited ${r.code}: ${r.stderr}`);
    return r;
  };
  const read = (name: string) => fs.readFile(file(name), 'utf8');
  const range = ['--from', FROM, '--to', TO];
  const rescore = ['--model', 'v1', ...range];

  it('from the NDJSON and the Parquet export: the bytes of replay rescore --input, the scores and alerts of rescore from Kafka', async () => {
    await replay(['export', ...range, '--source', 'kafka', '--out', file('checkins.ndjson')]);
    await replay(['export', ...range, '--source', 'kafka', '--format', 'parquet', '--out', file('checkins.parquet')]);
    await replay(['rescore', ...rescore, '--source', 'kafka', '--out', file('kafka')]);
    await replay(['rescore', ...rescore, '--input', file('checkins.ndjson'), '--out', file('file')]);
    const fromKafka = JSON.parse(await read('kafka/summary.json'));
    expect(fromKafka.models[0].alerts).toBeGreaterThan(0);

    for (const [format, input] of [
      ['ndjson', file('checkins.ndjson')],
      ['parquet', file('checkins.parquet')],
    ] as const) {
      const out = file(`spark-${format}`);
      const r = await runSparkJob({ input, format, out, partitions: 3, master: 'local[2]', rescore, env });
      if (r.code !== 0) throw new Error(`spark job (${format}) exited ${r.code}: ${r.stderr.slice(-4000)}`);
      process.stderr.write(`spark-replay ${format}: ${(r.ms / 1000).toFixed(1)} s (JVM start to exit)\n`);
      expect((await fs.readdir(out)).sort()).toEqual(['alerts.ndjson', 'risk-scores.ndjson', 'summary.json']);
      for (const name of ['alerts.ndjson', 'risk-scores.ndjson', 'summary.json']) {
        expect([format, name, await read(`spark-${format}/${name}`)]).toEqual([format, name, await read(`file/${name}`)]);
      }
      for (const name of ['alerts.ndjson', 'risk-scores.ndjson']) {
        expect([format, name, await read(`spark-${format}/${name}`)]).toEqual([format, name, await read(`kafka/${name}`)]);
      }
      // summary.json's counts are those of rescore from Kafka; only the source differs (file vs kafka).
      const s = JSON.parse(await read(`spark-${format}/summary.json`));
      expect({ ...s, source: 'kafka' }).toEqual({ ...fromKafka, checkInsRead: fromKafka.checkInsRead - fromKafka.duplicates, duplicates: 0 });
    }
  });

  it('a failing worker fails the job, naming its shard; nothing is left in --out', async () => {
    const out = file('spark-failed');
    const r = await runSparkJob({
      input: file('checkins.ndjson'),
      format: 'ndjson',
      out,
      partitions: 2,
      master: 'local[2]',
      rescore: ['--model', 'v1', ...range, '--warmup', 'soon'],
      env,
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/shard [01]\/2 failed \(exit 2\): [\s\S]*--warmup must be a duration/);
    expect(await fs.readdir(out).catch(() => [] as string[])).toEqual([]);
  });
});
