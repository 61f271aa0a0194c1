/* Test support for care-api's integration tests (not part of the service). */
import { randomUUID } from 'crypto';
import { Writable } from 'stream';
import { mintToken } from '@vigil/auth';
import { AlertLifecycleData, AlertRaisedData, createEvent, EVENT_SOURCES, EVENT_TYPES, Role, VigilEvent } from '@vigil/contracts';
import { createLogger } from '@vigil/observability';
import { CareApp, createCareApp } from '../app';
import { parseCareConfig } from '../config';

export const TEST_SECRET = 'care-api-integration-test-secret-0123456789';
export const TEST_ISSUER = 'vigil-test';
export const TEST_AUDIENCE = 'vigil';
export const TEST_CURSOR_KEY = 'care-api-integration-test-cursor-key-0123456789';

/** The test environment; an override of `undefined` removes a setting. */
export function careTestEnv(overrides: Record<string, string | undefined>): Record<string, string> {
  const env: Record<string, string | undefined> = {
    PORT: '0',
    HOST: '127.0.0.1',
    KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
    CASSANDRA_CONTACT_POINTS: process.env['CASSANDRA_CONTACT_POINTS'] ?? '127.0.0.1:9042',
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    AUTH_HS256_SECRET: TEST_SECRET,
    AUTH_DEV_MODE: 'true',
    CURSOR_SIGNING_KEYS: TEST_CURSOR_KEY,
    AUTH_ISSUER: TEST_ISSUER,
    AUTH_AUDIENCE: TEST_AUDIENCE,
    KAFKA_TOPIC_PARTITIONS: '3',
    KAFKA_ENSURE_TOPICS: 'false',
    LOG_LEVEL: 'info',
    NODE_ENV: 'test',
    DOCS_ENABLED: 'true',
    // Other suites create only the topics they use; the worklist's suites turn it on.
    WORKLIST_CONSUMER_ENABLED: 'false',
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined));
}

export interface TestCare extends CareApp {
  /** Every log line written so far (JSON strings). */
  logs: string[];
}

/** care-api in-process on a random port; logs captured. */
export async function startCare(overrides: Record<string, string | undefined>, opts: { waitForConsumer?: boolean } = {}): Promise<TestCare> {
  const config = parseCareConfig(careTestEnv(overrides));
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(line);
      cb();
    },
  });
  const logger = createLogger({ service: 'care-api', level: config.LOG_LEVEL, destination });
  const app = await createCareApp(config, { logger, defaultMetrics: false, waitForConsumer: opts.waitForConsumer ?? true, fanoutPollMs: 1000 });
  return Object.assign(app, { logs });
}

export function token(sub: string, role: Role, org: string, teams?: string[], expiresIn: string | number = '30m'): Promise<string> {
  return mintToken({ sub, role, org, teams }, { secret: TEST_SECRET, issuer: TEST_ISSUER, audience: TEST_AUDIENCE, expiresIn });
}

export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<HttpResult<T>> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${path}`, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.status, headers: res.headers, body: body as T, text };
}

export function raisedEvent(p: {
  tenantId: string;
  careTeamId: string;
  patientId: string;
  alertId?: string;
  summary?: string;
  at?: Date;
}): VigilEvent<AlertRaisedData> {
  const alertId = p.alertId ?? randomUUID();
  const at = (p.at ?? new Date()).toISOString();
  return createEvent({
    id: alertId,
    source: EVENT_SOURCES.riskScorer,
    type: EVENT_TYPES.alertRaised,
    subject: p.patientId,
    time: at,
    tenantid: p.tenantId,
    data: {
      alertId,
      modelVersion: 'v1',
      patientId: p.patientId,
      tenantId: p.tenantId,
      careTeamId: p.careTeamId,
      ruleCode: 'symptom.chestPain',
      severity: 'critical',
      level: 'high',
      score: 80,
      checkInId: randomUUID(),
      triggeredAt: at,
      reasons: [{ code: 'symptom.chestPain', value: true, threshold: 'any', points: 0, severity: 'critical', message: p.summary ?? 'Chest pain reported' }],
      summary: p.summary ?? 'Chest pain reported',
    },
  });
}

export function lifecycleEvent(a: AlertRaisedData, status: 'acknowledged' | 'resolved', by: string): VigilEvent<AlertLifecycleData> {
  const at = new Date().toISOString();
  return createEvent({
    id: `${a.alertId}:${status}`,
    source: EVENT_SOURCES.careApi,
    type: status === 'acknowledged' ? EVENT_TYPES.alertAcknowledged : EVENT_TYPES.alertResolved,
    subject: a.patientId,
    time: at,
    tenantid: a.tenantId,
    data: { alertId: a.alertId, patientId: a.patientId, tenantId: a.tenantId, careTeamId: a.careTeamId, status, by, at },
  });
}

/** Registers care teams of the admin token's organisation (PUT /v1/teams/{teamId}; the token must hold them). */
export async function registerTeams(base: string, adminToken: string, teams: readonly string[]): Promise<void> {
  for (const teamId of teams) {
    const r = await call(base, 'PUT', `/v1/teams/${encodeURIComponent(teamId)}`, { token: adminToken, body: { name: `Team ${teamId}` } });
    if (r.status !== 201 && r.status !== 200) throw new Error(`registering ${teamId}: ${r.status} ${r.text}`);
  }
}
