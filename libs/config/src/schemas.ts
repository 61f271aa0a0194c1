import { z } from 'zod';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const list = z.string().min(1).transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean));
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
  TOPIC_PREFIX: z.string().regex(/^[a-zA-Z0-9._-]*$/, 'letters, digits, dot, dash, underscore').default(''),
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
  CASSANDRA_KEYSPACE: z.string().regex(/^[a-z][a-z0-9_]{0,47}$/, 'lowercase letters, digits, underscore').default('vigil'),
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
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
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
};

export const logEnv = {
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
};

export { bool as boolFromEnv, list as listFromEnv, int as intFromEnv };
