import { randomUUID } from 'node:crypto';
import { DLQ_HEADERS, dlqTopic, prefixedTopic, toKafkaRecord, TOPICS } from '@vigil/contracts';
import { ObservationPoint, ObservationRepository } from '@vigil/storage';
import { countRows, createTestKeyspace, TestKeyspace } from '@vigil/testing';
import { WRITER_DLQ_REASONS } from './checkin-batch.writer';
import {
  checkInEvent,
  createTestTopics,
  makeCheckIn,
  OBSERVATIONS_PER_CHECKIN,
  readTopic,
  TENANT,
  TestKafka,
  waitUntil,
  writerTestConfig,
} from './test/fixtures';
import { createWriterApp, WriterApp } from './writer.app';

jest.setTimeout(90_000);

let ks: TestKeyspace;
let topics: TestKafka;
let writer: WriterApp;
let published = 0;

const processed = () => writer.server.stats().processed;
const rowsOf = (patientId: string) =>
  countRows(ks.client, ks.keyspace, 'checkins_by_patient', 'WHERE tenant_id = ? AND patient_id = ? AND bucket IN ?', [
    TENANT,
    patientId,
    ['2026-01', '2026-02', '2026-03'],
  ]);

beforeAll(async () => {
  [ks, topics] = await Promise.all([createTestKeyspace('writer'), createTestTopics()]);
  writer = await createWriterApp(writerTestConfig({ TOPIC_PREFIX: topics.prefix, CASSANDRA_KEYSPACE: ks.keyspace }), {
    shutdownHooks: false,
    defaultMetrics: false,
  });
  await writer.server.whenReady(60_000);
});

afterAll(async () => {
  await writer?.close();
  await topics?.close();
  await ks?.drop();
});

it('the same message delivered twice leaves one row per observation', async () => {
  const patientId = `p-${randomUUID()}`;
  const event = checkInEvent(patientId, makeCheckIn(new Date('2026-03-05T10:00:00Z')));
  const raw = toKafkaRecord(event);
  const topic = prefixedTopic(TOPICS.checkins, topics.prefix);
  await topics.publisher.publishRaw(topic, [raw]);
  await topics.publisher.publishRaw(topic, [raw]); // e.g. a producer retry that was not deduplicated
  published += 2;
  await waitUntil(() => processed() >= published, 30_000, 'both copies consumed');
  expect(await rowsOf(patientId)).toBe(1);
  expect(
    await countRows(ks.client, ks.keyspace, 'checkins_by_day', 'WHERE day = ? AND shard IN ? AND tenant_id = ? AND patient_id = ? ALLOW FILTERING', [
      '2026-03-05',
      [...Array(16).keys()],
      TENANT,
      patientId,
    ]),
  ).toBe(1);
  expect(
    await countRows(ks.client, ks.keyspace, 'observations_by_patient', 'WHERE tenant_id = ? AND patient_id = ? AND bucket = ?', [TENANT, patientId, '2026-03']),
  ).toBe(OBSERVATIONS_PER_CHECKIN);
  expect(await countRows(ks.client, ks.keyspace, 'latest_observations', 'WHERE tenant_id = ? AND patient_id = ?', [TENANT, patientId])).toBe(
    OBSERVATIONS_PER_CHECKIN,
  );
});

it('poison messages go to the DLQ with the error in headers, and the messages after them are still written', async () => {
  const patientId = `p-${randomUUID()}`; // one key: all on one partition, in this order
  const topic = prefixedTopic(TOPICS.checkins, topics.prefix);
  const good = (n: number) => checkInEvent(patientId, makeCheckIn(new Date(Date.parse('2026-03-06T10:00:00Z') + n * 60_000), n));
  const base = toKafkaRecord(good(0));
  const notJson = { ...base, value: Buffer.from('{"checkInId": oops') };
  const wrongShape = toKafkaRecord({ ...good(1), data: { hello: 'world', vitals: { spo2: 'high' } } as never });
  const unknownType = toKafkaRecord({ ...good(2), type: 'org.vigil.something.else' });
  const notCloudEvent = { key: patientId, value: Buffer.from('{}'), headers: {} };
  const after = [good(3), good(4), good(5)];
  await topics.publisher.publishRaw(topic, [base, notJson, wrongShape, unknownType, notCloudEvent, ...after.map(toKafkaRecord)]);
  published += 8;
  await waitUntil(() => processed() >= published, 30_000, 'the batch consumed');
  expect(await rowsOf(patientId)).toBe(4);

  const dlq = await readTopic(topics.kafka, dlqTopic(topic), 4);
  const reasons = dlq.map((m) => m.headers[DLQ_HEADERS.reason]);
  expect(reasons).toEqual(['not-json', WRITER_DLQ_REASONS.invalidCheckIn, WRITER_DLQ_REASONS.unknownType, 'not-cloudevent']);
  for (const m of dlq) {
    expect(m.headers[DLQ_HEADERS.error]).toBeTruthy();
    expect(m.headers[DLQ_HEADERS.sourceTopic]).toBe(topic);
    expect(m.headers[DLQ_HEADERS.consumerGroup]).toBe(writer.server.stats().groupId);
  }
  expect(dlq[0].value).toBe('{"checkInId": oops'); // the original bytes
  expect(dlq[1].headers[DLQ_HEADERS.error]).toMatch(/hello|vitals\.spo2/);
  expect(writer.server.stats().deadLettered).toBeGreaterThanOrEqual(4);
});

it('a range query across a bucket boundary returns every point in order', async () => {
  const patientId = `p-${randomUUID()}`;
  // Every 2 hours from 30 Jan to 2 Feb (UTC), published out of order (late phones).
  const events = [];
  for (let t = Date.parse('2026-01-30T00:00:00Z'), i = 0; t < Date.parse('2026-02-02T00:00:00Z'); t += 2 * 3600_000, i++) {
    events.push(checkInEvent(patientId, makeCheckIn(new Date(t), i)));
  }
  const shuffled = [...events].sort(() => Math.random() - 0.5);
  await topics.publisher.publishMany(TOPICS.checkins, shuffled);
  published += events.length;
  await waitUntil(() => processed() >= published, 30_000, 'all consumed');

  const repo = new ObservationRepository(ks.client, ks.keyspace);
  const got: ObservationPoint[] = [];
  let cursor: string | null = null;
  do {
    const page = await repo.querySeries({
      tenantId: TENANT,
      patientId,
      metric: 'heartRate',
      from: new Date('2026-01-30T00:00:00Z'),
      to: new Date('2026-02-02T00:00:00Z'),
      pageSize: 5,
      cursor,
    });
    got.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  expect(got.map((p) => p.recordedAt.toISOString())).toEqual(events.map((e) => new Date(e.data.recordedAt).toISOString()));
  expect(got.map((p) => p.value)).toEqual(events.map((e) => e.data.vitals!.heartRate));
  const latest = await repo.latest(TENANT, patientId);
  expect(latest.find((l) => l.metric === 'heartRate')?.recordedAt.toISOString()).toBe(events[events.length - 1].data.recordedAt);
});

it('serves health and metrics on HTTP', async () => {
  const url = (await writer.app.getUrl()).replace('[::1]', '127.0.0.1');
  const live = await fetch(`${url}/health/live`);
  expect(live.status).toBe(200);
  const ready = await fetch(`${url}/health/ready`);
  expect(ready.status).toBe(200);
  expect(await ready.json()).toMatchObject({ status: 'ok', info: { cassandra: { status: 'up' }, 'kafka-consumer': { status: 'up' } } });
  const metrics = await (await fetch(`${url}/metrics`)).text();
  expect(metrics).toMatch(/vigil_writer_observations_written_total\{[^}]*\} [1-9]\d*/);
  expect(metrics).toMatch(/vigil_writer_dead_letters_total\{[^}]*reason="invalid-checkin"[^}]*\} 1/);
  expect(metrics).toMatch(/vigil_messages_processed_total\{[^}]*topic="checkins.v1"[^}]*\} [1-9]/);
  expect(metrics).not.toMatch(/patient-|p-[0-9a-f]{8}/);
});
