/* Test support for ingest-api's integration tests (not part of the service). */
import { randomUUID } from 'crypto';
import { Writable } from 'stream';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mintToken } from '@vigil/auth';
import { Role } from '@vigil/contracts';
import { createLogger } from '@vigil/observability';
import { deleteRedisPrefix, deleteTestTopics, testKafka, uniquePrefix, uniqueRedisPrefix } from '@vigil/testing';
import { createIngestApp } from './app';
import { IngestConfig, parseIngestConfig } from './config';

export const TEST_SECRET = 'ingest-api-integration-test-secret-0123456789';
export const TEST_ISSUER = 'vigil-test';
export const TEST_AUDIENCE = 'vigil';

export interface TestIngest {
  app: NestFastifyApplication;
  url: string;
  config: IngestConfig;
  /** Every log line written so far (JSON strings). */
  logs: string[];
  close(): Promise<void>;
}

/** The test environment; an override of `undefined` removes a setting. */
export function testEnv(label: string, overrides: Record<string, string | undefined> = {}): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PORT: '0',
    HOST: '127.0.0.1',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    TOPIC_PREFIX: uniquePrefix(label),
    REDIS_KEY_PREFIX: uniqueRedisPrefix(label),
    AUTH_HS256_SECRET: TEST_SECRET,
    AUTH_DEV_MODE: 'true',
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
    AUTH_ALLOWED_ORGS: 'org-1,org-2',
    KAFKA_TOPIC_PARTITIONS: '3',
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

/** The service in-process on a random port, on the test Kafka/Redis with its own topics and keys. */
export async function startTestIngest(
  label: string,
  overrides: Record<string, string | undefined> = {},
  opts: { cleanup?: boolean } = {},
): Promise<TestIngest> {
  const config = parseIngestConfig(testEnv(label, overrides));
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(line);
      cb();
    },
  });
  const logger = createLogger({ service: 'ingest-api', level: config.LOG_LEVEL, destination });
  const app = await createIngestApp(config, { logger });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = await app.getUrl();
  return {
    app,
    url: url.replace('[::1]', '127.0.0.1'),
    config,
    logs,
    async close() {
      await app.close();
      if (opts.cleanup !== false) {
        const kafka = testKafka('ingest-test-cleanup', { brokers: config.KAFKA_BROKERS });
        await deleteTestTopics(kafka, config.TOPIC_PREFIX).catch(() => undefined);
        await deleteRedisPrefix(config.REDIS_KEY_PREFIX, config.REDIS_URL).catch(() => undefined);
      }
    },
  };
}

export function token(
  sub: string,
  opts: { role?: Role; org?: string; expiresIn?: string | number; secret?: string; extra?: Record<string, unknown> } = {},
): Promise<string> {
  return mintToken(
    { sub, role: opts.role ?? 'patient', org: opts.org ?? 'org-1' },
    { secret: opts.secret ?? TEST_SECRET, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, expiresIn: opts.expiresIn ?? '10m', extra: opts.extra },
  );
}

/** A valid check-in recorded `minutesAgo` minutes ago. */
export function checkIn(overrides: Record<string, unknown> = {}, minutesAgo = 10): Record<string, unknown> {
  return {
    checkInId: randomUUID(),
    recordedAt: new Date(Date.now() - minutesAgo * 60_000).toISOString(),
    vitals: { weightKg: 81.4, systolicBp: 128, diastolicBp: 82, heartRate: 72, spo2: 96 },
    symptoms: { breathlessness: 1, chestPain: false },
    mood: 4,
    ...overrides,
  };
}

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
  ms: number;
}

export async function post<T = Record<string, unknown>>(
  base: string,
  path: string,
  body: unknown,
  opts: { token?: string; headers?: Record<string, string>; raw?: string } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...opts.headers };
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  const started = Date.now();
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: opts.raw ?? JSON.stringify(body) });
  const text = await res.text();
  let parsed: unknown = undefined;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed as T, text, ms: Date.now() - started };
}

/**
 * The rate limit uses fixed one-minute windows: a test that counts on one window waits, if needed,
 * until the current minute has at least `needSeconds` left.
 */
export async function withinOneRateWindow(needSeconds = 15): Promise<void> {
  const intoMinute = (Date.now() % 60_000) / 1000;
  if (60 - intoMinute < needSeconds) await new Promise((r) => setTimeout(r, (60 - intoMinute) * 1000 + 200));
}
