import { z } from 'zod';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' }).transform((v) => v === 'true' || v === '1' || v === 'yes');
const list = z
  .string()
  .min(1)
  .transform((v) =>
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const CONSISTENCY = ['ONE', 'TWO', 'THREE', 'QUORUM', 'LOCAL_QUORUM', 'EACH_QUORUM', 'ALL', 'LOCAL_ONE'] as const;

export const kafkaEnv = {
  KAFKA_BROKERS: list.default(['127.0.0.1:9092']),
  KAFKA_CLIENT_ID: z.string().min(1).optional(),
  KAFKA_SSL: bool.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().optional(),
  KAFKA_SASL_PASSWORD: z.string().optional(),
  /** Tests isolate by prefixing every topic; empty in production. */
  TOPIC_PREFIX: z
    .string()
    .regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, dot, dash, underscore')
    .default(''),
  KAFKA_TOPIC_PARTITIONS: int(1, 1000).default(6),
  KAFKA_REPLICATION_FACTOR: int(1, 10).default(1),
  /**
   * Retention of the topics a service creates: `contract` (each topic's own, e.g. 90 days) or
   * `unlimited`, for sandboxes fed with old events (replay republish): retention counts from record
   * timestamps, which are the events' own times, so a sandbox scorer's output for last spring would
   * be deleted at the broker's next retention check.
   */
  KAFKA_TOPIC_RETENTION: z.enum(['contract', 'unlimited']).default('contract'),
};

export const cassandraEnv = {
  CASSANDRA_CONTACT_POINTS: list.default(['127.0.0.1:9042']),
  CASSANDRA_LOCAL_DC: z.string().min(1).default('datacenter1'),
  CASSANDRA_KEYSPACE: z
    .string()
    .regex(/^[a-z][a-z0-9_]{0,47}$/, 'lowercase letters, digits, underscore')
    .default('vigil'),
  CASSANDRA_READ_CONSISTENCY: z.enum(CONSISTENCY).default('ONE'),
  CASSANDRA_WRITE_CONSISTENCY: z.enum(CONSISTENCY).default('ONE'),
  /** Replication for migrations: a SimpleStrategy factor or a NetworkTopologyStrategy JSON map. */
  CASSANDRA_REPLICATION: z.string().default('{"class":"SimpleStrategy","replication_factor":1}'),
  CASSANDRA_USERNAME: z.string().optional(),
  CASSANDRA_PASSWORD: z.string().optional(),
  CASSANDRA_TLS: bool.default(false),
  CASSANDRA_TLS_CA_FILE: z.string().optional(),
};

export const redisEnv = {
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .default('redis://127.0.0.1:6379'),
  REDIS_KEY_PREFIX: z.string().default('vigil:'),
};

export const httpEnv = {
  HOST: z.string().default('0.0.0.0'),
  PORT: int(0, 65535),
  SHUTDOWN_GRACE_MS: int(0, 600_000).default(10_000),
};

export const authEnv = {
  /** One of: a JWKS URL (production), a PEM public key, or an HS256 secret (local dev only). */
  AUTH_JWKS_URL: z.string().url().optional(),
  AUTH_PUBLIC_KEY: z.string().optional(),
  AUTH_HS256_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  AUTH_ISSUER: z.string().default('vigil-dev'),
  AUTH_AUDIENCE: z.string().default('vigil'),
  /**
   * Local development and tests only: accept HS256 tokens (AUTH_HS256_SECRET, or the committed dev
   * secret when no key is configured). Off by default; refused together with NODE_ENV=production.
   * Without it and without AUTH_JWKS_URL / AUTH_PUBLIC_KEY a service refuses to start.
   */
  AUTH_DEV_MODE: bool.default(false),
  /** Longest token lifetime (exp - iat) accepted per role, in seconds. */
  AUTH_MAX_LIFETIME_PATIENT_SECONDS: int(60, 90 * 86_400).default(86_400),
  AUTH_MAX_LIFETIME_CARE_MANAGER_SECONDS: int(60, 7 * 86_400).default(12 * 3600),
  AUTH_MAX_LIFETIME_CARE_ADMIN_SECONDS: int(60, 7 * 86_400).default(12 * 3600),
};

export const cursorEnv = {
  /**
   * HMAC keys of page cursors (comma-separated, each at least 32 characters): the first signs, every
   * one verifies (keep the previous key second while rotating). Every instance of a service needs
   * the same keys. Required unless AUTH_DEV_MODE=true (then a built-in dev key is used).
   */
  CURSOR_SIGNING_KEYS: list.pipe(z.array(z.string().min(32, 'each key must be at least 32 characters'))).optional(),
};

export const logEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

export { bool as boolFromEnv, list as listFromEnv, int as intFromEnv };
