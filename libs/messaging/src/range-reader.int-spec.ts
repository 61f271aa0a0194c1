/**
 * range-reader, group-admin and topic-admin against the real broker (KAFKA_BROKERS, default
 * 127.0.0.1:9092): a topic of its own, records with chosen timestamps, reads that span many fetches.
 */
import { createKafka, type Kafka } from './index';
import { describeConsumerGroup, groupIsActive } from './group-admin';
import { planTopicRange, rangeSize, readTopicRange, type RangeRecord } from './range-reader';
import { createTopic, topicPartitionCount } from './topic-admin';
import { FaultyNetwork } from './test/fault-proxy';

jest.setTimeout(60_000);

const T0 = Date.UTC(2026, 0, 1);
const MIN = 60_000;

describe('range reader (real broker)', () => {
  const topic = `t-range-reader-${Math.random().toString(16).slice(2, 8)}`;
  let kafka: Kafka;
  const perPartition = 150;

  beforeAll(async () => {
    kafka = createKafka({ brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','), clientId: 'range-reader-it', logLevel: 'error' });
    expect(await topicPartitionCount(kafka, topic)).toBeNull();
    expect(await createTopic(kafka, { topic, partitions: 2, replicationFactor: 1 })).toBe(true);
    expect(await topicPartitionCount(kafka, topic)).toBe(2);
    const producer = kafka.producer();
    await producer.connect();
    // Record i of each partition is stamped T0 + i minutes, except every 10th, stamped an hour earlier (late).
    // Sent 10 at a time: each send is one record batch, so a 2 KiB fetch gets one batch (10 records).
    for (const partition of [0, 1]) {
      for (let first = 0; first < perPartition; first += 10) {
        await producer.send({
          topic,
          acks: -1,
          messages: Array.from({ length: 10 }, (_, k) => first + k).map((i) => ({
            partition,
            key: `k${i}`,
            value: Buffer.alloc(400, i % 256),
            timestamp: String(T0 + i * MIN - (i % 10 === 9 ? 60 * MIN : 0)),
          })),
        });
      }
    }
    await producer.disconnect();
  });

  afterAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('plans offsets from timestamps and reads exactly [start, end) across many fetches, leaving no group', async () => {
    const range = await planTopicRange(kafka, topic, { fromTimestamp: T0 + 20 * MIN, untilTimestamp: T0 + 100 * MIN });
    const used = range.partitions;
    expect(used).toHaveLength(2);
    for (const p of used) expect([p.start, p.end]).toEqual(['20', '100']);
    expect(rangeSize(range)).toBe(160);

    const got: RangeRecord[] = [];
    const batches: number[] = [];
    const result = await readTopicRange(kafka, range, {
      maxBytesPerPartition: 2048,
      onBatch: (records) => {
        batches.push(records.length);
        got.push(...records);
      },
    });
    expect(result.complete).toBe(true);
    expect(result.records).toBe(160);
    expect(batches.length).toBeGreaterThan(10);
    for (const p of used) {
      const offsets = got.filter((r) => r.partition === p.partition).map((r) => Number(r.offset));
      expect(offsets).toEqual(Array.from({ length: 80 }, (_, i) => 20 + i));
    }
    const info = await describeConsumerGroup(kafka, result.groupId);
    expect(info.state).toBe('Dead');
    expect(groupIsActive(info)).toBe(false);
  });

  // Connections dropped for 3 s are retried inside kafkajs (no restart). A retriable crash (a hang
  // longer than the retries) restarts the consumer, which rejoins and seeks back: checked by hand
  // with a blackhole of 8 s and one retry (1 restart, every record once), but not kept here: the
  // rejoin waits out the lost member's 30 s session, and on a starved machine the whole test
  // outlasted its minute.
  it('loses and repeats nothing when its broker connections reset for 3 s mid-read', async () => {
    const net = new FaultyNetwork();
    const faulty = net.kafka((process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','), 'range-reader-fault');
    const range = await planTopicRange(kafka, topic);
    const got: RangeRecord[] = [];
    let cutAt = -1;
    try {
      const result = await readTopicRange(faulty, range, {
        maxBytesPerPartition: 2048,
        onBatch: (records) => {
          got.push(...records);
          if (cutAt < 0 && got.length >= 60) {
            cutAt = got.length;
            net.set('down'); // every connection reset, new ones refused...
            setTimeout(() => net.set('up'), 3000); // ...for 3 s
          }
        },
      });
      expect(result.complete).toBe(true);
      process.stdout.write(`range read across a 3 s reset: ${result.records} records, ${result.restarts} restart(s)\n`);
    } finally {
      await net.close();
    }
    expect(cutAt).toBeGreaterThanOrEqual(60);
    expect(cutAt).toBeLessThan(2 * perPartition); // the cut came mid-read
    for (const partition of [0, 1]) {
      const offsets = got.filter((r) => r.partition === partition).map((r) => Number(r.offset));
      expect(offsets).toEqual(Array.from({ length: perPartition }, (_, i) => i));
    }
  });

  it('stops when aborted and says where', async () => {
    const range = await planTopicRange(kafka, topic);
    const controller = new AbortController();
    let seen = 0;
    const result = await readTopicRange(kafka, range, {
      maxBytesPerPartition: 2048,
      signal: controller.signal,
      onBatch: (records) => {
        seen += records.length;
        if (seen >= 30) controller.abort();
      },
    });
    expect(result.complete).toBe(false);
    expect(result.records).toBeLessThan(2 * perPartition);
    expect(result.positions.some((p) => Number(p.next) < Number(p.end))).toBe(true);
  });
});
