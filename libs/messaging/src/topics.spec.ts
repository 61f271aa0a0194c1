import { TOPIC_SPECS, TOPICS, type TopicSpec } from '@vigil/contracts';
import { topicConfigEntries, topicOptionsFromEnv } from './topics';

const spec = (name: string) => TOPIC_SPECS.find((s) => s.name === name) as TopicSpec;

describe('topicConfigEntries', () => {
  it("pins each topic's own cleanup policy and retention by default", () => {
    expect(topicConfigEntries(spec(TOPICS.alerts))).toEqual([
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: String(90 * 86_400_000) },
    ]);
    expect(topicConfigEntries(spec(TOPICS.patients), 'contract')).toEqual([
      { name: 'cleanup.policy', value: 'compact' },
      { name: 'retention.ms', value: '-1' },
    ]);
  });

  it('pins unlimited retention for sandboxes, keeping the cleanup policy', () => {
    expect(topicConfigEntries(spec(TOPICS.riskScores), 'unlimited')).toEqual([
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'retention.ms', value: '-1' },
    ]);
  });
});

describe('topicOptionsFromEnv', () => {
  it("takes prefix, partitions, replication and retention from a service's environment", () => {
    const env = { TOPIC_PREFIX: 'sandbox.', KAFKA_TOPIC_PARTITIONS: 6, KAFKA_REPLICATION_FACTOR: 3, KAFKA_TOPIC_RETENTION: 'unlimited' as const };
    expect(topicOptionsFromEnv(env)).toEqual({ prefix: 'sandbox.', partitions: 6, replicationFactor: 3, retention: 'unlimited' });
    expect(topicOptionsFromEnv(env, [spec(TOPICS.alerts)]).specs).toEqual([spec(TOPICS.alerts)]);
  });
});
