/**
 * care-api's security classes on the real Kafka, Cassandra and Redis: signed page
 * cursors on every paged endpoint (forged, garbled, cross-tenant, other filters, a signed window
 * past the caps), single-use stream tickets.
 */
import { spawnSync } from 'child_process';
import { generateKeyPairSync, randomUUID } from 'crypto';
import path from 'path';
import { DEV_HS256_SECRET, mintToken } from '@vigil/auth';
import { allTopicSpecs, dlqTopic, TOPICS } from '@vigil/contracts';
import { CursorSigner, openSse, SseClientConnection } from '@vigil/http';
import { EventPublisher } from '@vigil/messaging';
import { monthBucket, ObservationRepository } from '@vigil/storage';
import {
  createTestKeyspace,
  createTestTopics,
  deleteRedisPrefix,
  deleteTestTopics,
  frameworkRefusalCases,
  rawHttp,
  testKafka,
  TestKeyspace,
  uniquePrefix,
  uniqueRedisPrefix,
  waitFor,
} from '@vigil/testing';
import { call, raisedEvent, registerTeams, startCare, TEST_CURSOR_KEY, TestCare, token } from './testing/support';

jest.setTimeout(60_000);

const ORG = 'org-1';
const OTHER_ORG = 'org-2';
const DAY = 86_400_000;
/** Fixed instants: three days of data in January 2026. */
const T0 = Date.UTC(2026, 0, 5, 8);
const FROM = new Date(T0 - DAY).toISOString();
const TO = new Date(T0 + 10 * DAY).toISOString();

type Page = { items: unknown[]; nextCursor: string | null };

describe('care-api security: signed cursors, stream tickets (real servers)', () => {
  let ks: TestKeyspace;
  let prefix: string;
  let redisPrefix: string;
  let care: TestCare;
  let publisher: EventPublisher;
  const kafka = testKafka('care-security-test');
  const t: Record<string, string> = {};
  const open: SseClientConnection[] = [];

  beforeAll(async () => {
    prefix = uniquePrefix('care-sec');
    redisPrefix = uniqueRedisPrefix('care-sec');
    const mine = new Set<string>([TOPICS.alerts, dlqTopic(TOPICS.alerts), TOPICS.patients, TOPICS.audit]);
    [ks] = await Promise.all([
      createTestKeyspace('care_sec'),
      createTestTopics(
        kafka,
        prefix,
        allTopicSpecs().filter((s) => mine.has(s.name)),
      ),
    ]);
    care = await startCare({
      TOPIC_PREFIX: prefix,
      CASSANDRA_KEYSPACE: ks.keyspace,
      REDIS_KEY_PREFIX: redisPrefix,
      KAFKA_GROUP_ID: `care-api-${prefix}`,
      LOG_LEVEL: 'warn',
    });
    publisher = new EventPublisher(kafka, { topicPrefix: prefix });
    await publisher.connect();
    const mk = async (name: string, sub: string, role: 'care-admin' | 'care-manager' | 'patient', org: string, teams?: string[]) =>
      (t[name] = await token(sub, role, org, teams));
    await Promise.all([
      mk('admin', 'admin-1', 'care-admin', ORG, ['team-a']),
      mk('nurseA', 'nurse-a', 'care-manager', ORG, ['team-a']),
      mk('otherAdmin', 'admin-z', 'care-admin', OTHER_ORG, ['team-a']),
      mk('otherNurse', 'nurse-z', 'care-manager', OTHER_ORG, ['team-a']),
      mk('patient', 'p-1', 'patient', ORG),
    ]);
    // The same patient id and team in both organisations: a cross-tenant cursor passes every other check.
    const profile = { careTeamId: 'team-a', conditions: ['copd'], news2SpO2Scale: 1 };
    await Promise.all([registerTeams(care.url, t['admin'], ['team-a']), registerTeams(care.url, t['otherAdmin'], ['team-a'])]);
    const enrolled = await Promise.all([
      call(care.url, 'PUT', '/v1/patients/p-1', { token: t['admin'], body: profile }),
      call(care.url, 'PUT', '/v1/patients/p-1', { token: t['otherAdmin'], body: profile }),
    ]);
    expect(enrolled.map((r) => r.status)).toEqual([201, 201]);
    const obs = new ObservationRepository(ks.client, ks.keyspace);
    const insertRisk = `INSERT INTO "${ks.keyspace}".risk_scores_by_patient (tenant_id, patient_id, bucket, recorded_at, check_in_id, model_version, score, level, factors, news2, late, event_id, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    for (const org of [ORG, OTHER_ORG]) {
      const points = [0, 1, 2].map((i) => ({ at: new Date(T0 + i * DAY), id: randomUUID() }));
      await obs.writeObservations(
        points.map((p, i) => ({ tenantId: org, patientId: 'p-1', metric: 'weightKg', recordedAt: p.at, checkInId: p.id, value: 80 + i })),
        4,
      );
      for (const p of points) {
        await ks.client.execute(insertRisk, [org, 'p-1', monthBucket(p.at), p.at, p.id, 'v1', 10, 'low', '[]', null, false, randomUUID(), p.at], {
          prepare: true,
        });
      }
      for (let i = 0; i < 3; i++)
        await publisher.publish(TOPICS.alerts, raisedEvent({ tenantId: org, careTeamId: 'team-a', patientId: 'p-1', at: new Date(T0 + i * DAY) }));
    }
    await waitFor(
      async () => {
        const [mine, theirs] = await Promise.all([
          call<Page>(care.url, 'GET', '/v1/alerts', { token: t['nurseA'] }),
          call<Page>(care.url, 'GET', '/v1/alerts', { token: t['otherNurse'] }),
        ]);
        return mine.body.items?.length === 3 && theirs.body.items?.length === 3;
      },
      30_000,
      { what: 'the raised alerts to be listed' },
    );
  });

  afterAll(async () => {
    for (const c of open) c.close();
    await publisher?.disconnect();
    await care?.close();
    await Promise.all([
      deleteTestTopics(kafka, prefix, [`care-api-${prefix}`]).catch(() => undefined),
      deleteRedisPrefix(redisPrefix).catch(() => undefined),
      ks?.drop(),
    ]);
  });

  /** Each paged endpoint: its first-page query, and the binding its cursors are signed for (for the window-cap case). */
  const endpoints = [
    { name: 'alerts list', first: '/v1/alerts?limit=1', next: (c: string) => `/v1/alerts?limit=1&cursor=${c}` },
    {
      name: 'observations',
      first: `/v1/patients/p-1/observations?metric=weightKg&limit=1&from=${FROM}&to=${TO}`,
      next: (c: string) => `/v1/patients/p-1/observations?metric=weightKg&limit=1&cursor=${c}`,
    },
    { name: 'risk', first: `/v1/patients/p-1/risk?limit=1&from=${FROM}&to=${TO}`, next: (c: string) => `/v1/patients/p-1/risk?limit=1&cursor=${c}` },
  ];

  const firstCursor = async (path: string, who = 'nurseA'): Promise<string> => {
    const r = await call<Page>(care.url, 'GET', path, { token: t[who] });
    expect([path, r.status]).toEqual([path, 200]);
    expect(r.body.nextCursor).toEqual(expect.any(String));
    return r.body.nextCursor!;
  };

  const expectCursorRefused = (r: { status: number; headers: Headers; body: Record<string, unknown> }, what: string) => {
    expect([what, r.status]).toEqual([what, 400]);
    expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(r.body).toMatchObject({ status: 400, requestId: expect.any(String), errors: [{ path: 'cursor', message: expect.any(String) }] });
  };

  it.each(endpoints)('$name: its own cursor pages on; a forged, a garbled and a cross-tenant cursor are a 400 problem', async (e) => {
    const cursor = await firstCursor(e.first);
    const ok = await call<Page>(care.url, 'GET', e.next(cursor), { token: t['nurseA'] });
    expect(ok.status).toBe(200);
    expect(ok.body.items).toHaveLength(1);

    const [payload, mac] = cursor.split('.');
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
    // Forged: the payload edited (a window or position from 1900) with the old signature, and the old unsigned form.
    const edited = Object.fromEntries(Object.entries(decoded).map(([k, v]) => [k, typeof v === 'number' ? Date.UTC(1900, 0, 1) : v]));
    const forged = `${Buffer.from(JSON.stringify(edited)).toString('base64url')}.${mac}`;
    const unsigned = Buffer.from(JSON.stringify({ v: 1, ...edited })).toString('base64url');
    // Garbled: one character of the signature changed, a truncated cursor, noise.
    const flipped = `${payload}.${mac.slice(0, -2)}${mac.endsWith('AA') ? 'BB' : 'AA'}`;
    for (const [what, bad] of [
      ['forged', forged],
      ['unsigned', unsigned],
      ['flipped', flipped],
      ['truncated', cursor.slice(0, 20)],
      ['noise', 'abc.def'],
    ] as const) {
      expectCursorRefused(await call(care.url, 'GET', e.next(encodeURIComponent(bad)), { token: t['nurseA'] }), `${e.name} ${what}`);
    }
    // Cross-tenant: the other organisation has the same patient id and team, so only the binding can refuse it.
    expectCursorRefused(await call(care.url, 'GET', e.next(cursor), { token: t['otherNurse'] }), `${e.name} cross-tenant`);
    // The other tenant's own cursor still works for them.
    expect((await call(care.url, 'GET', e.next(await firstCursor(e.first, 'otherNurse')), { token: t['otherNurse'] })).status).toBe(200);
  });

  it('binds a cursor to the query filters: another status, patient or metric is a 400', async () => {
    const alerts = await firstCursor('/v1/alerts?limit=1');
    expectCursorRefused(await call(care.url, 'GET', `/v1/alerts?limit=1&status=open&cursor=${alerts}`, { token: t['nurseA'] }), 'other status');
    expectCursorRefused(await call(care.url, 'GET', `/v1/alerts?limit=1&patientId=p-1&cursor=${alerts}`, { token: t['nurseA'] }), 'other patientId');
    const obs = await firstCursor(endpoints[1].first);
    expectCursorRefused(await call(care.url, 'GET', `/v1/patients/p-1/observations?metric=heartRate&cursor=${obs}`, { token: t['nurseA'] }), 'other metric');
    expectCursorRefused(await call(care.url, 'GET', `/v1/patients/p-1/risk?cursor=${obs}`, { token: t['nurseA'] }), 'other endpoint');
  });

  it('applies the range caps to a validly signed cursor exactly as to from/to', async () => {
    // Signed with the service's own key and binding: only the window checks can refuse these.
    const signer = new CursorSigner([TEST_CURSOR_KEY]);
    const binding = (scope: string, filters: Record<string, string>) => ({ scope, tenantId: ORG, filters: { patientId: 'p-1', ...filters } });
    const from1900 = { f: Date.UTC(1900, 0, 1), t: T0, o: 'asc', c: 'x' };
    const backwards = { f: T0, t: T0 - DAY, o: 'asc', c: 'x' };
    for (const w of [from1900, backwards]) {
      const obs = signer.sign(w, binding('patient.observations', { metric: 'weightKg' }));
      expectCursorRefused(
        await call(care.url, 'GET', `/v1/patients/p-1/observations?metric=weightKg&cursor=${obs}`, { token: t['nurseA'] }),
        'observations window',
      );
      const risk = signer.sign(w, binding('patient.risk', {}));
      expectCursorRefused(await call(care.url, 'GET', `/v1/patients/p-1/risk?cursor=${risk}`, { token: t['nurseA'] }), 'risk window');
    }
    // The same caps on query parameters, for comparison.
    const q = await call(care.url, 'GET', `/v1/patients/p-1/observations?metric=weightKg&from=1900-01-01&to=${TO}`, { token: t['nurseA'] });
    expect(q.status).toBe(400);
    // The alert list: an absurd instant (once a 500 from the driver) and a position outside from/to.
    const alerts = (pos: object, filters: Record<string, unknown>) =>
      signer.sign(pos, { scope: 'alerts.list', tenantId: ORG, filters: { status: 'acknowledged,open', ...filters } });
    expectCursorRefused(await call(care.url, 'GET', `/v1/alerts?cursor=${alerts({ t: 9e15, a: 'x' }, {})}`, { token: t['nurseA'] }), 'absurd instant');
    const window = { from: Date.parse(FROM), to: Date.parse(TO) };
    const outside = alerts({ t: Date.UTC(1900, 0, 1), a: 'x' }, window);
    expectCursorRefused(await call(care.url, 'GET', `/v1/alerts?from=${FROM}&to=${TO}&cursor=${outside}`, { token: t['nurseA'] }), 'position outside from/to');
  });

  it('opens a stream with a single-use ticket; a used, unknown or URL-token credential is a 401 problem', async () => {
    const issued = await call<{ ticket: string; expiresAt: string }>(care.url, 'POST', '/v1/alerts/stream-tickets', { token: t['nurseA'] });
    expect(issued.status).toBe(201);
    expect(issued.body.ticket).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(issued.body.expiresAt) - Date.now()).toBeLessThanOrEqual(30_000);
    const c = await openSse(`${care.url}/v1/alerts/stream?ticket=${issued.body.ticket}`);
    open.push(c);
    expect(c.status).toBe(200);
    await c.waitFor((es) => es.some((x) => x.event === 'ready'), 15_000, 'ready');

    const again = await openSse(`${care.url}/v1/alerts/stream?ticket=${issued.body.ticket}`);
    open.push(again);
    expect(again.status).toBe(401);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(again.body)).toMatchObject({ status: 401, requestId: expect.any(String), detail: expect.stringMatching(/used or expired/) });

    for (const query of ['ticket=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', 'ticket=short', `access_token=${t['nurseA']}`]) {
      const r = await call(care.url, 'GET', `/v1/alerts/stream?${query}`);
      expect([query, r.status]).toEqual([query, 401]);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    // A ticket is for the stream only, and only staff get one.
    const other = await call<{ ticket: string }>(care.url, 'POST', '/v1/alerts/stream-tickets', { token: t['nurseA'] });
    expect((await call(care.url, 'GET', `/v1/alerts?ticket=${other.body.ticket}`)).status).toBe(401);
    expect((await call(care.url, 'POST', '/v1/alerts/stream-tickets', { token: t['patient'] })).status).toBe(403);
    expect((await call(care.url, 'POST', '/v1/alerts/stream-tickets')).status).toBe(401);
  });

  const expectProblemWithId = (r: { status: number; headers: Record<string, string>; body: string }, status: number, what: string, detail = /./) => {
    expect([what, r.status]).toEqual([what, status]);
    expect([what, r.headers['content-type']]).toEqual([what, expect.stringMatching(/^application\/problem\+json/)]);
    const body = JSON.parse(r.body) as { status: number; requestId: string; detail: string };
    expect([what, body.status, body.detail]).toEqual([what, status, expect.stringMatching(detail)]);
    expect(body.requestId).toEqual(expect.any(String));
    expect(r.headers['x-request-id']).toBe(body.requestId);
  };

  it.each(frameworkRefusalCases('/v1/alerts'))('answers a framework refusal as problem+json with a request id: $name', async (c) => {
    expectProblemWithId(await rawHttp(care.url, c.request), c.status, c.name, c.detail);
  });

  it('one id rule: a 128-character id is enrolled and read, a 129-character path parameter is a 414 problem', async () => {
    const id = `p${'x'.repeat(127)}`;
    const put = await call(care.url, 'PUT', `/v1/patients/${id}`, {
      token: t['admin'],
      body: { careTeamId: 'team-a', conditions: ['copd'], news2SpO2Scale: 1 },
    });
    expect(put.status).toBe(201);
    expect((await call(care.url, 'GET', `/v1/patients/${id}`, { token: t['nurseA'] })).status).toBe(200);
    const long = await rawHttp(
      care.url,
      `GET /v1/patients/${id}x HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t['nurseA']}\r\nConnection: close\r\n\r\n`,
    );
    expectProblemWithId(long, 414, 'a 129-character id');
  });

  it('a body over the limit is a 413 problem (not a 400 on from); a calendar-invalid date a 400 naming the parameter', async () => {
    const big = await call(care.url, 'PUT', '/v1/patients/p-1', {
      token: t['admin'],
      body: { careTeamId: 'team-a', conditions: ['copd'], news2SpO2Scale: 1, pad: 'x'.repeat(20_000) },
    });
    expect(big.status).toBe(413);
    expect(big.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(big.body).toMatchObject({ status: 413, requestId: expect.any(String) });
    expect(big.body).not.toHaveProperty('errors');
    const cases: [string, string][] = [
      ['/v1/alerts?from=2026-02-30', 'from'],
      ['/v1/alerts?status=resolved&to=2026-04-31T00:00:00Z', 'to'],
      ['/v1/patients/p-1/observations?metric=weightKg&from=2026-02-29', 'from'],
      ['/v1/patients/p-1/risk?from=2026-01-01&to=2025-02-29T10:00:00Z', 'to'],
    ];
    for (const [path, param] of cases) {
      const r = await call<{ errors: { path: string }[] }>(care.url, 'GET', path, { token: t['nurseA'] });
      expect([path, r.status]).toEqual([path, 400]);
      expect([path, r.body.errors.map((e) => e.path)]).toEqual([path, [param]]);
    }
    // A real leap day is fine.
    expect((await call(care.url, 'GET', '/v1/patients/p-1/observations?metric=weightKg&from=2024-02-29&to=2026-02-28', { token: t['nurseA'] })).status).toBe(
      200,
    );
    // A resolved-alert span too long to list is a 400 before any bucket is built (once a RangeError disguised as 400).
    const wide = await call<{ errors: { path: string }[] }>(care.url, 'GET', '/v1/alerts?status=resolved&from=1900-01-01&to=2026-01-01', {
      token: t['nurseA'],
    });
    expect(wide.status).toBe(400);
  });

  it('accepts dev-secret tokens only with AUTH_DEV_MODE=true; without keys and without it, it refuses to start and says why', async () => {
    const dev = await startCare(
      {
        TOPIC_PREFIX: prefix,
        CASSANDRA_KEYSPACE: ks.keyspace,
        REDIS_KEY_PREFIX: redisPrefix,
        KAFKA_GROUP_ID: `care-api-${prefix}-dev`,
        AUTH_HS256_SECRET: undefined,
        AUTH_ISSUER: 'vigil-dev',
        AUTH_AUDIENCE: 'vigil',
        CURSOR_SIGNING_KEYS: undefined,
        LOG_LEVEL: 'warn',
      },
      { waitForConsumer: false },
    );
    try {
      const devToken = await mintToken({ sub: 'nurse-a', role: 'care-manager', org: ORG, teams: ['team-a'] }, { secret: DEV_HS256_SECRET, expiresIn: '5m' });
      const r = await call<Page>(dev.url, 'GET', '/v1/alerts?limit=1', { token: devToken });
      expect(r.status).toBe(200);
      // Paging works with the built-in dev cursor key.
      expect((await call(dev.url, 'GET', `/v1/alerts?limit=1&cursor=${r.body.nextCursor}`, { token: devToken })).status).toBe(200);
    } finally {
      await dev.close();
    }
    const pem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const refusals: [Record<string, string>, RegExp][] = [
      [{}, /AUTH_JWKS_URL or AUTH_PUBLIC_KEY[\s\S]*AUTH_DEV_MODE/],
      [{ NODE_ENV: 'staging' }, /AUTH_JWKS_URL or AUTH_PUBLIC_KEY[\s\S]*AUTH_DEV_MODE/],
      [{ AUTH_HS256_SECRET: DEV_HS256_SECRET }, /needs AUTH_DEV_MODE=true/],
      [{ AUTH_DEV_MODE: 'true', NODE_ENV: 'production' }, /refused with NODE_ENV=production/],
      [{ AUTH_PUBLIC_KEY: pem }, /CURSOR_SIGNING_KEYS/],
    ];
    for (const [env, message] of refusals) {
      const r = spawnSync(process.execPath, ['-r', './tools/register.js', 'apps/care-api/src/main.ts'], {
        cwd: path.resolve(__dirname, '../../..'),
        encoding: 'utf8',
        timeout: 30_000,
        env: {
          PATH: process.env['PATH'] ?? '',
          OTEL_SDK_DISABLED: 'true',
          PORT: '0',
          HOST: '127.0.0.1',
          KAFKA_BROKERS: '127.0.0.1:1',
          REDIS_URL: 'redis://127.0.0.1:1',
          ...env,
        },
      });
      expect([env, r.status]).toEqual([env, 1]);
      expect(`${r.stdout}${r.stderr}`).toMatch(message);
    }
  });
});
