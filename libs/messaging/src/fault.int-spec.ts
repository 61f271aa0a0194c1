/**
 * Broker loss and recovery, fast: a switchable TCP proxy (test/fault-proxy.ts) stands between the
 * client and the shared broker, so "Kafka down" takes milliseconds and nothing else is disturbed.
 */
import { TOPICS } from '@vigil/contracts';
import { createTestTopics, deleteTestTopics, testKafka, testKafkaBrokers, uniquePrefix, waitFor } from '@vigil/testing';
import { BatchConsumer } from './consumer';
import type { ConsumedEvent } from './consumed-event';
import { KafkaUnavailableError } from './errors';
import { EventPublisher } from './publisher';
import { checkinEvent } from './test/fixtures';
import { FaultyNetwork } from './test/fault-proxy';

jest.setTimeout(40_000);

const admin = testKafka('messaging-fault-it');
const prefix = uniquePrefix('fault');
const net = new FaultyNetwork();
const kafka = net.kafka(testKafkaBrokers());
const groupId = `g-fault-${Date.now().toString(36)}`;

beforeAll(async () => {
  await createTestTopics(admin, prefix);
});

afterAll(async () => {
  await net.close();
  await deleteTestTopics(admin, prefix, [groupId]);
});

describe('EventPublisher when the broker goes away', () => {
  let publisher: EventPublisher;
  beforeAll(async () => {
    net.set('up');
    publisher = new EventPublisher(kafka, { topicPrefix: prefix, ackTimeoutMs: 1500, reconnect: { initialMs: 100, maxMs: 400 } });
    await publisher.connect();
  });
  afterAll(async () => {
    net.set('up');
    await publisher.disconnect();
  });

  it('broker down: publish rejects with KafkaUnavailableError within ackTimeoutMs, and recovers on its own', async () => {
    await publisher.publish(TOPICS.checkins, checkinEvent('p-fault', 0));
    net.set('down');
    const t0 = Date.now();
    const results = await Promise.allSettled([1, 2, 3].map((i) => publisher.publish(TOPICS.checkins, checkinEvent('p-fault', i))));
    expect(Date.now() - t0).toBeLessThan(2500);
    for (const r of results) expect(r.status === 'rejected' && r.reason instanceof KafkaUnavailableError).toBe(true);
    // While down, callers are answered at once (no pile-up).
    const t1 = Date.now();
    await expect(publisher.publish(TOPICS.checkins, checkinEvent('p-fault', 4))).rejects.toBeInstanceOf(KafkaUnavailableError);
    expect(Date.now() - t1).toBeLessThan(2000);

    net.set('up');
    await waitFor(() => publisher.isConnected(), 15_000, { what: 'publisher reconnected' });
    await publisher.publish(TOPICS.checkins, checkinEvent('p-fault', 5));
  });

  it('broker hung (no answers): callers get KafkaUnavailableError instead of hanging; a fresh producer takes over', async () => {
    const created = publisher.stats().producersCreated;
    net.set('blackhole');
    const t0 = Date.now();
    await expect(publisher.publish(TOPICS.checkins, checkinEvent('p-hang', 0))).rejects.toBeInstanceOf(KafkaUnavailableError);
    expect(Date.now() - t0).toBeLessThan(2500);
    net.set('down'); // drop the hung connections
    net.set('up');
    await waitFor(
      async () => {
        try {
          await publisher.publish(TOPICS.checkins, checkinEvent('p-hang', 1));
          return true;
        } catch {
          return false;
        }
      },
      15_000,
      { what: 'publish works again', intervalMs: 100 },
    );
    expect(publisher.stats().producersCreated).toBeGreaterThan(created);
  });
});

describe('BatchConsumer when the broker goes away', () => {
  it('keeps consuming after the connections drop: nothing lost, in order', async () => {
    net.set('up');
    const producer = new EventPublisher(admin, { topicPrefix: prefix });
    await producer.connect();
    const seen: number[] = [];
    const consumer = new BatchConsumer(
      { kafka, groupId, topicPrefix: prefix, maxWaitTimeMs: 100, sessionTimeoutMs: 6000, heartbeatIntervalMs: 500 },
      { [TOPICS.alerts]: { handle: async (e) => void seen.push(((e as ConsumedEvent).event.data as { n: number }).n) } },
    );
    try {
      await consumer.start();
      await consumer.whenReady(15_000);
      await producer.publishMany(
        TOPICS.alerts,
        [0, 1, 2, 3, 4].map((i) => checkinEvent('p-consumer', i)),
      );
      await waitFor(() => seen.length >= 5, 10_000, { what: 'first five' });
      net.set('down');
      await producer.publishMany(
        TOPICS.alerts,
        [5, 6, 7, 8, 9].map((i) => checkinEvent('p-consumer', i)),
      ); // straight to the broker
      await new Promise((r) => setTimeout(r, 1500));
      net.set('up');
      // Distinct values: a redelivery after the cut (at-least-once) must not end the wait early.
      await waitFor(() => new Set(seen).size >= 10, 30_000, { what: 'the five published while the consumer was cut off' });
      expect([...new Set(seen)]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    } finally {
      await consumer.stop();
      await producer.disconnect();
    }
  });
});
