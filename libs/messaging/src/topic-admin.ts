/**
 * Single-topic administration for tools (replay's sandbox topics). Service topics are created by
 * `ensureTopics` from the contracts' TopicSpecs; this is for topics outside that list.
 */
import { ConfigResourceTypes, type Kafka } from 'kafkajs';
import { waitForTopicLeaders } from './topic-leaders';
import { withAdmin } from './with-admin';

/** The partition count of a topic (full name), or null when it does not exist. */
export async function topicPartitionCount(kafka: Kafka, topic: string): Promise<number | null> {
  return withAdmin(kafka, async (admin) => {
    const topics = await admin.listTopics();
    if (!topics.includes(topic)) return null;
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return meta.topics[0]?.partitions.length ?? null;
  });
}

/**
 * A topic's effective `retention.ms` (its own setting, else the broker's default); -1 is unlimited.
 * Retention counts from record timestamps, which for Vigil's events are the events' own times.
 */
export async function topicRetentionMs(kafka: Kafka, topic: string): Promise<number> {
  return withAdmin(kafka, async (admin) => {
    const r = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configNames: ['retention.ms'] }],
    });
    const value = r.resources[0]?.configEntries.find((c) => c.configName === 'retention.ms')?.configValue;
    const ms = Number(value);
    if (value === undefined || !Number.isFinite(ms)) throw new Error(`topic ${topic}: no retention.ms in its configuration`);
    return ms;
  });
}

export interface CreateTopicOptions {
  topic: string;
  partitions: number;
  replicationFactor: number;
  /** Topic-level settings, e.g. `{ 'retention.ms': '604800000' }`. */
  config?: Record<string, string>;
}

/** Creates a topic (full name) and waits until it has leaders; false if it existed already. */
export async function createTopic(kafka: Kafka, opts: CreateTopicOptions): Promise<boolean> {
  return withAdmin(kafka, async (admin) => {
    const created = await admin.createTopics({
      waitForLeaders: false, // waited for below: kafkajs's own wait gives up on a retriable error
      timeout: 10_000,
      topics: [
        {
          topic: opts.topic,
          numPartitions: opts.partitions,
          replicationFactor: opts.replicationFactor,
          configEntries: Object.entries(opts.config ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    await waitForTopicLeaders(admin, [opts.topic]);
    return created;
  });
}
