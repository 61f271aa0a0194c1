/**
 * Worklist projector benchmark (issue #18, stream latency): the projector alone on the real
 * Cassandra and Redis, per event (as before: one read, one conditional write and one stream append
 * per event) beside per patient per batch (the projector now: one write and one append per patient
 * of a batch, the read from this instance's cache), on the same data, in the same run.
 *
 *   node -r ./tools/register.js bench/worklist-projector.bench.ts
 *   env: BENCH_PATIENTS (400), BENCH_ROUNDS (5 scores per patient), BENCH_RUNS (2)
 *
 * Two batch shapes, as one partition hands them over: "steady" (batches of 100, every patient once
 * in a batch: only the saved read differs) and "backlog" (batches of 500 over 100 patients, 4 x BENCH_ROUNDS
 * scores each: five events of each patient in a batch, what a lagging partition delivers). Reports events/s, Cassandra
 * reads and conditional writes per event, and the batch time (p50 / p99). Writes bench/results/worklist-projector.json.
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { createEvent, EVENT_SOURCES, EVENT_TYPES, type VigilEvent } from '@vigil/contracts';
import { type ConsumedEvent, handleInKeyOrder } from '@vigil/messaging';
import { createLogger, createMetrics } from '@vigil/observability';
import { WorklistStateRepository } from '@vigil/storage';
import { createTestKeyspace, deleteRedisPrefix, testRedisUrl, uniqueRedisPrefix } from '@vigil/testing';
import { WorklistChanges } from '../apps/care-api/src/worklist/worklist-changes';
import { WorklistProjector } from '../apps/care-api/src/worklist/worklist-projector';
import type { WorklistState } from '../apps/care-api/src/worklist/worklist-state';
import { CassandraWorklistStream, RedisWorklistStream } from '../apps/care-api/src/worklist/worklist-stream';
import { WorklistMetrics } from '../apps/care-api/src/worklist/worklist.metrics';
import type { WorklistInfra, WorklistSettings } from '../apps/care-api/src/worklist/worklist.wiring';

const PATIENTS = Number(process.env['BENCH_PATIENTS'] ?? 400);
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 5);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 2);
const CONCURRENCY = 32;
const T0 = Date.parse('2026-03-10T08:00:00Z');
const iso = (ms: number) => new Date(ms).toISOString();

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] : NaN;
};

let offset = 0;
function consumed(topic: string, event: VigilEvent): ConsumedEvent {
  return { topic, partition: 0, offset: String(offset++), key: event.subject, event, timestamp: String(T0) };
}
function profile(patientId: string): ConsumedEvent {
  const data = {
    patientId,
    tenantId: 'org-1',
    careTeamId: 'team-a',
    conditions: ['copd'],
    status: 'active',
    expectedCheckInIntervalHours: 24,
    updatedAt: iso(T0),
  };
  return consumed(
    'patients.v1',
    createEvent({
      id: `p-${patientId}`,
      source: EVENT_SOURCES.careApi,
      type: EVENT_TYPES.patientUpdated,
      subject: patientId,
      time: iso(T0),
      tenantid: 'org-1',
      data,
    }),
  );
}
function score(patientId: string, round: number): ConsumedEvent {
  const checkInId = `${patientId}-c${round}`;
  const data = { patientId, tenantId: 'org-1', checkInId, recordedAt: iso(T0 + round * 3_600_000), score: 10 + round, level: 'medium', factors: [] };
  return consumed(
    'risk-scores.v1',
    createEvent({
      id: `s-${checkInId}`,
      source: EVENT_SOURCES.riskScorer,
      type: EVENT_TYPES.riskScored,
      subject: patientId,
      time: iso(T0),
      tenantid: 'org-1',
      data,
    }),
  );
}

interface Row {
  shape: string;
  mode: string;
  run: number;
  events: number;
  eventsPerSecond: number;
  readsPerEvent: number;
  writesPerEvent: number;
  batchMsP50: number;
  batchMsP99: number;
}

async function main(): Promise<void> {
  const load0 = os.loadavg();
  const ks = await createTestKeyspace('benchproj');
  const redis = new Redis(testRedisUrl(), { lazyConnect: false, maxRetriesPerRequest: 2 });
  const keyPrefix = uniqueRedisPrefix('benchproj');
  const rows: Row[] = [];
  try {
    const logger = createLogger({ service: 'bench', level: 'silent' });
    const infra = {
      cassandra: ks.client,
      keyspace: ks.keyspace,
      redis,
      logger,
      vigil: createMetrics({ service: 'bench', defaultMetrics: false }),
    } as unknown as WorklistInfra;
    const metrics = new WorklistMetrics(infra);
    const projectorOf = (stateCacheSize: number) => {
      const settings = {
        keyPrefix,
        streamMaxLen: 100_000,
        dedupeTtlSeconds: 3600,
        consumerConcurrency: CONCURRENCY,
        stateCacheSize,
      } as unknown as WorklistSettings;
      const states = new WorklistStateRepository<WorklistState>(ks.client, ks.keyspace);
      const count = { reads: 0, writes: 0 };
      const get = states.get.bind(states);
      const put = states.put.bind(states);
      states.get = (t, p) => (count.reads++, get(t, p));
      states.put = (n, e) => (count.writes++, put(n, e));
      const changes = new WorklistChanges(new RedisWorklistStream(infra, settings), new CassandraWorklistStream(infra));
      return { projector: new WorklistProjector(states, changes, metrics, infra, settings), count };
    };
    const shapes = [
      { shape: 'steady', patients: PATIENTS, batch: 100, rounds: ROUNDS },
      { shape: 'backlog', patients: 100, batch: 500, rounds: ROUNDS * 4 },
    ];
    for (let run = 1; run <= RUNS; run++) {
      for (const { shape, patients, batch, rounds } of shapes) {
        for (const mode of ['per-event', 'per-patient'] as const) {
          const ids = Array.from({ length: patients }, (_, i) => `bp-${run}-${shape}-${mode}-${i}`);
          const { projector, count } = projectorOf(mode === 'per-event' ? 0 : 10_000);
          await projector.handleBatch('patients.v1', ids.map(profile));
          count.reads = 0;
          count.writes = 0;
          const events = Array.from({ length: rounds }, (_, r) => ids.map((id) => score(id, r))).flat();
          const times: number[] = [];
          const t0 = performance.now();
          for (let i = 0; i < events.length; i += batch) {
            const slice = events.slice(i, i + batch);
            const b0 = performance.now();
            if (mode === 'per-patient') await projector.handleBatch('risk-scores.v1', slice);
            else
              // The projector as it was: each event read, folded, written and streamed on its own, patients side by side.
              await handleInKeyOrder(slice, {
                keyOf: (c) => `${c.event.tenantid}/${c.event.subject}`,
                concurrency: CONCURRENCY,
                handle: (c) => projector.project(c),
                deadLetterOf: () => null,
              });
            times.push(performance.now() - b0);
          }
          const seconds = (performance.now() - t0) / 1000;
          const row: Row = {
            shape,
            mode,
            run,
            events: events.length,
            eventsPerSecond: Math.round(events.length / seconds),
            readsPerEvent: Number((count.reads / events.length).toFixed(2)),
            writesPerEvent: Number((count.writes / events.length).toFixed(2)),
            batchMsP50: Math.round(pct(times, 50)),
            batchMsP99: Math.round(pct(times, 99)),
          };
          rows.push(row);
          process.stdout.write(
            `run ${run}  ${shape.padEnd(8)} ${mode.padEnd(12)} ${String(row.eventsPerSecond).padStart(6)} events/s  reads/event ${row.readsPerEvent}  writes/event ${row.writesPerEvent}  batch ${row.batchMsP50} / ${row.batchMsP99} ms\n`,
          );
        }
      }
    }
  } finally {
    redis.disconnect();
    await deleteRedisPrefix(keyPrefix).catch(() => undefined);
    await ks.drop();
  }
  const load1 = os.loadavg();
  process.stdout.write(
    `machine: ${os.cpus().length} cores, load average ${load0.map((l) => l.toFixed(1)).join(' ')} at start, ${load1.map((l) => l.toFixed(1)).join(' ')} at end\n`,
  );
  const dir = path.join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'worklist-projector.json'), JSON.stringify({ at: new Date().toISOString(), load: { start: load0, end: load1 }, rows }, null, 2));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
