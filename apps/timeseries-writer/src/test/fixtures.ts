import { randomBytes, randomUUID } from 'node:crypto';
import { allTopicSpecs, CheckIn, createEvent, EVENT_TYPES, TOPICS, type VigilEvent } from '@vigil/contracts';
import { createKafka, ensureTopics, EventPublisher, type Kafka } from '@vigil/messaging';
import { parseConfig } from '@vigil/config';
import { waitFor } from '@vigil/testing';
import { writerConfigSchema, type WriterConfig } from '../config';

export const TENANT = 'org-test';

/** A check-in with 6 observations (weight, BP x2, heart rate, SpO2, mood) and notes. */
export function makeCheckIn(recordedAt: Date, i = 0): CheckIn {
  return {
    checkInId: randomUUID(),
    recordedAt: recordedAt.toISOString(),
    vitals: { weightKg: 70 + (i % 30), systolicBp: 120 + (i % 20), diastolicBp: 80 - (i % 10), heartRate: 60 + (i % 40), spo2: 90 + (i % 10) },
    mood: 1 + (i % 5),
    notes: `private note ${i}`,
  };
}
export const OBSERVATIONS_PER_CHECKIN = 6;

export function checkInEvent(patientId: string, checkIn: CheckIn, tenantId = TENANT): VigilEvent<CheckIn> {
  return createEvent({
    id: checkIn.checkInId,
    source: 'vigil/ingest-api',
    type: EVENT_TYPES.checkinReceived,
    subject: patientId,
    time: checkIn.recordedAt,
    tenantid: tenantId,
    data: checkIn,
  });
}

/** `count` check-in events over `patients` patients, one every `stepMs` of device time from `start`. */
export function manyCheckIns(count: number, patients: number, start = Date.parse('2026-03-01T00:00:00Z'), stepMs = 60_000): VigilEvent<CheckIn>[] {
  const out: VigilEvent<CheckIn>[] = [];
  for (let i = 0; i < count; i++) out.push(checkInEvent(`patient-${i % patients}`, makeCheckIn(new Date(start + i * stepMs), i)));
  return out;
}

export interface TestKafka {
  prefix: string;
  kafka: Kafka;
  publisher: EventPublisher;
  close(): Promise<void>;
}

/** A unique topic prefix with checkins.v1 and its DLQ created (3 partitions), and a publisher. */
export async function createTestTopics(brokers = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092', partitions = 3): Promise<TestKafka> {
  const prefix = `t${randomBytes(4).toString('hex')}.`;
  const kafka = createKafka({ brokers: brokers.split(','), clientId: `writer-test-${prefix}`, topicPrefix: prefix, logLevel: 'error' });
  const specs = allTopicSpecs().filter((s) => s.name === TOPICS.checkins || s.name === `${TOPICS.checkins}.dlq`);
  await ensureTopics(kafka, { prefix, partitions, replicationFactor: 1, specs });
  const publisher = new EventPublisher(kafka, { ackTimeoutMs: 30_000 });
  await publisher.connect();
  return { prefix, kafka, publisher, close: () => publisher.disconnect() };
}

/** Publishes events in slices (keeps each produce request modest). */
export async function publishAll(publisher: EventPublisher, events: VigilEvent<unknown>[], slice = 500): Promise<void> {
  for (let i = 0; i < events.length; i += slice) await publisher.publishMany(TOPICS.checkins, events.slice(i, i + slice));
}

export function writerTestConfig(overrides: Record<string, string>): WriterConfig {
  return parseConfig(writerConfigSchema, {
    ...process.env,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'error',
    WRITER_GROUP_ID: `writer-test-${randomBytes(4).toString('hex')}`,
    WRITER_CONCURRENCY: '32',
    WRITER_RETRY_MAX_MS: '2000',
    ...overrides,
  });
}

export interface DlqMessage {
  key: string | null;
  value: string;
  headers: Record<string, string>;
}

/** Reads a whole topic from the beginning until `count` messages arrived (or the timeout). */
export async function readTopic(kafka: Kafka, topic: string, count: number, timeoutMs = 30_000): Promise<DlqMessage[]> {
  const consumer = kafka.consumer({ groupId: `reader-${randomBytes(4).toString('hex')}`, maxWaitTimeInMs: 200 });
  const out: DlqMessage[] = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${out.length} of ${count} messages on ${topic}`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = Array.isArray(v) ? String(v[0]) : String(v);
          out.push({ key: message.key?.toString() ?? null, value: message.value?.toString() ?? '', headers });
          if (out.length >= count) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}

/** Polls `probe` until it returns true; a probe that throws is tried again (libs/testing waitFor). */
export async function waitUntil(probe: () => Promise<boolean> | boolean, timeoutMs: number, what: string, everyMs = 100): Promise<void> {
  await waitFor(probe, timeoutMs, { intervalMs: everyMs, what });
}
