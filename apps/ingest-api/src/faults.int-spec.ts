import { randomUUID } from 'crypto';
import { TOPICS } from '@vigil/contracts';
import { consumeAll, startPrivateServer, testKafka, waitFor, type PrivateServer } from '@vigil/testing';
import { checkIn, post, startTestIngest, TestIngest, token, withinOneRateWindow } from './testing';

/**
 * Outages, on a PRIVATE Kafka and a PRIVATE Redis (the shared servers are never stopped).
 *   Redis down -> fail open: check-ins are still accepted (rate limit skipped, idempotency only
 *                 in-process; consumers de-duplicate by checkInId), readiness stays 200 "degraded".
 *   Kafka down -> 503 + Retry-After within KAFKA_ACK_TIMEOUT_MS, never a 500 or a hang;
 *                 once Kafka is back the same request is accepted.
 */
const ACK_TIMEOUT_MS = 1500;

// Real servers on a shared machine: generous per-test and hook timeouts.
jest.setTimeout(60_000);

describe('ingest-api: Redis and Kafka outages (private servers)', () => {
  let kafka: PrivateServer;
  let redis: PrivateServer;
  let svc: TestIngest;

  beforeAll(async () => {
    [kafka, redis] = await Promise.all([startPrivateServer('kafka'), startPrivateServer('redis')]);
    svc = await startTestIngest(
      'faults',
      {
        ...kafka.env,
        ...redis.env,
        KAFKA_ACK_TIMEOUT_MS: String(ACK_TIMEOUT_MS),
        RETRY_AFTER_SECONDS: '3',
        RATE_LIMIT_PER_MINUTE: '3',
        REDIS_COMMAND_TIMEOUT_MS: '200',
        LOG_LEVEL: 'warn',
      },
      { cleanup: false },
    );
  }, 150_000);

  afterAll(async () => {
    await svc?.close().catch(() => undefined);
    await Promise.all([kafka?.remove(), redis?.remove()]);
  }, 60_000);

  const ready = async () => (await fetch(`${svc.url}/health/ready`)).status;
  const redisUp = async () => /vigil_ingest_redis_up\{[^}]*\} 1/.test(await (await fetch(`${svc.url}/metrics`)).text());

  it('Redis down: check-ins are still accepted without rate limit or cross-instance idempotency; Redis back: both work again', async () => {
    const patient = `p-redis-${randomUUID()}`;
    const tok = await token(patient);
    await withinOneRateWindow();
    const limited = await post<{ results: { status: number }[] }>(
      svc.url,
      '/v1/check-ins:batch',
      { items: [checkIn(), checkIn(), checkIn(), checkIn()] },
      { token: tok },
    );
    expect(limited.body.results.map((r) => r.status)).toEqual([202, 202, 202, 429]); // the limit works

    await redis.kill();
    const body = checkIn();
    const first = await post(svc.url, '/v1/check-ins', body, { token: tok });
    expect(first.status).toBe(202); // over the limit, but the limiter fails open
    expect(first.ms).toBeLessThan(1000);
    const again = await post(svc.url, '/v1/check-ins', body, { token: tok });
    expect(again.status).toBe(202);
    expect(again.body['checkInId']).toBe(body['checkInId']);
    const batch = await post<{ results: { status: number }[] }>(svc.url, '/v1/check-ins:batch', { items: [checkIn(), checkIn()] }, { token: tok });
    expect(batch.body.results.map((r) => r.status)).toEqual([202, 202]);
    expect(await ready()).toBe(200); // Redis does not gate readiness
    expect(await redisUp()).toBe(false);
    expect(await (await fetch(`${svc.url}/metrics`)).text()).toMatch(/vigil_ingest_degraded_total\{feature="idempotency"[^}]*\} [1-9]/);

    await redis.up();
    await waitFor(redisUp, 15_000, { what: 'Redis reconnect' });
    expect((await post(svc.url, '/v1/check-ins', checkIn(), { token: tok })).status).toBe(202); // a new window's budget
    const other = checkIn();
    const a = await post(svc.url, '/v1/check-ins', other, { token: await token(`${patient}-2`) });
    const b = await post(svc.url, '/v1/check-ins', { ...other, mood: 1 }, { token: await token(`${patient}-2`) });
    expect([a.status, b.status]).toEqual([202, 409]);
  }, 60_000);

  it('Kafka stopped (SIGSTOP): 503 with Retry-After within the bound, no 500, no hang; Kafka back: the same request succeeds', async () => {
    const patient = `p-kafka-${randomUUID()}`;
    const tok = await token(patient);
    expect((await post(svc.url, '/v1/check-ins', checkIn(), { token: tok })).status).toBe(202);

    kafka.pause(); // connections stay open, nothing answers: the ack timeout must fire
    let resumed = false;
    try {
      const body = checkIn();
      const down = await post(svc.url, '/v1/check-ins', body, { token: tok });
      expect(down.status).toBe(503);
      expect(down.ms).toBeLessThan(ACK_TIMEOUT_MS + 1000);
      expect(Number(down.headers.get('retry-after'))).toBeGreaterThanOrEqual(3);
      expect(down.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      expect(down.body).toMatchObject({ status: 503, type: expect.stringContaining('kafka-unavailable'), requestId: expect.any(String) });

      // While it stays down: every request is answered within the bound, batches too; readiness fails.
      const more = await Promise.all([
        post(svc.url, '/v1/check-ins', checkIn(), { token: await token(`${patient}-b`) }),
        post(svc.url, '/v1/check-ins', checkIn(), { token: await token(`${patient}-c`) }),
        post(svc.url, '/v1/check-ins:batch', { items: [checkIn(), checkIn()] }, { token: await token(`${patient}-d`) }),
      ]);
      for (const r of more) {
        expect(r.status).toBe(503);
        expect(r.ms).toBeLessThan(ACK_TIMEOUT_MS + 1000);
        expect(r.headers.get('retry-after')).toBeTruthy();
      }
      await waitFor(async () => (await ready()) === 503, 10_000, { what: 'readiness to fail' });

      kafka.resume();
      resumed = true;
      // The producer reconnects in the background; readiness says when.
      await waitFor(async () => (await ready()) === 200, 60_000, { intervalMs: 250, what: 'the producer to reconnect' });
      const ok = await post(svc.url, '/v1/check-ins', body, { token: tok });
      expect(ok.status).toBe(202);
      expect(ok.body).toMatchObject({ checkInId: body['checkInId'], status: 'accepted' });
      const recs = await consumeAll(testKafka('faults', { brokers: [kafka.address] }), `${svc.config.TOPIC_PREFIX}${TOPICS.checkins}`);
      expect(recs.filter((r) => r.event?.id === body['checkInId']).length).toBeGreaterThanOrEqual(1);
    } finally {
      if (!resumed) kafka.resume();
    }
  }, 90_000);

  it('Kafka killed: 503 with Retry-After within the bound', async () => {
    await kafka.kill();
    const tok = await token(`p-killed-${randomUUID()}`);
    const started = Date.now();
    const answers = await Promise.all([
      post(svc.url, '/v1/check-ins', checkIn(), { token: tok }),
      post(svc.url, '/v1/check-ins:batch', { items: [checkIn()] }, { token: tok }),
    ]);
    for (const r of answers) {
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBeTruthy();
    }
    expect(Date.now() - started).toBeLessThan(ACK_TIMEOUT_MS + 1000);
  }, 30_000);
});
