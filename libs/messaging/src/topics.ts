import { allTopicSpecs, prefixedTopic, type TopicSpec } from '@vigil/contracts';
import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import { backoffDelay, sleep } from './backoff';
import { loggerFor } from './settings';
import { waitForTopicLeaders } from './topic-leaders';

export interface EnsureTopicsOptions {
  /** Prefix of every topic name (tests); default none. */
  prefix?: string;
  partitions: number;
  replicationFactor: number;
  /** Default: every topic with its dead-letter topic (`allTopicSpecs()`). */
  specs?: readonly TopicSpec[];
  /** Overall deadline. Default 30 s. */
  timeoutMs?: number;
  /** `unlimited` pins retention.ms=-1 instead of each spec's (sandboxes fed with old events). Default `contract`. */
  retention?: TopicRetention;
}

export type TopicRetention = 'contract' | 'unlimited';

/** The topic settings of a service's environment (`kafkaEnv` of @vigil/config). */
export interface TopicEnvConfig {
  TOPIC_PREFIX: string;
  KAFKA_TOPIC_PARTITIONS: number;
  KAFKA_REPLICATION_FACTOR: number;
  KAFKA_TOPIC_RETENTION: TopicRetention;
}

/** ensureTopics options from a service's environment, for `specs` (default: every topic). */
export function topicOptionsFromEnv(config: TopicEnvConfig, specs?: readonly TopicSpec[]): EnsureTopicsOptions {
  return {
    prefix: config.TOPIC_PREFIX,
    partitions: config.KAFKA_TOPIC_PARTITIONS,
    replicationFactor: config.KAFKA_REPLICATION_FACTOR,
    retention: config.KAFKA_TOPIC_RETENTION,
    ...(specs ? { specs } : {}),
  };
}

const TOPIC_CONFIG_SOURCE = 1; // DescribeConfigs: set on the topic itself

/** The config entries a spec pins on its topic. */
export function topicConfigEntries(spec: TopicSpec, retention: TopicRetention = 'contract'): { name: string; value: string }[] {
  return [
    { name: 'cleanup.policy', value: spec.cleanupPolicy },
    { name: 'retention.ms', value: retention === 'unlimited' ? '-1' : String(spec.retentionMs) },
  ];
}

/**
 * Creates missing topics and pins `cleanup.policy` / `retention.ms` on existing ones. Idempotent,
 * and safe when several services run it at once (a topic another process just created is fine).
 * An existing topic keeps its partition count: growing it would move keys between partitions and
 * break per-patient ordering, so a mismatch is only logged.
 */
export async function ensureTopics(kafka: Kafka, opts: EnsureTopicsOptions): Promise<void> {
  const log = loggerFor(kafka, 'vigil.messaging.topics');
  const specs = opts.specs ?? allTopicSpecs();
  const wanted = new Map(specs.map((s) => [prefixedTopic(s.name, opts.prefix), s]));
  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  const admin = kafka.admin();
  await admin.connect();
  // Topics missing when looked at (created here, or by another process a moment ago): only these
  // can still be unknown to the broker or leaderless.
  const fresh = new Set<string>();
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await createMissing(admin, wanted, opts, fresh);
        // A topic created a moment ago may not be known to every broker yet ("does not host this
        // topic-partition"): describing its configs is retried with the creation.
        await alignConfigs(admin, wanted, opts.retention);
        break;
      } catch (e) {
        if (Date.now() > deadline) throw e;
        log.warn({ error: String((e as Error)?.message ?? e), attempt }, 'creating or configuring topics failed, retrying');
        await sleep(backoffDelay(attempt, { initialMs: 100, maxMs: 2000 }));
      }
    }
    if (fresh.size) await waitForTopicLeaders(admin, [...fresh], Math.max(1000, deadline - Date.now()));
    const meta = await admin.fetchTopicMetadata({ topics: [...wanted.keys()] });
    for (const t of meta.topics) {
      if (t.partitions.length !== opts.partitions) {
        log.warn(
          { topic: t.name, partition: t.partitions.length, size: opts.partitions },
          'topic has a different partition count than configured; left unchanged',
        );
      }
    }
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Creates the topics that do not exist yet, adding their names to `fresh` (even if the creation fails part-way). */
async function createMissing(admin: Admin, wanted: Map<string, TopicSpec>, opts: EnsureTopicsOptions, fresh: Set<string>): Promise<void> {
  const existing = new Set(await admin.listTopics());
  const missing = [...wanted.entries()].filter(([name]) => !existing.has(name));
  if (missing.length === 0) return;
  for (const [name] of missing) fresh.add(name);
  try {
    await admin.createTopics({
      waitForLeaders: false, // ensureTopics waits for leaders itself (waitForTopicLeaders)
      timeout: 10_000,
      topics: missing.map(([topic, spec]) => ({
        topic,
        numPartitions: opts.partitions,
        replicationFactor: opts.replicationFactor,
        configEntries: topicConfigEntries(spec, opts.retention),
      })),
    });
  } catch (e) {
    // Some created by another process meanwhile (kafkajs only tolerates "all already exist"):
    // look again; what still misses is created on the next attempt.
    const now = new Set(await admin.listTopics());
    if (missing.every(([name]) => now.has(name))) return;
    throw e;
  }
}

async function alignConfigs(admin: Admin, wanted: Map<string, TopicSpec>, retention: TopicRetention | undefined): Promise<void> {
  const names = [...wanted.keys()];
  const described = await admin.describeConfigs({
    includeSynonyms: false,
    resources: names.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
  });
  const toAlter: { type: ConfigResourceTypes; name: string; configEntries: { name: string; value: string }[] }[] = [];
  for (const res of described.resources) {
    const spec = wanted.get(res.resourceName);
    if (!spec) continue;
    const current = new Map(res.configEntries.map((c) => [c.configName, c]));
    const desired = topicConfigEntries(spec, retention);
    const differs = desired.some((d) => current.get(d.name)?.configValue !== d.value);
    if (!differs) continue;
    // AlterConfigs (kafkajs has no incremental variant) replaces the topic's whole override set:
    // carry over every other override set on the topic so nothing an operator set is lost.
    const keep = res.configEntries
      .filter((c) => c.configSource === TOPIC_CONFIG_SOURCE && !c.isSensitive && !desired.some((d) => d.name === c.configName))
      .map((c) => ({ name: c.configName, value: c.configValue }));
    toAlter.push({ type: ConfigResourceTypes.TOPIC, name: res.resourceName, configEntries: [...keep, ...desired] });
  }
  if (toAlter.length) await admin.alterConfigs({ validateOnly: false, resources: toAlter });
}
