import { randomUUID } from 'crypto';
import { CloudEvent, Kafka as CE } from 'cloudevents';
import { TOPICS } from '@vigil/contracts';
import { consumeAll, testKafka } from '@vigil/testing';
import { checkIn, post, startTestIngest, TestIngest, token, withinOneRateWindow } from './testing';

/**
 * Happy paths, idempotency and rate limits against the real Kafka and Redis.
 * Each test uses its own patient id, so its events are found by key.
 */
// Real servers on a shared machine: generous per-test and hook timeouts.
jest.setTimeout(60_000);

describe('ingest-api: accepting check-ins (real Kafka + Redis)', () => {
  let svc: TestIngest;
  let topic: string;
  const kafka = testKafka('ingest-int');

  beforeAll(async () => {
    svc = await startTestIngest('ingest', { RATE_LIMIT_PER_MINUTE: '30' });
    topic = `${svc.config.TOPIC_PREFIX}${TOPICS.checkins}`;
  });
  afterAll(async () => {
    await svc?.close();
  });

  /** Every record on the topic now (the topic is this file's own). */
  const records = () => consumeAll(kafka, topic);
  const recordsOf = async (patient: string) => (await records()).filter((r) => r.key === patient);

  it('creates its topic on start-up with the configured partition count', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      const meta = await admin.fetchTopicMetadata({ topics: [topic] });
      expect(meta.topics[0].partitions).toHaveLength(3);
    } finally {
      await admin.disconnect();
    }
  });

  it('accepts one check-in: 202 after the ack, a CloudEvent keyed by the patient, tenant from the token', async () => {
    const patient = `p-one-${randomUUID()}`;
    const body = checkIn({ notes: 'felt dizzy after the new pills' });
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const res = await post(svc.url, '/v1/check-ins', body, { token: await token(patient), headers: { traceparent, 'x-request-id': 'req-12345678' } });
    expect(res.status).toBe(202);
    expect(res.headers.get('x-request-id')).toBe('req-12345678');
    expect(res.body).toEqual({ checkInId: body['checkInId'], status: 'accepted', receivedAt: expect.any(String) });

    const [rec] = await recordsOf(patient);
    expect(rec).toBeDefined();
    expect(rec.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_id: body['checkInId'],
      ce_source: 'vigil/ingest-api',
      ce_type: 'org.vigil.checkin.received',
      ce_subject: patient,
      ce_tenantid: 'org-1',
      ce_dataschemaversion: '1.0',
      ce_traceparent: traceparent,
      'content-type': 'application/json',
    });
    expect(rec.headers['ce_time']).toBe(new Date(body['recordedAt'] as string).toISOString());
    expect(JSON.parse(rec.value!.toString())).toEqual(body);
    // The official SDK reads it.
    const ce = CE.toEvent({ value: rec.value!.toString(), body: rec.value!.toString(), headers: rec.headers, timestamp: rec.timestamp } as Parameters<
      typeof CE.toEvent
    >[0]) as CloudEvent;
    ce.validate();
    expect(ce.subject).toBe(patient);
    expect(ce['tenantid']).toBe('org-1');
  });

  it("validates a caller's traceparent and carries only what the trace needs", async () => {
    const patient = `p-trace-${randomUUID()}`;
    const ids = '0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331';
    const sent = [`00-${ids}-ff`, `00-${ids.toUpperCase()}-01`, `00-${ids}-01-extra`];
    for (const traceparent of sent) {
      expect(
        (await post(svc.url, '/v1/check-ins', checkIn(), { token: await token(patient), headers: { traceparent, tracestate: 'vendor=secret' } })).status,
      ).toBe(202);
    }
    const recs = await recordsOf(patient);
    expect(recs).toHaveLength(3);
    const carried = new Set(recs.map((r) => r.headers['ce_traceparent']));
    // The valid one, with only the sampled flag; the malformed ones carry no trace context at all; tracestate never.
    expect(carried).toEqual(new Set([`00-${ids}-01`, undefined]));
    expect(recs.filter((r) => r.headers['ce_traceparent'] === undefined)).toHaveLength(2);
    expect(recs.every((r) => !('ce_tracestate' in r.headers))).toBe(true);
  });

  it('never takes the patient or tenant from the body', async () => {
    const patient = `p-body-${randomUUID()}`;
    const res = await post(svc.url, '/v1/check-ins', { ...checkIn(), patientId: 'someone-else' }, { token: await token(patient) });
    expect(res.status).toBe(400);
    expect(res.body['errors']).toEqual([{ path: 'patientId', message: expect.stringMatching(/unknown field/) }]);
  });

  it('accepts a batch: per-item answers, valid items produced in device-time order', async () => {
    const patient = `p-batch-${randomUUID()}`;
    const items = [checkIn({}, 30), checkIn({}, 90), { checkInId: 'nope', mood: 9 }, checkIn({}, 60)];
    const res = await post<{ results: { index: number; status: number; checkInId?: string; body: Record<string, unknown> }[] }>(
      svc.url,
      '/v1/check-ins:batch',
      { items },
      { token: await token(patient, { org: 'org-2' }) },
    );
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => [r.index, r.status])).toEqual([
      [0, 202],
      [1, 202],
      [2, 400],
      [3, 202],
    ]);
    expect(res.body.results[2].body).toMatchObject({
      status: 400,
      errors: expect.arrayContaining([{ path: 'items.2.checkInId', message: expect.any(String) }]),
    });
    const recs = await recordsOf(patient);
    // one key -> one partition -> the order they were produced in: oldest first
    expect(recs.map((r) => r.event!.id)).toEqual([items[1], items[3], items[0]].map((i) => i['checkInId']));
    expect(recs.every((r) => r.event!.tenantid === 'org-2')).toBe(true);
  });

  it('a repeated checkInId with the same body gets the same answer and no second event; another body is a 409', async () => {
    const patient = `p-dup-${randomUUID()}`;
    const tok = await token(patient);
    const body = checkIn();
    const first = await post(svc.url, '/v1/check-ins', body, { token: tok });
    // Same content, different key order and formatting: still the same check-in.
    const reordered = JSON.stringify(Object.fromEntries(Object.entries(body).reverse()), null, 2);
    const again = await post(svc.url, '/v1/check-ins', undefined, { token: tok, raw: reordered });
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    const conflict = await post(svc.url, '/v1/check-ins', { ...body, mood: 1 }, { token: tok });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    // In a batch too, and a duplicate inside one batch.
    const batch = await post<{ results: { status: number; body: unknown }[] }>(
      svc.url,
      '/v1/check-ins:batch',
      { items: [body, { ...body, mood: 2 }, body] },
      { token: tok },
    );
    expect(batch.body.results.map((r) => r.status)).toEqual([202, 409, 202]);
    expect(batch.body.results[0].body).toEqual(first.body);
    expect(await recordsOf(patient)).toHaveLength(1);
    // The same checkInId from another patient is another check-in.
    const other = await post(svc.url, '/v1/check-ins', body, { token: await token(`${patient}-b`) });
    expect(other.status).toBe(202);
  });

  it('20 concurrent duplicates produce exactly one event and the same answer', async () => {
    const patient = `p-conc-${randomUUID()}`;
    const tok = await token(patient);
    const body = checkIn();
    const answers = await Promise.all(Array.from({ length: 20 }, () => post(svc.url, '/v1/check-ins', body, { token: tok })));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
    expect(await recordsOf(patient)).toHaveLength(1);
  });

  it('concurrent duplicates across two instances (sharing Redis) produce exactly one event', async () => {
    const second = await startTestIngest(
      'ingest-b',
      {
        TOPIC_PREFIX: svc.config.TOPIC_PREFIX,
        REDIS_KEY_PREFIX: svc.config.REDIS_KEY_PREFIX,
        KAFKA_ENSURE_TOPICS: 'false',
      },
      { cleanup: false },
    );
    try {
      const patient = `p-conc2-${randomUUID()}`;
      const tok = await token(patient);
      const body = checkIn();
      const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => post(i % 2 ? second.url : svc.url, '/v1/check-ins', body, { token: tok })));
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
      expect(new Set(answers.map((a) => JSON.stringify(a.body))).size).toBe(1);
      expect(await recordsOf(patient)).toHaveLength(1);
    } finally {
      await second.close();
    }
  });

  it('limits each patient: 429 with Retry-After, per item in a batch', async () => {
    // (may wait up to 15 s for a fresh one-minute window)
    const patient = `p-rate-${randomUUID()}`;
    const tok = await token(patient);
    const items = Array.from({ length: 32 }, (_, i) => checkIn({}, 100 - i));
    await withinOneRateWindow();
    const batch = await post<{ results: { status: number; body: Record<string, unknown> }[] }>(svc.url, '/v1/check-ins:batch', { items }, { token: tok });
    expect(batch.status).toBe(200);
    const statuses = batch.body.results.map((r) => r.status);
    expect(statuses.filter((s) => s === 202)).toHaveLength(30);
    // the budget goes to the oldest check-ins first
    expect(statuses.slice(30)).toEqual([429, 429]);
    expect(Number(batch.headers.get('retry-after'))).toBeGreaterThan(0);
    const single = await post(svc.url, '/v1/check-ins', checkIn(), { token: tok });
    expect(single.status).toBe(429);
    expect(Number(single.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(Number(single.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    expect(single.body).toMatchObject({ status: 429, type: expect.stringContaining('rate-limited') });
    // another patient is not affected
    expect((await post(svc.url, '/v1/check-ins', checkIn(), { token: await token(`${patient}-other`) })).status).toBe(202);
  }, 60_000);

  it('writes no PHI and no token to its logs', async () => {
    const patient = `p-logs-${randomUUID()}`;
    const tok = await token(patient);
    const secretNote = 'NOTE-7f3a: chest tightness since the funeral';
    await post(svc.url, '/v1/check-ins', checkIn({ notes: secretNote, vitals: { weightKg: 123.45 } }), { token: tok });
    await post(svc.url, '/v1/check-ins', checkIn({ notes: secretNote, vitals: { weightKg: 187.654 } }), { token: tok });
    await post(svc.url, '/v1/check-ins:batch', { items: [checkIn({ notes: secretNote, vitals: { weightKg: 123.45 } })] }, { token: tok });
    const all = svc.logs.join('\n');
    expect(svc.logs.some((l) => l.includes('"route":"/v1/check-ins"') && l.includes('"request_id"'))).toBe(true);
    expect(all).not.toContain('NOTE-7f3a');
    // Values as whole numbers (a timestamp or a duration may contain the digits, not the number).
    expect(all).not.toMatch(/(?<![\d.])123\.45(?!\d)/);
    expect(all).not.toMatch(/(?<![\d.])187\.654(?!\d)/);
    expect(all).not.toContain(tok);
    expect(all).not.toContain(tok.split('.')[1]);
  });

  it('serves OpenAPI generated from the DTOs, health and metrics without a token', async () => {
    const doc = (await (await fetch(`${svc.url}/docs/openapi.json`)).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, unknown> };
    };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/v1/check-ins', '/v1/check-ins:batch']));
    expect(Object.keys(doc.components.schemas)).toEqual(
      expect.arrayContaining(['CheckInDto', 'VitalsDto', 'CheckInAcceptedDto', 'ProblemDetailsDto', 'BatchResponseDto']),
    );
    const ui = await fetch(`${svc.url}/docs`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('swagger-ui');
    expect((await fetch(`${svc.url}/docs/swagger-ui-bundle.js`)).status).toBe(200);
    expect(await (await fetch(`${svc.url}/health/live`)).json()).toMatchObject({ status: 'ok' });
    const ready = await fetch(`${svc.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', details: { kafka: { status: 'up' }, accepting: { status: 'up' } } });
    const metrics = await (await fetch(`${svc.url}/metrics`)).text();
    expect(metrics).toMatch(/vigil_ingest_checkins_total\{outcome="accepted",service="ingest-api"\} \d+/);
    expect(metrics).toMatch(/vigil_ingest_redis_up\{service="ingest-api"\} 1/);
    expect(metrics).toContain('vigil_http_server_request_duration_seconds');
  });
});
