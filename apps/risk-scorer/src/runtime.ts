import Redis from 'ioredis';
import type { Client } from 'cassandra-driver';
import { prefixedTopic, TOPICS } from '@vigil/contracts';
import {
  committedLag,
  createKafka,
  EventPublisher,
  ensureTopics,
  topicOptionsFromEnv,
  KafkaBatchServer,
  kafkaLogLevel,
  kafkaSettingsFromEnv,
  type Kafka,
} from '@vigil/messaging';
import type { ModelVersion } from '@vigil/risk-engine';
import { createCassandraClient } from '@vigil/storage';
import { engagementLease, type ScorerConfig } from './config';
import { EngagementScheduler } from './engagement';
import { caughtUpTo } from './catch-up';
import { LeaderLease } from './leader-lease';
import { Scorer, type Publisher } from './scorer';
import { ScorerStore } from './scorer.store';
import { ThrottledWarning, type Logger } from '@vigil/observability';
import { createPinoLogger, ScorerMetrics, type ScorerLog } from './telemetry';

export const SCORER_RUNTIME = Symbol('SCORER_RUNTIME');

export interface ScorerRuntimeOptions {
  /** pino logger (default: @vigil/observability's, JSON on stdout at LOG_LEVEL). */
  logger?: Logger;
  /** Metrics (default: a fresh set; main.ts passes the process's getMetrics()). */
  metrics?: ScorerMetrics;
  /** Clock of the engagement check (tests). */
  now?: () => number;
  /** Wraps the publisher (tests inject faults / observe publishing). */
  wrapPublisher?: (p: Publisher) => Publisher;
  /** Consumer drain bound on shutdown; default 25 s. */
  shutdownTimeoutMs?: number;
}

/**
 * Everything the service holds: clients, the scorer and its scheduler. Built before Nest so that a
 * bad connection fails start-up with a clear message; closed after the consumer has drained.
 */
export interface ScorerRuntime {
  config: ScorerConfig;
  logger: Logger;
  log: ScorerLog;
  metrics: ScorerMetrics;
  kafka: Kafka;
  cassandra: Client;
  redis: Redis;
  publisher: EventPublisher;
  store: ScorerStore;
  scorer: Scorer;
  engagement: EngagementScheduler;
  server: KafkaBatchServer;
  /** Closes clients (after the consumer stopped: Nest's onApplicationShutdown). Idempotent. */
  close(): Promise<void>;
}

export async function createRuntime(config: ScorerConfig, opts: ScorerRuntimeOptions = {}): Promise<ScorerRuntime> {
  const logger = opts.logger ?? createPinoLogger(config.LOG_LEVEL);
  const log = logger;
  const metrics = opts.metrics ?? new ScorerMetrics();
  const cassandra = createCassandraClient(config, { applicationName: 'vigil-risk-scorer' });
  const kafka = createKafka({ ...kafkaSettingsFromEnv(config, 'vigil-risk-scorer'), logLevel: kafkaLogLevel(config.LOG_LEVEL) });
  // Redis only holds the engagement lease: a command fails fast while it is away (the tick is skipped).
  const redis = new Redis(config.REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    connectTimeout: 2000,
    commandTimeout: 2000,
  });
  const redisWarning = new ThrottledWarning(logger, Infinity); // once per outage
  redis.on('error', (e: Error) => redisWarning.warn({ error: e.message }, 'Redis unavailable; engagement ticks paused until it is back'));
  redis.on('ready', () => redisWarning.recovered({}, 'Redis available again'));
  const publisher = new EventPublisher(kafka);
  const closers: (() => Promise<unknown>)[] = [];
  try {
    await cassandra.connect();
    closers.push(() => cassandra.shutdown());
    await ensureTopics(kafka, topicOptionsFromEnv(config));
    await publisher.connect();
    closers.push(() => publisher.disconnect());
    await redis.connect().catch(() => undefined); // not fatal: see above
    closers.push(async () => redis.disconnect());
  } catch (e) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    redis.disconnect();
    throw e;
  }

  const store = new ScorerStore(cassandra, config.CASSANDRA_KEYSPACE);
  const scorer = new Scorer({
    store,
    publisher: opts.wrapPublisher ? opts.wrapPublisher(publisher) : publisher,
    modelVersion: config.MODEL_VERSION as ModelVersion,
    concurrency: config.SCORER_CONCURRENCY,
    log,
    metrics,
    now: opts.now,
  });
  // One lease per keyspace: the schedule it guards lives there.
  const lease = new LeaderLease(redis, `${config.REDIS_KEY_PREFIX}risk-scorer:${config.CASSANDRA_KEYSPACE}:engagement-lock`, engagementLease(config));
  const admin = kafka.admin();
  let adminConnected: Promise<void> | null = null;
  const checkinsTopic = prefixedTopic(TOPICS.checkins, config.TOPIC_PREFIX);
  /** Unprocessed check-ins of the whole group: end offsets minus committed offsets (Kafka admin API). */
  const consumerLag = async (): Promise<number | null> => {
    adminConnected ??= admin.connect().catch((e: unknown) => {
      adminConnected = null;
      throw e;
    });
    await adminConnected;
    const [ends, groups] = await Promise.all([
      admin.fetchTopicOffsets(checkinsTopic),
      admin.fetchOffsets({ groupId: config.KAFKA_GROUP_ID, topics: [checkinsTopic] }),
    ]);
    return committedLag(ends, groups[0]?.partitions ?? []);
  };
  /** Waits (bounded) until the group has applied every check-in that was on checkins.v1 when called (catch-up.ts). */
  const consumerCaughtUp = async (): Promise<boolean> => {
    adminConnected ??= admin.connect().catch((e: unknown) => {
      adminConnected = null;
      throw e;
    });
    await adminConnected;
    const endsThen = await admin.fetchTopicOffsets(checkinsTopic);
    const deadline = Date.now() + config.ENGAGEMENT_CATCH_UP_WAIT_MS;
    for (;;) {
      const groups = await admin.fetchOffsets({ groupId: config.KAFKA_GROUP_ID, topics: [checkinsTopic] });
      if (caughtUpTo(endsThen, groups[0]?.partitions ?? [])) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  closers.push(async () => {
    if (adminConnected) await admin.disconnect();
  });
  const engagement = new EngagementScheduler({
    scorer,
    store,
    lease,
    intervalMs: config.ENGAGEMENT_CHECK_INTERVAL_MS,
    log,
    metrics,
    concurrency: config.SCORER_CONCURRENCY,
    now: opts.now,
    consumerLag,
    maxLag: config.ENGAGEMENT_MAX_CONSUMER_LAG,
    consumerCaughtUp,
  });
  const server = new KafkaBatchServer({
    kafka,
    groupId: config.KAFKA_GROUP_ID,
    fromBeginning: true,
    shutdownTimeoutMs: opts.shutdownTimeoutMs,
    partitionsConcurrently: config.SCORER_CONSUMER_PARTITIONS,
  });

  // vigil_kafka_consumer_lag{topic, partition, group}, read from the transport at every scrape (revoked
  // partitions disappear).
  const untrackLag = metrics.vigil.trackConsumerLag(() => server.stats());
  closers.push(async () => untrackLag());

  let closed: Promise<void> | null = null;
  const runtime: ScorerRuntime = {
    config,
    logger,
    log,
    metrics,
    kafka,
    cassandra,
    redis,
    publisher,
    store,
    scorer,
    engagement,
    server,
    close() {
      closed ??= (async () => {
        await engagement.stop();
        for (const close of closers.reverse()) await close().catch((e: unknown) => log.warn({ error: String(e) }, 'error while closing'));
      })();
      return closed;
    },
  };
  return runtime;
}
