/**
 * Topic creation against the real broker (KAFKA_BROKERS, default 127.0.0.1:9092). A fast CI once
 * failed a createTopic with "This server does not host this topic-partition": under KRaft the broker
 * learns of a new topic a moment after the controller; createTopic must wait that out, not fail.
 */
import { Partitioners } from 'kafkajs';
import { createKafka, type Kafka } from './index';
import { createTopic, topicPartitionCount, topicRetentionMs } from './topic-admin';
import { waitForTopicLeaders } from './topic-leaders';
import { withAdmin } from './with-admin';

jest.setTimeout(60_000);

describe('topic admin (real broker)', () => {
  const run = Math.random().toString(16).slice(2, 8);
  const created: string[] = [];
  let kafka: Kafka;

  beforeAll(() => {
    kafka = createKafka({ brokers: (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(','), clientId: 'topic-admin-it', logLevel: 'error' });
  });

  afterAll(async () => {
    if (created.length) await withAdmin(kafka, (admin) => admin.deleteTopics({ topics: created }));
  });

  it('a topic is usable the moment createTopic returns: offsets, settings and a send, ten times over', async () => {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      for (let i = 0; i < 10; i++) {
        const topic = `t-topic-admin-${run}-${i}`;
        created.push(topic);
        expect(await createTopic(kafka, { topic, partitions: 3, replicationFactor: 1, config: { 'retention.ms': '-1' } })).toBe(true);
        const offsets = await withAdmin(kafka, (admin) => admin.fetchTopicOffsets(topic));
        expect(offsets.map((o) => o.high)).toEqual(['0', '0', '0']);
        expect(await topicRetentionMs(kafka, topic)).toBe(-1);
        await producer.send({ topic, acks: -1, messages: [{ key: 'k', value: 'v', partition: i % 3 }] });
      }
    } finally {
      await producer.disconnect();
    }
    expect(await topicPartitionCount(kafka, created[0]!)).toBe(3);
  });

  it('creating an existing topic answers false and leaves it as it was', async () => {
    const topic = `t-topic-admin-${run}-again`;
    created.push(topic);
    expect(await createTopic(kafka, { topic, partitions: 2, replicationFactor: 1 })).toBe(true);
    expect(await createTopic(kafka, { topic, partitions: 5, replicationFactor: 1 })).toBe(false);
    expect(await topicPartitionCount(kafka, topic)).toBe(2);
  });

  it('waiting for a topic nobody creates ends at the deadline with an error naming it', async () => {
    const topic = `t-topic-admin-${run}-never`; // the local broker does not auto-create topics
    const started = Date.now();
    await expect(withAdmin(kafka, (admin) => waitForTopicLeaders(admin, [topic], 1500))).rejects.toThrow(
      new RegExp(`topics not ready after 1500 ms .*${topic}`),
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500);
    expect(Date.now() - started).toBeLessThan(15_000);
  });
});
