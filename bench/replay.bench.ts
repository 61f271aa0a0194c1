/**
 * Replay benchmark: check-ins re-scored per second by `replay rescore --model v1`, from Kafka and
 * from the Cassandra archive, each beside baselines measured in the same run on the same data:
 *   - raw read: the same range read and decoded, nothing else (Kafka: the never-committing range
 *     reader + CloudEvents decoding; archive: the all-patients day/shard scan);
 *   - export: read, sort and write the range (everything rescore does but scoring);
 *   - scoring only: validation, engine, mapping and serialisation of the same check-ins in memory.
 * Past one machine: one `replay` process (the fair 1x for --workers 2, which also
 * starts processes), --workers 2, and the Spark job on local[2] beside `rescore --input` of the
 * same NDJSON export (the Spark job's input; it is exported once, untimed, if no row made it).
 * Every figure is the whole command, start to files written (group join, profile load, sort and
 * writes included), as an analyst sees it. Target: >= 20,000 check-ins/s from Kafka.
 *
 *   node --max-semi-space-size=64 -r ./tools/register.js bench/replay.bench.ts   (the flag apps/replay/bin/replay uses)
 *   env: BENCH_CHECKINS (60000), BENCH_PATIENTS (600), BENCH_RUNS (3), BENCH_VERBOSE (0), BENCH_ONLY (a regular expression:
 *   only the measurements whose name matches, e.g. `kafka: rescore`), KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS
 * Prints a table; writes bench/results/replay.json (every run and the medians).
 */
import 'reflect-metadata';
import { mkdirSync, promises as fs, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { allTopicSpecs, fromKafkaRecord, prefixedTopic, TOPICS } from '@vigil/contracts';
import { EventPublisher, planTopicRange, readTopicRange } from '@vigil/messaging';
import { archivedToEvent, CheckInArchiveRepository } from '@vigil/storage';
import { createTestKeyspace, createTestTopics, deleteTestTopics, testKafka, uniquePrefix } from '@vigil/testing';
import { fileSortKey, eventInstant } from '../apps/replay/src/events/events';
import { serializeEvent } from '../apps/replay/src/events/events';
import { ProfileBook } from '../apps/replay/src/rescore/profiles';
import { readProfileEvent } from '@vigil/scoring';
import { rescorePatient, RescoreStats } from '../apps/replay/src/rescore/rescorer';
import { makeDataset, shuffled, toArchived } from '../apps/replay/src/test/fixtures';
import { runReplay } from '../apps/replay/src/test/io';
import { buildSparkJob, replayCommand, run as runProcess, runSparkJob } from '../apps/replay/src/spark/spark-run';

const CHECKINS = Number(process.env['BENCH_CHECKINS'] ?? 60_000);
const PATIENTS = Number(process.env['BENCH_PATIENTS'] ?? 600);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
/** BENCH_VERBOSE=1: the commands' progress lines (phase timings) on stderr. */
const VERBOSE = process.env['BENCH_VERBOSE'] === '1';
const ONLY = process.env['BENCH_ONLY'] ? new RegExp(process.env['BENCH_ONLY']) : null;
const TARGET = 20_000;
const DAYS = 30;
const START = Date.UTC(2026, 0, 1);
const FROM = new Date(START).toISOString();
const TO = new Date(START + (DAYS + 1) * 86_400_000).toISOString();

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Row {
  name: string;
  kind: 'target' | 'baseline';
  runsPerSec: number[];
  runsMs: number[];
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

async function main(): Promise<void> {
  const t0 = Date.now();
  const prefix = uniquePrefix('bench-replay');
  const kafka = testKafka('bench-replay');
  const [ks] = await Promise.all([createTestKeyspace('bench_replay'), createTestTopics(kafka, prefix, allTopicSpecs(), { partitions: 3 })]);
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'bench-replay-'));
  const env = { TOPIC_PREFIX: prefix, CASSANDRA_KEYSPACE: ks.keyspace, REPLAY_SORT_MEMORY_EVENTS: String(Math.max(CHECKINS * 2, 1000)) };
  try {
    const data = makeDataset({
      seed: 9,
      tenants: 3,
      patientsPerTenant: Math.ceil(PATIENTS / 3),
      start: START,
      days: DAYS,
      perDay: CHECKINS / PATIENTS / DAYS,
      runId: prefix.slice(2, -1),
    });
    const n = data.checkIns.length;
    process.stderr.write(`bench: ${n} check-ins of ${data.patients.length} patients; loading Kafka and the archive...\n`);
    const publisher = new EventPublisher(kafka, { topicPrefix: prefix, ackTimeoutMs: 30_000 });
    await publisher.connect();
    await publisher.publishMany(TOPICS.patients, data.profiles);
    const order = shuffled(data.checkIns, 3);
    for (let i = 0; i < order.length; i += 500) await publisher.publishMany(TOPICS.checkins, order.slice(i, i + 500));
    await publisher.disconnect();
    const repo = new CheckInArchiveRepository(ks.client, ks.keyspace);
    for (let i = 0; i < data.checkIns.length; i += 2000)
      await repo.write(
        data.checkIns.slice(i, i + 2000).map((e) => toArchived(e)),
        64,
      );
    process.stderr.write(`bench: loaded in ${((Date.now() - t0) / 1000).toFixed(0)} s; measuring ${RUNS} runs\n`);

    const cli = async (argv: string[]) => {
      const r = await runReplay([...argv, '--progress', VERBOSE ? 'lines' : 'none'], env);
      if (VERBOSE) process.stderr.write(r.stderr);
      if (r.code !== 0) throw new Error(`replay ${argv.join(' ')}: exit ${r.code}: ${r.stderr}`);
    };
    const book = new ProfileBook();
    for (const p of data.profiles) {
      const r = readProfileEvent(p);
      if (r.ok) book.add(r.profile);
    }
    const sortedInput = [...data.checkIns].sort((a, b) => {
      const ka = fileSortKey(a, eventInstant(a));
      const kb = fileSortKey(b, eventInstant(b));
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });

    const measures: Record<string, () => Promise<void>> = {
      'kafka: raw range read (decode only)': async () => {
        const range = await planTopicRange(kafka, prefixedTopic(TOPICS.checkins, prefix), { fromTimestamp: Date.parse(FROM) - 300_000 });
        let count = 0;
        await readTopicRange(kafka, range, {
          groupIdPrefix: 'bench-replay',
          onBatch: (records) => {
            for (const r of records) if (fromKafkaRecord({ key: r.key, value: r.value, headers: r.headers })) count++;
          },
        });
        if (count !== n) throw new Error(`raw read got ${count} of ${n}`);
      },
      'kafka: export (read, sort, write)': () => cli(['export', '--source', 'kafka', '--from', FROM, '--to', TO, '--out', path.join(dir, 'export.ndjson')]),
      'kafka: rescore v1': () => cli(['rescore', '--model', 'v1', '--source', 'kafka', '--from', FROM, '--to', TO, '--out', path.join(dir, 'rescore-kafka')]),
      // Two shard processes and the merge; the same bytes as the line above (checked below).
      'kafka: rescore v1 --workers 2': () =>
        cli(['rescore', '--model', 'v1', '--source', 'kafka', '--workers', '2', '--from', FROM, '--to', TO, '--out', path.join(dir, 'rescore-kafka-w2')]),
      'kafka: rescore v1, one process': async () => {
        const r = await runProcess(
          replayCommand()[0],
          [
            ...replayCommand().slice(1),
            'rescore',
            '--model',
            'v1',
            '--source',
            'kafka',
            '--from',
            FROM,
            '--to',
            TO,
            '--out',
            path.join(dir, 'rescore-kafka-p1'),
            '--progress',
            'none',
          ],
          { env },
        );
        if (r.code !== 0) throw new Error(`replay rescore (one process): exit ${r.code}: ${r.stderr}`);
      },
      'file: rescore v1 --input export.ndjson': async () => {
        await ensureExport();
        await cli([
          'rescore',
          '--model',
          'v1',
          '--input',
          path.join(dir, 'export.ndjson'),
          '--from',
          FROM,
          '--to',
          TO,
          '--out',
          path.join(dir, 'rescore-file'),
        ]);
      },
      'spark: rescore v1 local[2], 2 partitions, from export.ndjson': async () => {
        await ensureExport();
        const r = await runSparkJob({
          input: path.join(dir, 'export.ndjson'),
          format: 'ndjson',
          out: path.join(dir, 'rescore-spark'),
          partitions: 2,
          master: 'local[2]',
          rescore: ['--model', 'v1', '--from', FROM, '--to', TO],
          env,
        });
        if (r.code !== 0) throw new Error(`spark job: exit ${r.code}: ${r.stderr.slice(-3000)}`);
      },
      'archive: raw scan (decode only)': async () => {
        let count = 0;
        for await (const a of repo.scanRange({ from: new Date(FROM), to: new Date(TO), fetchSize: 1000 })) if (archivedToEvent(a)) count++;
        if (count !== n) throw new Error(`archive scan got ${count} of ${n}`);
      },
      'archive: rescore v1': () =>
        cli(['rescore', '--model', 'v1', '--source', 'archive', '--from', FROM, '--to', TO, '--out', path.join(dir, 'rescore-archive')]),
      'scoring only, in memory (validate, score, map, serialise)': async () => {
        const stats = new RescoreStats(['v1']);
        const settings = { models: ['v1' as const], from: Date.parse(FROM), to: Date.parse(TO), engagement: true };
        let i = 0;
        let bytes = 0;
        while (i < sortedInput.length) {
          const first = sortedInput[i];
          const items = [];
          while (i < sortedInput.length && sortedInput[i].subject === first.subject && sortedInput[i].tenantid === first.tenantid) {
            items.push({ event: sortedInput[i], at: eventInstant(sortedInput[i]) });
            i++;
          }
          const out = rescorePatient(first.tenantid, first.subject, items, book.versions(first.tenantid, first.subject), settings, stats);
          for (const e of out?.get('v1')?.scores ?? []) bytes += serializeEvent(e).length;
          for (const e of out?.get('v1')?.alerts ?? []) bytes += serializeEvent(e).length;
        }
        if (stats.model('v1').scored !== n || bytes === 0) throw new Error('in-memory scoring miscounted');
      },
    };
    let exported = false;
    const ensureExport = async () => {
      if (exported) return;
      await fs
        .access(path.join(dir, 'export.ndjson'))
        .catch(() => cli(['export', '--source', 'kafka', '--from', FROM, '--to', TO, '--out', path.join(dir, 'export.ndjson')]));
      exported = true;
    };
    const rows: Row[] = Object.keys(measures)
      .filter((name) => ONLY === null || ONLY.test(name))
      .map((name) => ({ name, kind: name.includes('rescore v1') ? 'target' : 'baseline', runsPerSec: [], runsMs: [] }));
    if (rows.some((r) => r.name.startsWith('spark:')))
      process.stderr.write(`bench: mvn for the Spark job ${((await buildSparkJob()) / 1000).toFixed(1)} s (untimed)\n`);
    for (let run = 0; run < RUNS; run++) {
      for (const row of rows) {
        const ms = await timed(measures[row.name]);
        row.runsMs.push(Math.round(ms));
        row.runsPerSec.push(Math.round((n / ms) * 1000));
        process.stderr.write(`  run ${run + 1} ${row.name}: ${Math.round((n / ms) * 1000)}/s (${(ms / 1000).toFixed(2)} s)\n`);
      }
    }
    if (rows.some((r) => r.name === 'kafka: rescore v1') && rows.some((r) => r.name === 'kafka: rescore v1 --workers 2')) {
      for (const f of ['risk-scores.ndjson', 'alerts.ndjson', 'summary.json']) {
        const [a, b] = await Promise.all([fs.readFile(path.join(dir, 'rescore-kafka', f)), fs.readFile(path.join(dir, 'rescore-kafka-w2', f))]);
        if (!a.equals(b)) throw new Error(`rescore with 1 and 2 workers differ in ${f}`);
      }
    }
    const same = async (a: string, b: string, files: string[]) => {
      for (const f of files) {
        const [x, y] = await Promise.all([fs.readFile(path.join(dir, a, f)), fs.readFile(path.join(dir, b, f))]);
        if (!x.equals(y)) throw new Error(`${a} and ${b} differ in ${f}`);
      }
    };
    const measured = (name: string) => rows.some((r) => r.name === name);
    if (measured('kafka: rescore v1') && measured('kafka: rescore v1, one process'))
      await same('rescore-kafka', 'rescore-kafka-p1', ['risk-scores.ndjson', 'alerts.ndjson', 'summary.json']);
    if (measured('file: rescore v1 --input export.ndjson') && measured('spark: rescore v1 local[2], 2 partitions, from export.ndjson')) {
      await same('rescore-file', 'rescore-spark', ['risk-scores.ndjson', 'alerts.ndjson', 'summary.json']);
    }
    // The two rescore sources must agree (the benchmark measures correct work).
    for (const f of rows.filter((r) => r.name === 'kafka: rescore v1' || r.name === 'archive: rescore v1').length === 2
      ? ['risk-scores.ndjson', 'alerts.ndjson']
      : []) {
      const [a, b] = await Promise.all([fs.readFile(path.join(dir, 'rescore-kafka', f)), fs.readFile(path.join(dir, 'rescore-archive', f))]);
      if (!a.equals(b)) throw new Error(`rescore from Kafka and from the archive differ in ${f}`);
    }

    const results = rows.map((r) => ({
      name: r.name,
      kind: r.kind,
      medianCheckInsPerSec: median(r.runsPerSec),
      minCheckInsPerSec: Math.min(...r.runsPerSec),
      maxCheckInsPerSec: Math.max(...r.runsPerSec),
      medianSeconds: Math.round(median(r.runsMs)) / 1000,
      runsCheckInsPerSec: r.runsPerSec,
    }));
    const kafkaRescore = results.find((r) => r.name === 'kafka: rescore v1');
    const header = ['measurement', 'median /s', 'min /s', 'max /s', 'median s'];
    const table = [
      header,
      ...results.map((r) => [
        r.name,
        r.medianCheckInsPerSec.toLocaleString('en-US'),
        r.minCheckInsPerSec.toLocaleString('en-US'),
        r.maxCheckInsPerSec.toLocaleString('en-US'),
        r.medianSeconds.toFixed(2),
      ]),
    ];
    const widths = header.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    const lines = table.map((row) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
    lines.splice(1, 0, widths.map((w) => '-'.repeat(w)).join('  '));
    process.stdout.write(
      `\nreplay benchmark: ${n.toLocaleString('en-US')} check-ins, ${data.patients.length} patients, ${DAYS} days, 3 partitions, ${RUNS} runs (check-ins per second, whole command)\n`,
    );
    process.stdout.write(`${lines.join('\n')}\n`);
    if (kafkaRescore) {
      process.stdout.write(
        `target >= ${TARGET.toLocaleString('en-US')}/s from Kafka: ${kafkaRescore.medianCheckInsPerSec >= TARGET ? 'met' : 'NOT met'} (median ${kafkaRescore.medianCheckInsPerSec.toLocaleString('en-US')}/s)\n`,
      );
    }
    // A partial run (BENCH_ONLY) is for comparing variants; it never replaces the recorded results.
    if (ONLY !== null || !kafkaRescore) return;

    const out = {
      benchmark: 'replay',
      measuredAt: new Date().toISOString(),
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cpus: os.cpus().length,
      loadAverage: os.loadavg().map((x) => Math.round(x * 100) / 100),
      params: { checkIns: n, patients: data.patients.length, days: DAYS, partitions: 3, runs: RUNS, model: 'v1' },
      targetCheckInsPerSecFromKafka: TARGET,
      targetMet: kafkaRescore.medianCheckInsPerSec >= TARGET,
      results,
    };
    const file = path.join(__dirname, 'results', 'replay.json');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
    process.stdout.write(`wrote ${path.relative(process.cwd(), file)}\n`);
  } finally {
    await Promise.allSettled([deleteTestTopics(kafka, prefix), ks.drop(), fs.rm(dir, { recursive: true, force: true })]);
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
