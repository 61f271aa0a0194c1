/**
 * The alert stream end to end inside care-api, on the real Kafka, Cassandra and Redis: two care-api
 * instances in one consumer group (no sticky sessions), alert events produced straight onto
 * alerts.v1 (what the risk-scorer does), SSE clients on both instances.
 */
import Redis from 'ioredis';
import { allTopicSpecs, AlertRaisedData, type AlertStreamData, type AuditRecordedData, dlqTopic, prefixedTopic, TOPICS, VigilEvent } from '@vigil/contracts';
import { openSse, SseClientConnection, SseEvent } from '@vigil/http';
import { EventPublisher } from '@vigil/messaging';
import { dayBuckets } from '@vigil/storage';
import {
  consumeAll,
  createTestKeyspace,
  createTestTopics,
  deleteRedisPrefix,
  deleteTestTopics,
  testKafka,
  TestKeyspace,
  uniquePrefix,
  uniqueRedisPrefix,
  waitFor,
} from '@vigil/testing';
import { AlertsRepository } from './alerts/alerts.repository';
import { call, HttpResult, raisedEvent, registerTeams, startCare, TestCare, token } from './testing/support';

jest.setTimeout(60_000);

const ORG = 'org-1';
const OTHER_ORG = 'org-2';
const alertsOf = (events: SseEvent[]) => events.filter((e) => e.event === 'alert').map((e) => JSON.parse(e.data) as AlertStreamData & { cursor: string });

describe('care-api alert stream (two instances, real servers)', () => {
  // Audit rows are partitioned by day: a run that crosses midnight UTC has them in two partitions.
  const suiteStartedAt = new Date();
  const auditDays = () => dayBuckets(suiteStartedAt, Date.now());
  let ks: TestKeyspace;
  let prefix: string;
  let redisPrefix: string;
  let groupId: string;
  let a: TestCare;
  let b: TestCare;
  let publisher: EventPublisher;
  const kafka = testKafka('care-alerts-test');
  const open: SseClientConnection[] = [];
  const tokens: Record<string, string> = {};

  const sse = async (app: TestCare, who: string, lastEventId?: string, query = ''): Promise<SseClientConnection> => {
    const c = await openSse(`${app.url}/v1/alerts/stream${query}`, { headers: { authorization: `Bearer ${tokens[who]}` }, lastEventId });
    open.push(c);
    return c;
  };
  const ready = (c: SseClientConnection) => c.waitFor((es) => es.some((e) => e.event === 'ready'), 15_000, 'ready');
  const raise = async (events: VigilEvent<AlertRaisedData>[]) => {
    for (const e of events) await publisher.publish(TOPICS.alerts, e);
  };

  beforeAll(async () => {
    prefix = uniquePrefix('care-alerts');
    redisPrefix = uniqueRedisPrefix('care-alerts');
    groupId = `care-api-${prefix}`;
    const mine = new Set<string>([TOPICS.alerts, dlqTopic(TOPICS.alerts), TOPICS.patients, TOPICS.audit]);
    [ks] = await Promise.all([
      createTestKeyspace('care_alerts'),
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
      KAFKA_GROUP_ID: groupId,
      SSE_HEARTBEAT_MS: '400',
      LOG_LEVEL: 'warn',
    };
    [a, b] = await Promise.all([startCare(env), startCare(env)]);
    publisher = new EventPublisher(kafka, { topicPrefix: prefix });
    await publisher.connect();
    const t = async (name: string, sub: string, role: 'care-admin' | 'care-manager' | 'patient', org: string, teams?: string[]) =>
      (tokens[name] = await token(sub, role, org, teams));
    await Promise.all([
      t('admin', 'admin-1', 'care-admin', ORG, ['team-a', 'team-b']),
      t('nurseA', 'nurse-a', 'care-manager', ORG, ['team-a']),
      t('nurseA2', 'nurse-a2', 'care-manager', ORG, ['team-a', 'team-x']),
      t('nurseB', 'nurse-b', 'care-manager', ORG, ['team-b']),
      t('otherOrg', 'nurse-z', 'care-manager', OTHER_ORG, ['team-a']),
      t('patient', 'p-a1', 'patient', ORG),
      t('noTeams', 'nurse-none', 'care-manager', ORG),
    ]);
    await registerTeams(a.url, tokens['admin'], ['team-a', 'team-b']);
    const enrol = (id: string, team: string) =>
      call(a.url, 'PUT', `/v1/patients/${id}`, { token: tokens['admin'], body: { careTeamId: team, conditions: ['copd'], news2SpO2Scale: 1 } });
    const res = await Promise.all([enrol('p-a1', 'team-a'), enrol('p-a2', 'team-a'), enrol('p-b1', 'team-b')]);
    expect(res.map((r) => r.status)).toEqual([201, 201, 201]);
  });

  afterAll(async () => {
    if (process.env['CARE_TEST_LOGS']) for (const l of [...(a?.logs ?? []), ...(b?.logs ?? [])]) process.stdout.write(`${l}\n`);
    for (const c of open) c.close();
    await publisher?.disconnect();
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all([deleteTestTopics(kafka, prefix, [groupId]).catch(() => undefined), deleteRedisPrefix(redisPrefix).catch(() => undefined), ks?.drop()]);
  });

  it('delivers each alert once on every connection of the right team, on either instance, and nothing to other teams or organisations', async () => {
    const [onA, onB, teamB, other, patientTry] = await Promise.all([
      sse(a, 'nurseA'),
      sse(b, 'nurseA2'),
      sse(a, 'nurseB'),
      sse(b, 'otherOrg'),
      sse(a, 'patient'),
    ]);
    expect(onA.status).toBe(200);
    expect(onA.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(onA.headers['cache-control']).toMatch(/no-cache/);
    expect(onA.headers['x-accel-buffering']).toBe('no');
    expect(onA.headers['x-request-id']).toBeTruthy();
    expect(patientTry.status).toBe(403);
    expect(patientTry.headers['content-type']).toMatch(/application\/problem\+json/);
    await Promise.all([ready(onA), ready(onB), ready(teamB), ready(other)]);

    const mineA = [1, 2, 3, 4, 5].map((i) => raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: i % 2 ? 'p-a1' : 'p-a2' }));
    const forB = raisedEvent({ tenantId: ORG, careTeamId: 'team-b', patientId: 'p-b1' });
    const otherOrg = raisedEvent({ tenantId: OTHER_ORG, careTeamId: 'team-a', patientId: 'p-a1' });
    await raise([mineA[0], forB, mineA[1], otherOrg, mineA[2], mineA[3], mineA[4]]);
    await raise([mineA[1], mineA[3]]); // redelivered / re-published: same event ids

    const want = new Set(mineA.map((e) => e.id));
    for (const c of [onA, onB]) await c.waitFor((es) => alertsOf(es).filter((x) => want.has(x.alertId)).length >= 5, 20_000, 'five team-a alerts');
    await teamB.waitFor((es) => alertsOf(es).length >= 1, 10_000, 'the team-b alert');
    await other.waitFor((es) => alertsOf(es).length >= 1, 10_000, 'the org-2 alert');
    // Past the re-published pair: a marker for p-a1 after them in partition order.
    const marker = raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: 'p-a1' });
    await raise([marker]);
    for (const c of [onA, onB]) await c.waitFor((es) => alertsOf(es).some((x) => x.alertId === marker.id), 10_000, 'the marker');

    for (const c of [onA, onB]) {
      const got = alertsOf(c.events);
      expect(got.map((x) => x.alertId).sort()).toEqual([...mineA.map((e) => e.id), marker.id].sort()); // exactly once each, nothing else
      expect(got.every((x) => x.careTeamId === 'team-a' && x.type === 'alert.raised')).toBe(true);
      const cursors = got.map((x) => x.cursor);
      expect(
        [...cursors].sort((p, q) =>
          BigInt(p.split('-')[0]) === BigInt(q.split('-')[0])
            ? Number(BigInt(p.split('-')[1]) - BigInt(q.split('-')[1]))
            : Number(BigInt(p.split('-')[0]) - BigInt(q.split('-')[0])),
        ),
      ).toEqual(cursors);
      // per patient, in the order raised
      for (const pid of ['p-a1', 'p-a2']) {
        const order = mineA.filter((e) => e.subject === pid).map((e) => e.id);
        expect(got.map((x) => x.alertId).filter((id) => order.includes(id))).toEqual(order);
      }
    }
    // Both instances' clients saw the same cursors (one stream per tenant).
    expect(alertsOf(onA.events).map((x) => x.cursor)).toEqual(alertsOf(onB.events).map((x) => x.cursor));
    expect(alertsOf(teamB.events).map((x) => x.alertId)).toEqual([forB.id]);
    expect(alertsOf(other.events).map((x) => x.alertId)).toEqual([otherOrg.id]);
    // Heartbeats are comments (SSE_HEARTBEAT_MS=400 here; 15 s by default).
    await onA.waitFor(() => onA.comments.some((c) => c.startsWith('heartbeat')), 5000, 'a heartbeat');
    for (const c of [onA, onB, teamB, other]) c.close();
  });

  it('a client that reconnects with Last-Event-ID gets exactly the alerts it missed, in order, then the live feed (on the other instance)', async () => {
    const first = await sse(a, 'nurseA');
    await ready(first);
    const watcher = await sse(b, 'nurseA');
    await ready(watcher);
    const before = raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: 'p-a1' });
    await raise([before]);
    await first.waitFor((es) => alertsOf(es).some((x) => x.alertId === before.id), 10_000, 'the first alert');
    const last = first.lastEventId;
    first.close();

    const missed = [1, 2, 3].map(() => raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: 'p-a2' }));
    const notMine = raisedEvent({ tenantId: ORG, careTeamId: 'team-b', patientId: 'p-b1' });
    await raise([missed[0], notMine, missed[1], missed[2]]);
    await watcher.waitFor((es) => missed.every((m) => alertsOf(es).some((x) => x.alertId === m.id)), 10_000, 'the three alerts stored');

    const again = await sse(b, 'nurseA', last);
    await ready(again);
    expect(alertsOf(again.events).map((x) => x.alertId)).toEqual(missed.map((m) => m.id));
    const readyEvent = again.events.find((e) => e.event === 'ready')!;
    expect(JSON.parse(readyEvent.data)).toMatchObject({ resumed: 3, source: 'redis' });
    const live = raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: 'p-a2' });
    await raise([live]);
    await again.waitFor((es) => alertsOf(es).some((x) => x.alertId === live.id), 10_000, 'the live alert');
    expect(alertsOf(again.events).map((x) => x.alertId)).toEqual([...missed.map((m) => m.id), live.id]);
    again.close();
    watcher.close();
  });

  it('resumes from Cassandra when Redis no longer has the position (?lastEventId= for EventSource)', async () => {
    const first = await sse(a, 'nurseA');
    await ready(first);
    const x = raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: 'p-a1' });
    await raise([x]);
    await first.waitFor((es) => alertsOf(es).some((e) => e.alertId === x.id), 10_000, 'an alert');
    const last = first.lastEventId;
    first.close();
    const missed = [1, 2].map(() => raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: 'p-a1' }));
    await raise(missed);
    const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
    try {
      // Wait until both are stored (Cassandra marks them last), then lose the whole Redis stream.
      await waitFor(
        async () =>
          (
            await Promise.all(
              missed.map((m) =>
                ks.client.execute(`SELECT cursor FROM "${ks.keyspace}".alert_stream_event_ids WHERE tenant_id = ? AND event_id = ?`, [ORG, m.id], {
                  prepare: true,
                }),
              ),
            )
          ).every((r) => r.rowLength === 1),
        15_000,
        { what: 'stored' },
      );
      await redis.del(`${redisPrefix}care:alerts:{${ORG}}:stream`);
    } finally {
      redis.disconnect();
    }
    const again = await sse(b, 'nurseA', undefined, `?lastEventId=${encodeURIComponent(last)}`);
    await ready(again);
    expect(alertsOf(again.events).map((e) => e.alertId)).toEqual(missed.map((m) => m.id));
    expect(JSON.parse(again.events.find((e) => e.event === 'ready')!.data)).toMatchObject({ resumed: 2, source: 'cassandra' });
    const live = raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: 'p-a1' });
    await raise([live]);
    await again.waitFor((es) => alertsOf(es).some((e) => e.alertId === live.id), 10_000, 'the live alert');
    expect(alertsOf(again.events).map((e) => e.alertId)).toEqual([...missed.map((m) => m.id), live.id]);
    again.close();
  });

  it('acknowledge on one instance reaches a client of the other; acknowledge / resolve are idempotent with conflict rules', async () => {
    const [onA, onB] = await Promise.all([sse(a, 'nurseA'), sse(b, 'nurseA2')]);
    await Promise.all([ready(onA), ready(onB)]);
    const alert = raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: 'p-a2' });
    await raise([alert]);
    await onB.waitFor((es) => alertsOf(es).some((x) => x.alertId === alert.id), 10_000, 'the alert');
    await waitFor(async () => (await call(a.url, 'GET', `/v1/alerts/${alert.id}`, { token: tokens['nurseA'] })).status === 200, 10_000, {
      what: 'stored alert',
    });

    const ack = await call(a.url, 'POST', `/v1/alerts/${alert.id}/acknowledge`, { token: tokens['nurseA'], body: { note: 'called the patient' } });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ alertId: alert.id, status: 'acknowledged', acknowledgedBy: 'nurse-a' });
    const isAck = (x: { alertId: string; type: string }) => x.alertId === alert.id && x.type === 'alert.acknowledged';
    await onB.waitFor((es) => alertsOf(es).some(isAck), 10_000, 'the acknowledgement on the other instance');
    await onA.waitFor((es) => alertsOf(es).some(isAck), 10_000, 'the acknowledgement');

    const again = await call(b.url, 'POST', `/v1/alerts/${alert.id}/acknowledge`, { token: tokens['nurseA2'] });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'nurse-a' });
    const resolved = await call(b.url, 'POST', `/v1/alerts/${alert.id}/resolve`, { token: tokens['nurseA2'] });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', resolvedBy: 'nurse-a2' });
    const isResolved = (x: { alertId: string; type: string }) => x.alertId === alert.id && x.type === 'alert.resolved';
    await onA.waitFor((es) => alertsOf(es).some(isResolved), 10_000, 'the resolution');
    // Events of one patient keep their order: a second acknowledgement would be before this one.
    expect(
      alertsOf(onA.events)
        .filter((x) => x.alertId === alert.id)
        .map((x) => x.type),
    ).toEqual(['alert.raised', 'alert.acknowledged', 'alert.resolved']);
    const ackEvent = alertsOf(onA.events).find(isAck) as unknown as { change: { by: string; note?: string } };
    expect(ackEvent.change).toMatchObject({ by: 'nurse-a', note: 'called the patient' });

    expect((await call(a.url, 'POST', `/v1/alerts/${alert.id}/resolve`, { token: tokens['nurseA'] })).body).toMatchObject({
      status: 'resolved',
      resolvedBy: 'nurse-a2',
    });
    const conflict = await call(a.url, 'POST', `/v1/alerts/${alert.id}/acknowledge`, { token: tokens['nurseA'] });
    expect(conflict.status).toBe(409);
    expect(conflict.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await call(a.url, 'POST', `/v1/alerts/${alert.id}/resolve`, { token: tokens['nurseA'], body: { bogus: 1 } })).status).toBe(400);

    // The list reflects the status once the consumer moved the index row.
    await waitFor(
      async () => {
        const r = await call<{ items: { alertId: string }[] }>(a.url, 'GET', `/v1/alerts?status=resolved&patientId=p-a2`, { token: tokens['nurseA'] });
        return r.body.items.some((i) => i.alertId === alert.id);
      },
      10_000,
      { what: 'resolved in the list' },
    );
    const openList = await call<{ items: { alertId: string }[] }>(a.url, 'GET', `/v1/alerts?status=open,acknowledged&limit=200`, { token: tokens['nurseA'] });
    expect(openList.body.items.some((i) => i.alertId === alert.id)).toBe(false);
    // A raise stored again (a consumer that lost its partition mid-way) never resets the status.
    await new AlertsRepository(ks.client, ks.keyspace).insertRaised(alert.data);
    expect(await new AlertsRepository(ks.client, ks.keyspace).get(alert.id)).toMatchObject({ status: 'resolved', resolvedBy: 'nurse-a2' });
    onA.close();
    onB.close();
  });

  it('lists alerts with filters and cursor paging, scoped to the caller, and audits who read which patient', async () => {
    const all: { alertId: string; patientId: string; careTeamId: string; status: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q = `/v1/alerts?status=open&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`;
      const r: HttpResult<{ items: typeof all; nextCursor: string | null }> = await call(a.url, 'GET', q, { token: tokens['nurseA'] });
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(3);
      all.push(...r.body.items);
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 20);
    expect(pages).toBeGreaterThan(2);
    expect(new Set(all.map((x) => x.alertId)).size).toBe(all.length);
    expect(all.every((x) => x.careTeamId === 'team-a' && x.status === 'open')).toBe(true);
    expect(all.length).toBeGreaterThanOrEqual(10);

    const byPatient = await call<{ items: typeof all }>(a.url, 'GET', '/v1/alerts?patientId=p-a1&status=open,acknowledged,resolved', {
      token: tokens['nurseA'],
    });
    expect(byPatient.body.items.length).toBeGreaterThan(0);
    expect(byPatient.body.items.every((x) => x.patientId === 'p-a1')).toBe(true);
    // Another team's filter sees nothing; another team's patient is a 404; another org sees its own only.
    expect((await call<{ items: unknown[] }>(a.url, 'GET', '/v1/alerts?teamId=team-b', { token: tokens['nurseA'] })).body.items).toEqual([]);
    expect((await call(a.url, 'GET', '/v1/alerts?patientId=p-b1', { token: tokens['nurseA'] })).status).toBe(404);
    const teamB = await call<{ items: typeof all }>(a.url, 'GET', '/v1/alerts', { token: tokens['nurseB'] });
    expect(teamB.body.items.length).toBeGreaterThan(0);
    expect(teamB.body.items.every((x) => x.careTeamId === 'team-b')).toBe(true);
    expect((await call<{ items: unknown[] }>(a.url, 'GET', '/v1/alerts', { token: tokens['noTeams'] })).body.items).toEqual([]);
    const otherOrg = await call<{ items: typeof all }>(b.url, 'GET', '/v1/alerts', { token: tokens['otherOrg'] });
    expect(otherOrg.body.items.map((x) => x.patientId)).toEqual(['p-a1']); // org-2's own p-a1, not org-1's
    expect((await call(a.url, 'GET', '/v1/alerts?status=closed', { token: tokens['nurseA'] })).status).toBe(400);
    expect((await call(a.url, 'GET', '/v1/alerts?limit=500', { token: tokens['nurseA'] })).status).toBe(400);
    expect((await call(a.url, 'GET', '/v1/alerts?cursor=nope', { token: tokens['nurseA'] })).status).toBe(400);
    expect((await call(a.url, 'GET', '/v1/alerts?sort=x', { token: tokens['nurseA'] })).status).toBe(400);

    const rs = await ks.client.execute(
      `SELECT actor, actor_role, action, patient_id, resource, request_id, outcome FROM "${ks.keyspace}".audit_log WHERE tenant_id = ? AND day IN ?`,
      [ORG, auditDays()],
      { prepare: true },
    );
    const rows = rs.rows.map((r) => ({
      actor: r['actor'],
      action: r['action'],
      patient: r['patient_id'],
      resource: r['resource'],
      requestId: r['request_id'],
      outcome: r['outcome'],
    }));
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'nurse-a', action: 'alerts.list.read', patient: 'p-a1', resource: 'GET /v1/alerts', outcome: 'success' }),
      ]),
    );
    expect(rows).toEqual(
      expect.arrayContaining([expect.objectContaining({ actor: 'nurse-a', action: 'patient.alerts.read', patient: 'p-b1', outcome: 'denied' })]),
    );
    expect(rows).toEqual(expect.arrayContaining([expect.objectContaining({ actor: 'nurse-a', action: 'alerts.stream.subscribe', patient: null })]));
    expect(rows.every((r) => typeof r.requestId === 'string' && r.requestId.length > 0)).toBe(true);
    expect(JSON.stringify(rows)).not.toMatch(/Chest pain|called the patient/); // no PHI values in the trail

    // Every row is also on audit.v1 (same id), for the SIEM; a subscription (no patient) is keyed by the actor.
    const published = (await consumeAll(kafka, prefixedTopic(TOPICS.audit, prefix), { timeoutMs: 20_000 })).map((r) => ({
      key: r.key,
      id: r.event!.id,
      data: r.event!.data as AuditRecordedData,
    }));
    expect(published.map((p) => p.data)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'nurse-a', action: 'alerts.list.read', patientId: 'p-a1', resource: 'GET /v1/alerts', outcome: 'success' }),
        expect.objectContaining({ actor: 'nurse-a', action: 'patient.alerts.read', patientId: 'p-b1', outcome: 'denied' }),
        expect.objectContaining({ actor: 'nurse-a', action: 'alerts.stream.subscribe', patientId: null }),
      ]),
    );
    expect(published.find((p) => p.data.action === 'alerts.stream.subscribe')?.key).toBe(
      published.find((p) => p.data.action === 'alerts.stream.subscribe')?.data.actor,
    );
    const ids = new Set(published.map((p) => p.id));
    const rowIds = (
      await ks.client.execute(`SELECT id FROM "${ks.keyspace}".audit_log WHERE tenant_id = ? AND day IN ?`, [ORG, auditDays()], { prepare: true })
    ).rows.map((r) => String(r['id']));
    expect(rowIds.filter((id) => !ids.has(id))).toEqual([]);
    expect(JSON.stringify(published)).not.toMatch(/Chest pain|called the patient/);
  });

  it('answers every alerts endpoint for a wrong role, tenant or team without revealing anything', async () => {
    const alert = raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: 'p-a1' });
    await raise([alert]);
    await waitFor(async () => (await call(a.url, 'GET', `/v1/alerts/${alert.id}`, { token: tokens['nurseA'] })).status === 200, 10_000, {
      what: 'stored alert',
    });
    const endpoints: [string, string][] = [
      ['GET', '/v1/alerts'],
      ['GET', `/v1/alerts/${alert.id}`],
      ['POST', `/v1/alerts/${alert.id}/acknowledge`],
      ['POST', `/v1/alerts/${alert.id}/resolve`],
      ['GET', '/v1/alerts/stream'],
    ];
    for (const [method, path] of endpoints) {
      const none = await call(a.url, method, path);
      expect([path, none.status]).toEqual([path, 401]);
      expect(none.headers.get('content-type')).toMatch(/application\/problem\+json/);
      expect([path, (await call(a.url, method, path, { token: tokens['patient'] })).status]).toEqual([path, 403]);
    }
    for (const who of ['nurseB', 'otherOrg']) {
      for (const [method, path] of endpoints.slice(1, 4)) {
        const r = await call(b.url, method, path, { token: tokens[who] });
        expect([who, path, r.status]).toEqual([who, path, 404]);
        expect(r.text).not.toContain('p-a1');
      }
    }
    expect((await call(a.url, 'GET', '/v1/alerts/stream', { token: tokens['nurseA'], headers: { 'last-event-id': 'garbage' } })).status).toBe(400);
    expect((await call(a.url, 'GET', `/v1/alerts/${alert.id}`, { token: tokens['nurseA'] })).body).toMatchObject({ status: 'open' });
  });

  it('ends a stream when its token expires (the client reconnects with a fresh one)', async () => {
    const shortLived = await token('nurse-a', 'care-manager', ORG, ['team-a'], 2);
    // (as EventSource would: a single-use ticket in the query, no Authorization header; issued by one instance, redeemed by the other)
    const issued = await call<{ ticket: string }>(a.url, 'POST', '/v1/alerts/stream-tickets', { token: shortLived });
    expect(issued.status).toBe(201);
    const c = await openSse(`${b.url}/v1/alerts/stream?ticket=${issued.body.ticket}`);
    open.push(c);
    expect(c.status).toBe(200);
    await ready(c);
    await c.waitFor(() => c.ended, 10_000, 'the end of the stream');
    expect(c.comments.some((x) => x.startsWith('token expired'))).toBe(true);
  });

  it('serves health, metrics and OpenAPI without a token', async () => {
    const [live, readyz, metrics, docs] = await Promise.all([
      call(a.url, 'GET', '/health/live'),
      call(a.url, 'GET', '/health/ready'),
      call(a.url, 'GET', '/metrics'),
      call<{ paths: Record<string, unknown> }>(a.url, 'GET', '/docs/openapi.json'),
    ]);
    expect([live.status, readyz.status, metrics.status, docs.status]).toEqual([200, 200, 200, 200]);
    expect(metrics.text).toMatch(/vigil_care_alert_events_total\{[^}]*outcome="stored"/);
    expect(metrics.text).toMatch(/vigil_sse_connections/);
    // The alerts.v1 consumer's lag, as the writer and scorer report theirs (one helper: VigilMetrics.trackConsumerLag).
    const lag = [...metrics.text.matchAll(/^vigil_kafka_consumer_lag\{([^}]*)\} (\d+)$/gm)].filter((m) => m[1].includes(`group="${groupId}"`));
    expect(lag.length).toBeGreaterThan(0);
    for (const m of lag) expect(m[1]).toMatch(/topic="alerts\.v1",partition="\d+"/);
    expect(Object.keys(docs.body.paths)).toEqual(
      expect.arrayContaining([
        '/v1/alerts',
        '/v1/alerts/stream',
        '/v1/alerts/{id}/acknowledge',
        '/v1/patients/{id}',
        '/v1/patients/{id}/observations',
        '/v1/patients/{id}/risk',
      ]),
    );
  });

  it('on shutdown an instance ends its streams cleanly; the clients resume on the other one with nothing missed', async () => {
    const onB = await sse(b, 'nurseA');
    await ready(onB);
    const x = raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: 'p-a1' });
    await raise([x]);
    await onB.waitFor((es) => alertsOf(es).some((e) => e.alertId === x.id), 10_000, 'an alert');
    const closing = b.close();
    await onB.waitFor(() => onB.ended, 10_000, 'the end of the stream');
    expect(onB.comments.some((c) => c.startsWith('server shutting down'))).toBe(true);
    await closing;
    // Raised while no instance serves this client; instance a takes over b's partitions.
    const during = [1, 2].map(() => raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: 'p-a2' }));
    await raise(during);
    const again = await sse(a, 'nurseA', onB.lastEventId);
    await again.waitFor((es) => during.every((d) => alertsOf(es).some((e) => e.alertId === d.id)), 30_000, 'the alerts raised meanwhile');
    expect(alertsOf(again.events).map((e) => e.alertId)).toEqual(during.map((d) => d.id));
    again.close();
  });
});
