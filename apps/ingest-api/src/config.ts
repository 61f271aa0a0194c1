import { authEnv, boolFromEnv, httpEnv, intFromEnv, kafkaEnv, loadConfigOrExit, logEnv, parseConfig, redisEnv, z } from '@vigil/config';
import { authPolicyEnv } from '@vigil/auth';

const WEEK_SECONDS = 7 * 24 * 60 * 60;

/** ingest-api configuration: the shared pieces plus the settings below (all from the environment). */
export const ingestConfigSchema = z.object({
  ...kafkaEnv,
  ...redisEnv,
  ...httpEnv,
  ...authEnv,
  ...authPolicyEnv,
  ...logEnv,
  PORT: intFromEnv(0, 65535).default(3000),
  NODE_ENV: z.string().optional(),
  /** Body cap of POST /v1/check-ins (a check-in with 2,000 characters of notes is ~3 KiB). */
  INGEST_MAX_BODY_BYTES: intFromEnv(1024, 16 * 1024 * 1024).default(64 * 1024),
  /** Body cap of POST /v1/check-ins:batch (100 items). */
  INGEST_MAX_BATCH_BODY_BYTES: intFromEnv(1024, 64 * 1024 * 1024).default(1024 * 1024),
  /** Check-ins a patient may send per minute (a batch counts each item). */
  RATE_LIMIT_PER_MINUTE: intFromEnv(1, 1_000_000).default(60),
  /** How long a checkInId is remembered (at least 7 days: an offline phone retries for days). */
  IDEMPOTENCY_TTL_SECONDS: intFromEnv(WEEK_SECONDS, 366 * 24 * 60 * 60).default(WEEK_SECONDS),
  /** A check-in not acknowledged by all in-sync replicas within this time is answered 503. */
  KAFKA_ACK_TIMEOUT_MS: intFromEnv(100, 120_000).default(5000),
  /** How long concurrent produce calls wait to be sent together. */
  KAFKA_LINGER_MS: intFromEnv(0, 1000).default(2),
  /** Retry-After of a 503 when Kafka is unavailable. */
  RETRY_AFTER_SECONDS: intFromEnv(1, 3600).default(5),
  /** Create missing topics on start-up (partitions and replication from KAFKA_TOPIC_PARTITIONS / KAFKA_REPLICATION_FACTOR). */
  KAFKA_ENSURE_TOPICS: boolFromEnv.default(true),
  /** Redis commands slower than this count as "Redis unavailable" (fail-open paths). */
  REDIS_COMMAND_TIMEOUT_MS: intFromEnv(10, 60_000).default(500),
  /** Serve the OpenAPI document and UI at /docs. */
  DOCS_ENABLED: boolFromEnv.default(true),
});

export type IngestConfig = z.infer<typeof ingestConfigSchema>;

export function parseIngestConfig(env: Record<string, string | undefined> = process.env): IngestConfig {
  return parseConfig(ingestConfigSchema, env);
}

export function loadIngestConfigOrExit(env: Record<string, string | undefined> = process.env): IngestConfig {
  return loadConfigOrExit(ingestConfigSchema, env);
}
