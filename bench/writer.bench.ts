/**
 * Writer benchmark: observations written per second into Cassandra by timeseries-writer
 * (KafkaBatchServer, kafkajs eachBatch), each run beside, in the same run:
 *   (a) raw cassandra-driver concurrent inserts (concurrent.executeConcurrent) of the very same statements,
 *       prepared up front: no Kafka, no decoding, no validation;
 *   (b) the same work (decode, validate, write the same rows) through the stock @nestjs/microservices
 *       Kafka transport, one message at a time (its eachMessage).
 * Targets: writer >= 0.8 x (a) and >= 5 x (b).
 *
 *   node -r ./tools/register.js bench/writer.bench.ts
 *   env: BENCH_CHECKINS (5000), BENCH_STOCK_CHECKINS (default BENCH_CHECKINS: both sides do the same work;
 *        a smaller number measures (b) on the first ones only, which flatters the writer),
 *        BENCH_RUNS (3), BENCH_CONCURRENCY (64), KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS
 * Prints a table; writes bench/results/writer.json (every run and the medians).
 * Times run from the first batch / message handled to the last one written (group joins excluded
 * for both Kafka consumers alike).
 */
import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, KafkaContext, Transport, type MicroserviceOptions } from '@nestjs/microservices';
import { concurrent } from 'cassandra-driver';
import { fromKafkaRecord, prefixedTopic, TOPICS } from '@vigil/contracts';
import type { ConsumedEvent } from '@vigil/messaging';
import { CheckInArchiveRepository, createCassandraClient, ObservationRepository } from '@vigil/storage';
import { createTestKeyspace } from '@vigil/testing';
import { CheckInBatchWriter } from '../apps/timeseries-writer/src/checkin-batch.writer';
import { createTestTopics, manyCheckIns, OBSERVATIONS_PER_CHECKIN, publishAll, writerTestConfig } from '../apps/timeseries-writer/src/test/fixtures';
import { createWriterApp } from '../apps/timeseries-writer/src/writer.app';

const CHECKINS = Number(process.env['BENCH_CHECKINS'] ?? 5000);
const STOCK_CHECKINS = Math.min(CHECKINS, Number(process.env['BENCH_STOCK_CHECKINS'] ?? CHECKINS));
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 64);
const PATIENTS = 200;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

interface Measure {
  observations: number;
  ms: number;
  perSecond: number;
}
const measure = (observations: number, ms: number): Measure => ({ observations, ms, perSecond: Math.round((observations / ms) * 1000) });

async function main(): Promise<void> {
  const t0 = Date.now();
  const ks = await createTestKeyspace('bench_writer');
  const topics = await createTestTopics(undefined, 3);
  const topic = prefixedTopic(TOPICS.checkins, topics.prefix);
  const events = manyCheckIns(CHECKINS, PATIENTS);
  await publishAll(topics.publisher, events);
  const cfg = (group: string) =>
    writerTestConfig({ TOPIC_PREFIX: topics.prefix, CASSANDRA_KEYSPACE: ks.keyspace, WRITER_GROUP_ID: group, WRITER_CONCURRENCY: String(CONCURRENCY) });

  // (a) the same statements the writer makes, built up front.
  const client = createCassandraClient(ks.config);
  await client.connect();
  const writer = new CheckInBatchWriter(client, new ObservationRepository(client, ks.keyspace), new CheckInArchiveRepository(client, ks.keyspace), CONCURRENCY);
  const consumedOf = (i: number): ConsumedEvent => ({
    event: events[i],
    topic: TOPICS.checkins,
    partition: i % 3,
    offset: String(i),
    key: events[i].subject,
    timestamp: String(Date.now()),
  });
  const prepared = writer.prepare(events.map((_, i) => consumedOf(i)));
  // (a) inserts the same rows one INSERT each (the writer sends each check-in's latest-value rows as one
  // single-partition batch; the raw baseline does not).
  const statements = prepared.statements.flatMap((s) => ('batch' in s ? s.batch : [s])).map((s) => ({ query: s.query, params: s.params as unknown[] }));
  const totalObs = prepared.observations;

  async function runRaw(): Promise<Measure> {
    const start = performance.now();
    const r = await concurrent.executeConcurrent(client, statements, { concurrencyLevel: CONCURRENCY, raiseOnFirstError: true });
    if (r.errors.length) throw r.errors[0];
    return measure(totalObs, performance.now() - start);
  }

  let runNo = 0;
  async function runWriter(): Promise<Measure> {
    const app = await createWriterApp(cfg(`bench-w-${Date.now()}-${runNo}`), { http: false, shutdownHooks: false, defaultMetrics: false });
    let first = 0;
    app.server.on('consumer.start_batch_process', () => {
      if (!first) first = performance.now();
    });
    try {
      while (app.server.stats().processed < CHECKINS) await sleep(2);
      const end = performance.now();
      return measure(totalObs, end - first);
    } finally {
      await app.close().catch(() => undefined);
    }
  }

  async function runStock(): Promise<Measure> {
    let first = 0;
    let handled = 0;
    let end = 0;
    @Controller()
    class StockCheckInHandler {
      @EventPattern(topic)
      async handle(@Ctx() ctx: KafkaContext): Promise<void> {
        if (!first) first = performance.now();
        const m = ctx.getMessage();
        const event = fromKafkaRecord({ key: m.key as unknown as string, value: m.value, headers: m.headers as Record<string, string> });
        await writer.handle([{ event, topic: TOPICS.checkins, partition: ctx.getPartition(), offset: m.offset, key: event.subject, timestamp: m.timestamp }]);
        if (++handled === STOCK_CHECKINS) end = performance.now();
      }
    }
    @Module({ controllers: [StockCheckInHandler] })
    class StockModule {}
    const app = await NestFactory.createMicroservice<MicroserviceOptions>(StockModule, {
      transport: Transport.KAFKA,
      options: {
        client: { clientId: 'bench-stock', brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','), logLevel: 0 },
        consumer: { groupId: `bench-stock-${Date.now()}-${runNo}` },
        subscribe: { fromBeginning: true },
        parser: { keepBinary: true },
        postfixId: '',
      },
      logger: ['error'],
    });
    await app.listen();
    try {
      while (!end) await sleep(2);
      return measure(STOCK_CHECKINS * OBSERVATIONS_PER_CHECKIN, end - first);
    } finally {
      await app.close().catch(() => undefined);
    }
  }

  const results: { raw: Measure[]; writer: Measure[]; stock: Measure[] } = { raw: [], writer: [], stock: [] };
  const order: ('raw' | 'writer' | 'stock')[][] = [
    ['raw', 'writer', 'stock'],
    ['writer', 'stock', 'raw'],
    ['stock', 'raw', 'writer'],
  ];
  await runRaw(); // warm-up: prepares the statements, fills the connection pool
  for (runNo = 0; runNo < RUNS; runNo++) {
    for (const what of order[runNo % order.length]) {
      const m = what === 'raw' ? await runRaw() : what === 'writer' ? await runWriter() : await runStock();
      results[what].push(m);
      process.stderr.write(`run ${runNo + 1} ${what}: ${m.perSecond} obs/s (${m.observations} in ${Math.round(m.ms)} ms)\n`);
    }
  }

  const med = {
    raw: median(results.raw.map((m) => m.perSecond)),
    writer: median(results.writer.map((m) => m.perSecond)),
    stock: median(results.stock.map((m) => m.perSecond)),
  };
  const vsRaw = med.writer / med.raw;
  const vsStock = med.writer / med.stock;
  // Paired per run (the three measurements of a run are minutes apart at most): steadier on a shared box.
  const paired = {
    writerVsRaw: Number(median(results.writer.map((w, i) => w.perSecond / results.raw[i].perSecond)).toFixed(3)),
    writerVsStock: Number(median(results.writer.map((w, i) => w.perSecond / results.stock[i].perSecond)).toFixed(2)),
  };
  const rows = [
    ['timeseries-writer (KafkaBatchServer, eachBatch)', med.writer, `${vsRaw.toFixed(2)} x (a), ${vsStock.toFixed(1)} x (b)`],
    ['(a) raw cassandra-driver executeConcurrent', med.raw, `target: writer >= 0.8 x (a): ${vsRaw >= 0.8 ? 'met' : 'NOT met'}`],
    ['(b) stock @nestjs/microservices Kafka, one message at a time', med.stock, `target: writer >= 5 x (b): ${vsStock >= 5 ? 'met' : 'NOT met'}`],
  ];
  const w = [62, 14];
  const line = (c: (string | number)[]) => `| ${String(c[0]).padEnd(w[0])} | ${String(c[1]).padStart(w[1])} | ${c[2]} |`;
  process.stdout.write(
    `\nwriter benchmark: ${CHECKINS} check-ins x ${OBSERVATIONS_PER_CHECKIN} observations (${totalObs}; (b) on the first ${STOCK_CHECKINS}), ${statements.length} rows (writer: ${prepared.statements.length} requests), concurrency ${CONCURRENCY}, median of ${RUNS} runs\n`,
  );
  process.stdout.write(`${line(['approach', 'obs/s', 'ratio'])}\n|${'-'.repeat(w[0] + 2)}|${'-'.repeat(w[1] + 2)}|---|\n`);
  for (const r of rows) process.stdout.write(`${line(r)}\n`);
  process.stdout.write(`median of per-run ratios: writer/(a) ${paired.writerVsRaw}, writer/(b) ${paired.writerVsStock}\n`);

  const out = {
    bench: 'writer',
    at: new Date().toISOString(),
    machine: { cpus: os.cpus().length, node: process.version },
    settings: {
      checkIns: CHECKINS,
      stockCheckIns: STOCK_CHECKINS,
      observationsPerCheckIn: OBSERVATIONS_PER_CHECKIN,
      rows: statements.length,
      writerRequests: prepared.statements.length,
      concurrency: CONCURRENCY,
      runs: RUNS,
      partitions: 3,
    },
    unit: 'observations per second',
    median: med,
    ratios: { writerVsRaw: Number(vsRaw.toFixed(3)), writerVsStock: Number(vsStock.toFixed(2)) },
    pairedRatios: paired,
    targets: { writerVsRaw: 0.8, writerVsStock: 5, met: vsRaw >= 0.8 && vsStock >= 5 },
    runs: results,
    totalMs: Date.now() - t0,
  };
  const file = path.join(__dirname, 'results', 'writer.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), file)} (${Math.round((Date.now() - t0) / 1000)} s)\n`);

  await client.shutdown();
  await topics.close();
  await ks.drop();
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`writer benchmark failed: ${e instanceof Error ? e.stack : String(e)}\n`);
    process.exit(1);
  },
);
