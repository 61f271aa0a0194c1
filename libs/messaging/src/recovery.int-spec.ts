/**
 * Recovery times of the consumer transport with the library's default group settings, against a
 * PRIVATE Kafka this file starts on its own ports (it is killed and restarted here):
 * - a consumer consumes again within 5 s of a restarted broker answering (DESIGN.md "Bars");
 * - a SIGKILLed member's partitions reach its replacement within 10 s.
 * Each test prints the time it measured.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { TOPICS } from '@vigil/contracts';
import { createTestTopics, startPrivateServer, testKafka, uniquePrefix, waitFor, type PrivateServer } from '@vigil/testing';
import { BatchConsumer } from './consumer';
import type { ConsumedEvent } from './consumed-event';
import { EventPublisher } from './publisher';
import type { Kafka } from 'kafkajs';
import { checkinEvent } from './test/fixtures';

jest.setTimeout(120_000);

const REPO = path.resolve(__dirname, '../../..');
const BROKER_TARGET_MS = 5_000;
const REPLACEMENT_TARGET_MS = 10_000;

let broker: PrivateServer;
let kafka: Kafka;
const prefix = uniquePrefix('recovery');

beforeAll(async () => {
  broker = await startPrivateServer('kafka', { env: { KAFKA_HEAP_OPTS: '-Xms128m -Xmx384m' } });
  kafka = testKafka('messaging-recovery-it', { brokers: [broker.address] });
  await createTestTopics(kafka, prefix, undefined, { partitions: 3 });
});

afterAll(async () => {
  await broker?.remove();
});

/** Publishes until one publish is acknowledged (the broker may still be electing leaders). */
async function publishSoon(publisher: EventPublisher, n: number, patient = 'p-recovery'): Promise<void> {
  await waitFor(
    async () => {
      try {
        await publisher.publish(TOPICS.alerts, checkinEvent(patient, n));
        return true;
      } catch {
        return false;
      }
    },
    30_000,
    { what: `publish ${n}`, intervalMs: 50 },
  );
}

describe('consumer recovery (private broker)', () => {
  it(`consumes again within ${BROKER_TARGET_MS} ms of a killed broker answering again`, async () => {
    const seen = new Map<number, number>();
    const consumer = new BatchConsumer(
      {
        kafka: { brokers: [broker.address], clientId: 'recovery-consumer', logLevel: 'error' },
        groupId: `g-broker-${Date.now().toString(36)}`,
        topicPrefix: prefix,
      },
      { [TOPICS.alerts]: { handle: async (e) => void seen.set(((e as ConsumedEvent).event.data as { n: number }).n, Date.now()) } },
    );
    const publisher = new EventPublisher(kafka, { topicPrefix: prefix, ackTimeoutMs: 2000 });
    try {
      await consumer.start();
      await consumer.whenReady(30_000);
      await publisher.connect();
      await publishSoon(publisher, 0);
      await waitFor(() => seen.has(0), 15_000, { what: 'the first message' });

      await broker.kill();
      // Down long enough for kafkajs' own retries to run out and its restart backoff to grow.
      await new Promise((r) => setTimeout(r, 12_000));
      await broker.up();
      const answering = Date.now();
      await publishSoon(publisher, 1);
      const publishedMs = Date.now() - answering;
      await waitFor(() => seen.has(1), 60_000, { what: 'a message after the restart', intervalMs: 50 });
      const recoveredMs = seen.get(1)! - answering;
      process.stdout.write(`consumer recovery after a broker restart: ${recoveredMs} ms after the broker answered (published at +${publishedMs} ms)\n`);
      expect(recoveredMs).toBeLessThanOrEqual(BROKER_TARGET_MS);
    } finally {
      await consumer.stop();
      await publisher.disconnect();
    }
  });

  it(`a replacement for a SIGKILLed member gets its partitions within ${REPLACEMENT_TARGET_MS} ms`, async () => {
    const groupId = `g-kill-${Date.now().toString(36)}`;
    const member: ChildProcess = spawn(process.execPath, ['-r', './tools/register.js', 'libs/messaging/src/test/member.ts'], {
      cwd: REPO,
      env: { ...process.env, KAFKA_BROKERS: broker.address, MEMBER_GROUP: groupId, MEMBER_PREFIX: prefix, MEMBER_TOPIC: TOPICS.alerts },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    member.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const publisher = new EventPublisher(kafka, { topicPrefix: prefix, ackTimeoutMs: 2000 });
    const seen = new Map<string, number>();
    let replacement: BatchConsumer | undefined;
    try {
      await waitFor(() => out.includes('ready'), 60_000, { what: 'the first member joined' });
      member.kill('SIGKILL');
      const killedAt = Date.now();
      replacement = new BatchConsumer(
        { kafka: { brokers: [broker.address], clientId: 'recovery-replacement', logLevel: 'error' }, groupId, topicPrefix: prefix },
        {
          [TOPICS.alerts]: {
            handle: async (e) => {
              const ev = e as ConsumedEvent;
              if (!seen.has(ev.event.subject!)) seen.set(ev.event.subject!, Date.now());
            },
          },
        },
      );
      await replacement.start();
      await publisher.connect();
      // Enough patients (keys) that every one of the 3 partitions gets some.
      const patients = Array.from({ length: 30 }, (_, i) => `p-kill-${i}`);
      await publisher.publishMany(
        TOPICS.alerts,
        patients.map((p, i) => checkinEvent(p, i)),
      );
      await waitFor(() => patients.every((p) => seen.has(p)), 90_000, { what: 'every partition consumed by the replacement', intervalMs: 50 });
      const movedMs = Math.max(...seen.values()) - killedAt;
      process.stdout.write(`partitions of a SIGKILLed member consumed by its replacement: ${movedMs} ms after the kill\n`);
      expect(movedMs).toBeLessThanOrEqual(REPLACEMENT_TARGET_MS);
    } finally {
      if (member.exitCode === null && member.signalCode === null) member.kill('SIGKILL');
      await replacement?.stop();
      await publisher.disconnect();
    }
  });
});
