import { cassandraEnv, httpEnv, intFromEnv, kafkaEnv, logEnv, redisEnv, z } from '@vigil/config';
import { DEFAULT_MODEL_VERSION, MODEL_VERSIONS } from '@vigil/risk-engine';

/**
 * risk-scorer configuration, validated once at start-up (main.ts calls loadConfigOrExit).
 * Tests build the same object with `parseConfig(scorerConfigSchema, {...})`.
 */
export const scorerConfigSchema = z.object({
  ...kafkaEnv,
  ...cassandraEnv,
  ...redisEnv,
  ...httpEnv,
  ...logEnv,
  PORT: intFromEnv(0, 65535).default(3003),
  /** Consumer group of checkins.v1 and patients.v1. Tests use a unique one per run. */
  KAFKA_GROUP_ID: z.string().min(1).default('risk-scorer'),
  /** Which engine version scores live traffic ('static-v0' | 'v1'); default the engine's default. */
  MODEL_VERSION: z
    .string()
    .refine((v) => (MODEL_VERSIONS as readonly string[]).includes(v), { message: `must be one of ${MODEL_VERSIONS.join(', ')}` })
    .default(DEFAULT_MODEL_VERSION),
  /** How often the engagement (missed check-in) check runs. */
  ENGAGEMENT_CHECK_INTERVAL_MS: intFromEnv(100, 3_600_000).default(60_000),
  /**
   * Lease of the Redis lock that elects the one instance running the engagement check: how long a
   * leader that died without releasing it keeps the others out. Independent of the check interval.
   */
  ENGAGEMENT_LOCK_TTL_MS: intFromEnv(1_000, 3_600_000).default(15_000),
  /** How often the leader renews the lease and the others try to take it; default a third of the TTL. */
  ENGAGEMENT_LOCK_RENEW_MS: intFromEnv(100, 1_800_000).optional(),
  /** The engagement tick waits while the group has more unprocessed check-ins than this (catching up after downtime). */
  ENGAGEMENT_MAX_CONSUMER_LAG: intFromEnv(0, 100_000_000).default(100),
  /**
   * Before judging silences, a tick waits this long at most for the group to apply every check-in
   * that was on checkins.v1 when it started (a check-in in flight is never a missed one); else it defers.
   */
  ENGAGEMENT_CATCH_UP_WAIT_MS: intFromEnv(0, 600_000).default(10_000),
  /** Set to false to run no engagement checks in this process (e.g. a replay sandbox). */
  ENGAGEMENT_ENABLED: z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(true),
  /**
   * Patients scored in parallel within one consumed batch. Each patient's work is a chain of
   * Cassandra round trips (reads, scores, the state LWT), so a batch of N patients takes
   * ceil(N / this) chains end to end: at 200 check-ins/s a partition's batch holds ~30-60 patients.
   */
  SCORER_CONCURRENCY: intFromEnv(1, 256).default(64),
  /** checkins.v1 / patients.v1 partitions processed at once (a partition's batches stay in order); at least the partitions one instance holds. */
  SCORER_CONSUMER_PARTITIONS: intFromEnv(1, 256).default(12),
});

export type ScorerConfig = z.infer<typeof scorerConfigSchema>;

/** The lease: its TTL and renewal period (a third of the TTL unless set; at most half, so one failed renewal does not lose it). */
export function engagementLease(config: Pick<ScorerConfig, 'ENGAGEMENT_LOCK_TTL_MS' | 'ENGAGEMENT_LOCK_RENEW_MS'>): { ttlMs: number; renewEveryMs: number } {
  const ttlMs = config.ENGAGEMENT_LOCK_TTL_MS;
  const renewEveryMs = Math.min(config.ENGAGEMENT_LOCK_RENEW_MS ?? Math.floor(ttlMs / 3), Math.floor(ttlMs / 2));
  return { ttlMs, renewEveryMs };
}
