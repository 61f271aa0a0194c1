import {
  authEnv,
  boolFromEnv,
  cassandraEnv,
  cursorEnv,
  httpEnv,
  intFromEnv,
  kafkaEnv,
  loadConfigOrExit,
  logEnv,
  parseConfig,
  redisEnv,
  z,
} from '@vigil/config';
import { authPolicyEnv } from '@vigil/auth';

const DAY_SECONDS = 24 * 60 * 60;

/** care-api configuration: the shared pieces plus the settings below (all from the environment). */
export const careConfigSchema = z.object({
  ...kafkaEnv,
  ...cassandraEnv,
  ...redisEnv,
  ...httpEnv,
  ...authEnv,
  ...authPolicyEnv,
  ...cursorEnv,
  ...logEnv,
  PORT: intFromEnv(0, 65535).default(3001),
  NODE_ENV: z.string().optional(),
  /** Consumer group of alerts.v1: every care-api instance joins the same one (partitions are shared). */
  KAFKA_GROUP_ID: z.string().min(1).default('care-api'),
  /** Create the topics care-api writes and consumes (patients.v1, alerts.v1 and its DLQ) at start-up. */
  KAFKA_ENSURE_TOPICS: boolFromEnv.default(true),
  /** A produce (enrolment, acknowledge, resolve) not acknowledged in this time is answered 503. */
  KAFKA_ACK_TIMEOUT_MS: intFromEnv(100, 120_000).default(5000),
  KAFKA_LINGER_MS: intFromEnv(0, 1000).default(2),
  /** alerts.v1 partitions processed at once by this instance (kafkajs partitionsConsumedConcurrently). */
  ALERT_CONSUMER_PARTITIONS: intFromEnv(1, 64).default(6),
  /**
   * Patients of one consumed alerts.v1 batch stored at once (a patient's events stay in order).
   * Storing is four Cassandra / Redis round trips in a row, and a partition's next batch waits for
   * this one: a batch takes ceil(patients / this) of those chains (bench/e2e.bench.ts).
   */
  ALERT_CONSUMER_CONCURRENCY: intFromEnv(1, 256).default(64),
  /** Heartbeat comment interval of every SSE stream (proxies close idle connections). */
  SSE_HEARTBEAT_MS: intFromEnv(50, 300_000).default(15_000),
  /** `retry:` sent to EventSource clients: how soon they reconnect after a drop. */
  SSE_RETRY_MS: intFromEnv(100, 600_000).default(2000),
  /** Open SSE streams per instance; one more is answered 503 with Retry-After. */
  SSE_MAX_CONNECTIONS: intFromEnv(1, 100_000).default(2000),
  /** Open SSE streams (alerts and worklist) of one organisation on one instance; one more is a 429 with Retry-After. */
  SSE_MAX_STREAMS_PER_TENANT: intFromEnv(1, 100_000).default(500),
  /** Open SSE streams of one user on one instance (a few browser tabs); one more is a 429 with Retry-After. */
  SSE_MAX_STREAMS_PER_USER: intFromEnv(1, 10_000).default(10),
  /** Requests one user (token org + sub) may make per window, across all instances (counted in Redis); more is a 429 with Retry-After. */
  RATE_LIMIT_REQUESTS: intFromEnv(1, 10_000_000).default(600),
  RATE_LIMIT_WINDOW_SECONDS: intFromEnv(1, 3600).default(60),
  /** Lifetime of a stream ticket (POST /v1/alerts/stream-tickets): long enough to open the stream with it. */
  STREAM_TICKET_TTL_SECONDS: intFromEnv(5, 600).default(30),
  /** Accept the bearer token as `?access_token=` on the stream (RFC 6750 2.3; it ends up in proxy logs and history). */
  SSE_ACCESS_TOKEN_IN_URL: boolFromEnv.default(false),
  /** A live client this far behind (bytes unsent in the socket) is disconnected; it resumes with Last-Event-ID. */
  SSE_MAX_BUFFERED_BYTES: intFromEnv(16 * 1024, 256 * 1024 * 1024).default(4 * 1024 * 1024),
  /** Entries kept in each tenant's Redis alert stream (approximate trimming); older resumes are served from Cassandra. */
  ALERT_STREAM_REDIS_MAXLEN: intFromEnv(100, 10_000_000).default(20_000),
  /** How long Redis remembers an alert event id (fast dedupe of redeliveries; Cassandra remembers forever). */
  ALERT_STREAM_DEDUP_TTL_SECONDS: intFromEnv(60, 400 * DAY_SECONDS).default(7 * DAY_SECONDS),
  /** Oldest position a reconnecting client is served from (days); an older Last-Event-ID resumes from there. */
  ALERT_RESUME_MAX_DAYS: intFromEnv(1, 90).default(7),
  /**
   * Run the worklist consumer (its own group, `<KAFKA_GROUP_ID>.worklist`, of patients.v1,
   * risk-scores.v1, alerts.v1 and care-activity.v1). Off: GET /v1/worklist serves what is stored.
   */
  WORKLIST_CONSUMER_ENABLED: boolFromEnv.default(true),
  /** Patients of one consumed worklist batch folded at once (a patient's events stay in order). */
  WORKLIST_CONSUMER_CONCURRENCY: intFromEnv(1, 256).default(32),
  /** Entries kept in each tenant's Redis worklist stream (approximate trimming); older resumes are served from Cassandra. */
  WORKLIST_STREAM_REDIS_MAXLEN: intFromEnv(100, 10_000_000).default(50_000),
  /** Body cap of every request (a patient profile is well under 1 KiB). */
  CARE_MAX_BODY_BYTES: intFromEnv(1024, 1024 * 1024).default(16 * 1024),
  /** Redis commands slower than this fail (the request answers 503, the consumer retries). */
  REDIS_COMMAND_TIMEOUT_MS: intFromEnv(10, 60_000).default(2000),
  /** Built dashboard served at /dashboard when the folder exists (relative to the working directory). */
  DASHBOARD_DIR: z.string().default('apps/care-dashboard/dist'),
  /**
   * The identity provider the dashboard signs in with (OpenID Connect issuer, its discovery document
   * at <issuer>/.well-known/openid-configuration) and the dashboard's public client id. Unset: the
   * dashboard offers pasting a dev token (AUTH_DEV_MODE only).
   */
  DASHBOARD_OIDC_ISSUER: z.string().url().optional(),
  DASHBOARD_OIDC_CLIENT_ID: z.string().min(1).default('vigil-dashboard'),
  /** Serve the OpenAPI document and UI at /docs. */
  DOCS_ENABLED: boolFromEnv.default(true),
  /** Retry-After of a 503 (Kafka, Cassandra or Redis unavailable). */
  RETRY_AFTER_SECONDS: intFromEnv(1, 3600).default(5),
});

export type CareConfig = z.infer<typeof careConfigSchema>;

export function parseCareConfig(env: Record<string, string | undefined> = process.env): CareConfig {
  return parseConfig(careConfigSchema, env);
}

export function loadCareConfigOrExit(env: Record<string, string | undefined> = process.env): CareConfig {
  return loadConfigOrExit(careConfigSchema, env);
}
