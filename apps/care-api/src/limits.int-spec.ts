/**
 * Abuse limits (class 8) on the real Kafka, Cassandra and Redis: a per-user request rate
 * limit that holds across two instances (429 problem + Retry-After, another user unaffected), and
 * per-user, per-organisation and per-instance caps on open SSE streams (slots free when a stream ends).
 */
import { allTopicSpecs, dlqTopic, TOPICS } from '@vigil/contracts';
import { openSse, type SseClientConnection } from '@vigil/http';
import {
  createTestKeyspace,
  createTestTopics,
  deleteRedisPrefix,
  deleteTestTopics,
  testKafka,
  type TestKeyspace,
  uniquePrefix,
  uniqueRedisPrefix,
  waitFor,
} from '@vigil/testing';
import { StreamSlots } from './limits/stream-slots';
import { call, startCare, type TestCare, token } from './testing/support';

jest.setTimeout(90_000);

const ORG = 'org-1';

describe('care-api abuse limits (real servers)', () => {
  let ks: TestKeyspace;
  let prefix: string;
  let redisPrefix: string;
  /** a and b: two instances of one deployment (RATE_LIMIT_REQUESTS 5); c: small stream caps. */
  let a: TestCare;
  let b: TestCare;
  let c: TestCare;
  const kafka = testKafka('care-limits-test');
  const open: SseClientConnection[] = [];

  beforeAll(async () => {
    prefix = uniquePrefix('care-limits');
    redisPrefix = uniqueRedisPrefix('care-limits');
    const mine = new Set<string>([TOPICS.alerts, dlqTopic(TOPICS.alerts), TOPICS.patients, TOPICS.audit]);
    [ks] = await Promise.all([
      createTestKeyspace('care_limits'),
      createTestTopics(
        kafka,
        prefix,
        allTopicSpecs().filter((s) => mine.has(s.name)),
      ),
    ]);
    const env = {
      TOPIC_PREFIX: prefix,
      CASSANDRA_KEYSPACE: ks.keyspace,
      REDIS_KEY_PREFIX: redisPrefix,
      KAFKA_GROUP_ID: `care-api-${prefix}`,
      LOG_LEVEL: 'warn',
    };
    [a, b, c] = await Promise.all([
      startCare({ ...env, RATE_LIMIT_REQUESTS: '5', RATE_LIMIT_WINDOW_SECONDS: '60' }, { waitForConsumer: false }),
      startCare({ ...env, RATE_LIMIT_REQUESTS: '5', RATE_LIMIT_WINDOW_SECONDS: '60' }, { waitForConsumer: false }),
      startCare(
        {
          ...env,
          REDIS_KEY_PREFIX: `${redisPrefix}c:`,
          SSE_MAX_STREAMS_PER_USER: '2',
          SSE_MAX_STREAMS_PER_TENANT: '3',
          SSE_MAX_CONNECTIONS: '4',
          RETRY_AFTER_SECONDS: '7',
        },
        { waitForConsumer: false },
      ),
    ]);
  });

  afterAll(async () => {
    for (const s of open) s.close();
    await Promise.all([a?.close(), b?.close(), c?.close()]);
    await Promise.all([deleteTestTopics(kafka, prefix).catch(() => undefined), deleteRedisPrefix(redisPrefix).catch(() => undefined), ks?.drop()]);
  });

  it("limits one user's requests across instances (429 problem with Retry-After); another user of the organisation is unaffected", async () => {
    const nurse = await token('nurse-busy', 'care-manager', ORG, ['team-a']);
    const colleague = await token('nurse-calm', 'care-manager', ORG, ['team-a']);
    const statuses: number[] = [];
    for (const app of [a, b, a, b, a]) {
      const r = await call(app.url, 'GET', '/v1/teams', { token: nurse });
      statuses.push(r.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    for (const app of [a, b]) {
      const r = await call(app.url, 'GET', '/v1/teams', { token: nurse });
      expect(r.status).toBe(429);
      expect(r.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(r.body).toMatchObject({ status: 429, type: expect.stringContaining('rate-limited'), requestId: expect.any(String) });
      const retryAfter = Number(r.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
    }
    const other = await call(b.url, 'GET', '/v1/teams', { token: colleague });
    expect(other.status).toBe(200);
    expect(other.headers.get('x-ratelimit-limit')).toBe('5');
    expect(other.headers.get('x-ratelimit-remaining')).toBe('4');
    // Open routes take nothing from anyone's budget.
    expect((await call(a.url, 'GET', '/health/live')).status).toBe(200);
    // An invalid token is a 401, not a 429 on the user it names.
    expect((await call(a.url, 'GET', '/v1/teams', { token: `${colleague}x` })).status).toBe(401);
  });

  const stream = async (tok: string): Promise<SseClientConnection> => {
    const s = await openSse(`${c.url}/v1/alerts/stream`, { headers: { authorization: `Bearer ${tok}` } });
    open.push(s);
    if (s.status === 200) await s.waitFor((es) => es.some((e) => e.event === 'ready'), 15_000, 'ready');
    return s;
  };
  const expectRefused = (s: SseClientConnection, status: number, detail: RegExp) => {
    expect(s.status).toBe(status);
    expect(s.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(s.headers['retry-after']).toBe('7');
    expect(JSON.parse(s.body)).toMatchObject({ status, requestId: expect.any(String), detail: expect.stringMatching(detail) });
  };

  it('caps open streams per user (429), per organisation (429) and per instance (503); a closed stream frees its slot', async () => {
    const slots = c.app.get(StreamSlots);
    const [u1, u2, u3, u4] = await Promise.all([
      token('nurse-1', 'care-manager', ORG, ['team-a']),
      token('nurse-2', 'care-manager', ORG, ['team-a']),
      token('nurse-3', 'care-manager', 'org-2', ['team-a']),
      token('nurse-4', 'care-manager', 'org-3', ['team-a']),
    ]);
    const first = await stream(u1);
    expect([first.status, (await stream(u1)).status]).toEqual([200, 200]);
    expectRefused(await stream(u1), 429, /open streams/);
    expect((await stream(u2)).status).toBe(200); // another user of the organisation: its own slot
    expectRefused(await stream(u2), 429, /organisation/); // the organisation's 3 are taken
    expect((await stream(u3)).status).toBe(200); // another organisation is unaffected
    expectRefused(await stream(u4), 503, /this instance/); // the instance's 4 are taken
    expect(slots.size).toBe(4); // refusals hold nothing

    first.close();
    await waitFor(() => slots.size === 3, 10_000, { what: 'the closed stream to free its slot' });
    expect((await stream(u1)).status).toBe(200);
    expectRefused(await stream(u1), 429, /open streams/);
  });
});
