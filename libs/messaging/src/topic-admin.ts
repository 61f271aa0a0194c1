/**
 * Single-topic administration for tools (replay's sandbox topics). Service topics are created by
 * `ensureTopics` from the contracts' TopicSpecs; this is for topics outside that list.
 */
import type { Kafka } from 'kafkajs';
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

export interface CreateTopicOptions {
  topic: string;
  partitions: number;
  replicationFactor: number;
  /** Topic-level settings, e.g. `{ 'retention.ms': '604800000' }`. */
  config?: Record<string, string>;
}

/** Creates a topic (full name) and waits for its leaders; false if it existed already. */
export async function createTopic(kafka: Kafka, opts: CreateTopicOptions): Promise<boolean> {
  return withAdmin(kafka, (admin) =>
    admin.createTopics({
      waitForLeaders: true,
      timeout: 10_000,
      topics: [
        {
          topic: opts.topic,
          numPartitions: opts.partitions,
          replicationFactor: opts.replicationFactor,
          configEntries: Object.entries(opts.config ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
    }),
  );
}
