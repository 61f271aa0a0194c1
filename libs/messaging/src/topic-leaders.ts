import type { Admin, ITopicMetadata } from 'kafkajs';
import { backoffDelay, sleep } from './backoff';

/**
 * Waits until every partition of `topics` has a leader that answers for it, and returns their metadata.
 *
 * Why not kafkajs's `createTopics({ waitForLeaders: true })`: it retries only LEADER_NOT_AVAILABLE.
 * Under KRaft a broker may answer UNKNOWN_TOPIC_OR_PARTITION ("does not host this topic-partition")
 * for a moment after the controller has created the topic; on a fast CI machine that failed a
 * topic creation outright. And metadata can name a leader before that leader serves the partition
 * (NOT_LEADER_FOR_PARTITION on ListOffsets), so the offsets are asked for too. Every retriable Kafka
 * error is retried until the deadline.
 */
export async function waitForTopicLeaders(admin: Admin, topics: readonly string[], timeoutMs = 30_000): Promise<ITopicMetadata[]> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    let notReady: string;
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [...topics] });
      const leaderless = meta.topics.filter((t) => t.partitions.length === 0 || t.partitions.some((p) => p.leader < 0));
      const missing = topics.filter((name) => !meta.topics.some((t) => t.name === name));
      if (leaderless.length === 0 && missing.length === 0) {
        for (const topic of topics) await admin.fetchTopicOffsets(topic); // throws until every leader serves its partition
        return meta.topics;
      }
      notReady = `no leader yet for ${[...missing, ...leaderless.map((t) => t.name)].join(', ')}`;
    } catch (e) {
      if (!isRetriable(e)) throw e;
      notReady = (e as Error).message;
    }
    if (Date.now() + 1 > deadline) {
      throw new Error(`topics not ready after ${timeoutMs} ms (${notReady}): ${topics.join(', ')}`);
    }
    await sleep(Math.min(backoffDelay(attempt, { initialMs: 50, maxMs: 1000 }), Math.max(0, deadline - Date.now())));
  }
}

function isRetriable(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { retriable?: unknown }).retriable === true;
}
