import { boolFromEnv, cassandraEnv, httpEnv, intFromEnv, kafkaEnv, logEnv, z } from '@vigil/config';

/** timeseries-writer configuration (validated once in main.ts; a bad setting exits naming it). */
export const writerConfigSchema = z.object({
  ...kafkaEnv,
  ...cassandraEnv,
  ...httpEnv,
  ...logEnv,
  PORT: intFromEnv(0, 65535).default(3002),
  /** Create checkins.v1 and checkins.v1.dlq at start if missing (a consumer owns its dead-letter topic). */
  KAFKA_ENSURE_TOPICS: boolFromEnv.default(true),
  /** Consumer group; tests use unique ones. */
  WRITER_GROUP_ID: z.string().min(1).default('timeseries-writer'),
  /** Cassandra statements in flight at once while writing one batch. */
  WRITER_CONCURRENCY: intFromEnv(1, 1024).default(64),
  /**
   * Most check-ins handed to the writer at once (a slice of one partition's fetched batch). The rows of
   * a slice are grouped by partition into single-partition batches, and of its latest-value upserts
   * only the newest per patient and metric is sent; one slice is committed after all of it is written.
   */
  WRITER_MAX_BATCH_SIZE: intFromEnv(1, 100_000).default(2000),
  /** Upper bound of the retry back-off after a Cassandra error (the partition is paused meanwhile). */
  WRITER_RETRY_MAX_MS: intFromEnv(100, 600_000).default(10_000),
  /** Kafka group session timeout: how long a crashed writer holds its partitions before another takes over (libs/messaging README, "Group settings"). */
  WRITER_SESSION_TIMEOUT_MS: intFromEnv(6_000, 300_000).default(8_000),
});

export type WriterConfig = z.infer<typeof writerConfigSchema>;
