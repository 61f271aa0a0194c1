/**
 * The worklist inside care-api on the real Kafka, Cassandra and Redis: two instances in one consumer
 * group, patients enrolled through the API (patients.v1), scores, alerts and contacts produced
 * straight onto their topics (what the risk-scorer and the contacts endpoint publish).
 */
import { randomUUID } from 'crypto';
import Redis from 'ioredis';
import {
  allTopicSpecs,
  type ContactLoggedData,
  createEvent,
  dlqTopic,
  EVENT_SOURCES,
  EVENT_TYPES,
  prefixedTopic,
  type RiskLevel,
  type RiskScoredData,
  TOPICS,
  type WorklistEntryView,
  type WorklistPage,
  type WorklistStreamData,
} from '@vigil/contracts';
import { openSse, type SseClientConnection, type SseEvent } from '@vigil/http';
import { EventPublisher } from '@vigil/messaging';
import {
  consumeAll,
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
import { call, raisedEvent, registerTeams, startCare, type TestCare, token } from '../testing/support';
import { worklistGroupId } from './worklist-events.consumer';

jest.setTimeout(90_000);

const ORG = 'org-1';
const OTHER_ORG = 'org-2';
// Device times of the test data: fixed, never today's date.
const T0 = Date.parse('2026-03-10T08:00:00Z');
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();
const worklistEvents = (events: SseEvent[]) => events.filter((e) => e.event === 'worklist').map((e) => JSON.parse(e.data) as WorklistStreamData);

function scored(patientId: string, checkInId: string, atMs: number, score: number, level: RiskLevel, tenantId = ORG) {
  return createEvent<RiskScoredData>({
    id: `score-${checkInId}`,
    source: EVENT_SOURCES.riskScorer,
    type: EVENT_TYPES.riskScored,
    subject: patientId,
    time: iso(atMs),
    tenantid: tenantId,
    data: {
      modelVersion: 'v1',
      patientId,
      tenantId,
      checkInId,
      recordedAt: iso(atMs),
      score,
      level,
      factors: [{ code: 'news2.total', value: 5, threshold: '5', points: score, severity: 'medium', message: 'NEWS2 total 5' }],
      news2: null,
      late: false,
    },
  });
}

function contact(patientId: string, extra: Partial<ContactLoggedData>) {
  const contactId = randomUUID();
  const data: ContactLoggedData = {
    contactId,
    patientId,
    tenantId: ORG,
    careTeamId: 'team-a',
    by: 'nurse-a',
    at: iso(Date.now()),
    outcome: 'reached',
    resolvedAlertIds: [],
    knownWorstAlertSeverity: 'critical',
    knownRiskLevel: 'high',
    ...extra,
  };
  return createEvent({ id: contactId, source: EVENT_SOURCES.careApi, type: EVENT_TYPES.contactLogged, subject: patientId, time: data.at, tenantid: ORG, data });
}

describe('care-api worklist (two instances, real servers)', () => {
  let ks: TestKeyspace;
  let prefix: string;
  let redisPrefix: string;
  let groupId: string;
  let a: TestCare;
  let b: TestCare;
  let publisher: EventPublisher;
  const kafka = testKafka('care-worklist-test');
  const tokens: Record<string, string> = {};
  const open: SseClientConnection[] = [];

  const list = (app: TestCare, who: string, query = '') => call<WorklistPage>(app.url, 'GET', `/v1/worklist${query}`, { token: tokens[who] });
  const ids = (p: WorklistPage) => p.items.map((i) => i.patientId);
  const entryOf = async (app: TestCare, who: string, patientId: string): Promise<WorklistEntryView | undefined> =>
    (await list(app, who, '?limit=200')).body.items.find((i) => i.patientId === patientId);
  const publish = async (topic: string, events: Parameters<EventPublisher['publish']>[1][]) => {
    for (const e of events) await publisher.publish(topic, e);
  };
  const unchangedCount = async (app: TestCare) => {
    const text = await app.metrics.registry.metrics();
    return [...text.matchAll(/^vigil_care_worklist_events_total\{[^}]*outcome="unchanged"[^}]*\} (\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
  };

  beforeAll(async () => {
    prefix = uniquePrefix('care-worklist');
    redisPrefix = uniqueRedisPrefix('care-worklist');
    groupId = `care-api-${prefix}`;
    const mine = new Set<string>([TOPICS.patients, TOPICS.alerts, TOPICS.riskScores, TOPICS.careActivity, TOPICS.audit]);
    for (const t of [...mine]) mine.add(dlqTopic(t));
    [ks] = await Promise.all([
      createTestKeyspace('care_worklist'),
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
      LOG_LEVEL: 'warn',
      WORKLIST_CONSUMER_ENABLED: 'true',
    };
    [a, b] = await Promise.all([startCare(env), startCare(env)]);
    publisher = new EventPublisher(kafka, { topicPrefix: prefix });
    await publisher.connect();
    const t = async (name: string, sub: string, role: 'care-admin' | 'care-manager' | 'patient', org: string, teams?: string[]) =>
      (tokens[name] = await token(sub, role, org, teams));
    await Promise.all([
      t('admin', 'admin-1', 'care-admin', ORG, ['team-a', 'team-b']),
      t('otherAdmin', 'admin-2', 'care-admin', OTHER_ORG, ['team-a']),
      t('nurseA', 'nurse-a', 'care-manager', ORG, ['team-a']),
      t('nurseB', 'nurse-b', 'care-manager', ORG, ['team-b']),
      t('otherOrg', 'nurse-z', 'care-manager', OTHER_ORG, ['team-a']),
      t('patient', 'p-a1', 'patient', ORG),
    ]);
    await Promise.all([registerTeams(a.url, tokens['admin'], ['team-a', 'team-b']), registerTeams(a.url, tokens['otherAdmin'], ['team-a'])]);
    const enrol = (who: string, id: string, team: string) =>
      call(a.url, 'PUT', `/v1/patients/${id}`, { token: tokens[who], body: { careTeamId: team, conditions: ['copd'], news2SpO2Scale: 1 } });
    const res = await Promise.all([
      enrol('admin', 'p-a1', 'team-a'),
      enrol('admin', 'p-a2', 'team-a'),
      enrol('admin', 'p-a3', 'team-a'),
      enrol('admin', 'p-b1', 'team-b'),
      enrol('otherAdmin', 'p-z1', 'team-a'),
    ]);
    expect(res.map((r) => r.status)).toEqual([201, 201, 201, 201, 201]);
    await publish(TOPICS.riskScores, [
      scored('p-a1', 'c-a1', T0, 10, 'low'),
      scored('p-a2', 'c-a2', T0, 70, 'high'),
      scored('p-a3', 'c-a3', T0, 35, 'medium'),
      scored('p-b1', 'c-b1', T0, 50, 'medium'),
    ]);
  });

  afterAll(async () => {
    if (process.env['CARE_TEST_LOGS']) for (const l of [...(a?.logs ?? []), ...(b?.logs ?? [])]) process.stdout.write(`${l}\n`);
    for (const c of open) c.close();
    await publisher?.disconnect();
    await Promise.all([a?.close(), b?.close()]);
    await Promise.all([
      deleteTestTopics(kafka, prefix, [groupId, worklistGroupId(groupId)]).catch(() => undefined),
      deleteRedisPrefix(redisPrefix).catch(() => undefined),
      ks?.drop(),
    ]);
  });

  it("ranks the caller's team by who needs contact now, the same on both instances, and never shows another team's or organisation's patient", async () => {
    const page = await waitFor(
      async () => {
        const r = await list(a, 'nurseA');
        return r.body.items?.length === 3 && r.body.items.every((i) => i.latestScore) ? r : null;
      },
      30_000,
      { what: 'three scored team-a patients' },
    );
    expect(page.status).toBe(200);
    expect(ids(page.body)).toEqual(['p-a2', 'p-a3', 'p-a1']);
    expect(page.body.total).toBe(3);
    expect(page.body.nextCursor).toBeNull();
    const top = page.body.items[0];
    expect(top).toMatchObject({
      careTeamId: 'team-a',
      conditions: ['copd'],
      latestScore: { score: 70, level: 'high', recordedAt: iso(T0) },
      lastCheckInAt: iso(T0),
      snoozed: false,
    });
    expect(top.reasons.length).toBeGreaterThan(0);
    expect(top.priority).toBeGreaterThan(page.body.items[1].priority);

    const onB = await list(b, 'nurseA');
    expect(ids(onB.body)).toEqual(ids(page.body));
    expect(onB.body.items.map((i) => i.version)).toEqual(page.body.items.map((i) => i.version));

    expect(ids((await waitFor(async () => ((await list(b, 'nurseB')).body.items?.length === 1 ? list(b, 'nurseB') : null), 20_000)).body)).toEqual(['p-b1']);
    const notMine = await list(a, 'nurseA', '?team=team-b');
    expect([notMine.status, notMine.headers.get('content-type')]).toEqual([404, expect.stringMatching(/application\/problem\+json/)]);
    expect(ids((await list(a, 'admin', '?team=team-b')).body)).toEqual(['p-b1']);
  });

  it("lists another organisation's patient for that organisation only", async () => {
    const other = await waitFor(async () => {
      const r = await list(b, 'otherOrg');
      return r.body.items?.length === 1 ? r : null;
    }, 20_000);
    expect(ids(other.body)).toEqual(['p-z1']);
    expect(ids((await list(a, 'nurseA')).body)).not.toContain('p-z1');
  });

  it('pages with a signed cursor that keeps asOf; bad input is a problem+json 400; patients are 403', async () => {
    const whole = await list(a, 'nurseA');
    const first = await list(a, 'nurseA', '?limit=2');
    expect(ids(first.body)).toEqual(ids(whole.body).slice(0, 2));
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const second = await list(b, 'nurseA', `?limit=2&cursor=${encodeURIComponent(first.body.nextCursor!)}`);
    expect(second.status).toBe(200);
    expect(ids(second.body)).toEqual(ids(whole.body).slice(2));
    expect(second.body.asOf).toBe(first.body.asOf);
    expect(second.body.nextCursor).toBeNull();

    for (const q of ['?limit=0', '?limit=abc', '?cursor=forged', `?team=team-b&cursor=${encodeURIComponent(first.body.nextCursor!)}`, '?unknown=1']) {
      const r = await list(a, q.includes('team-b') ? 'admin' : 'nurseA', q);
      expect([r.status, r.headers.get('content-type')]).toEqual([400, expect.stringMatching(/application\/problem\+json/)]);
    }
    // Another tenant's caller cannot reuse the cursor either.
    expect((await list(a, 'otherOrg', `?limit=2&cursor=${encodeURIComponent(first.body.nextCursor!)}`)).status).toBe(400);
    expect((await list(a, 'patient')).status).toBe(403);
    type Op = { parameters?: { name: string; in: string }[]; responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }> };
    const doc = await call<{ paths: Record<string, Record<string, Op>>; components: { schemas: Record<string, { properties: Record<string, unknown> }> } }>(
      a.url,
      'GET',
      '/docs/openapi.json',
    );
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/v1/worklist', '/v1/worklist/stream']));
    // Every query parameter, the page's and an entry's fields, the stream's media type and resume header.
    const get = doc.body.paths['/v1/worklist']['get'];
    expect(
      get.parameters
        ?.filter((x) => x.in === 'query')
        .map((x) => x.name)
        .sort(),
    ).toEqual(['cursor', 'limit', 'team']);
    const pageRef = get.responses['200'].content?.['application/json']?.schema?.$ref ?? '';
    const page = doc.body.components.schemas[pageRef.split('/').pop() ?? ''];
    expect(Object.keys(page.properties)).toEqual(expect.arrayContaining(['items', 'nextCursor', 'asOf', 'total']));
    const stream = doc.body.paths['/v1/worklist/stream']['get'];
    expect(Object.keys(stream.responses['200'].content ?? {})).toContain('text/event-stream');
    expect(stream.parameters?.map((x) => x.name)).toEqual(expect.arrayContaining(['Last-Event-ID', 'lastEventId', 'ticket']));
  });

  it('a critical alert moves its patient to the top; a contact with a next date and the alert resolved snoozes it to the bottom', async () => {
    const alert = raisedEvent({ tenantId: ORG, careTeamId: 'team-a', patientId: 'p-a1', at: new Date(T0 + H) });
    await publish(TOPICS.alerts, [alert]);
    const moved = await waitFor(
      async () => {
        const r = await list(b, 'nurseA');
        return r.body.items?.[0]?.patientId === 'p-a1' ? r : null;
      },
      20_000,
      { what: 'p-a1 on top' },
    );
    expect(moved.body.items[0]).toMatchObject({
      level: 'urgent',
      openAlertCounts: { critical: 1, high: 0, medium: 0 },
      openAlerts: [{ alertId: alert.id, severity: 'critical', status: 'open' }],
    });

    const next = iso(Date.now() + 3 * 24 * H);
    await publish(TOPICS.careActivity, [contact('p-a1', { nextContactAt: next, resolvedAlertIds: [alert.id] })]);
    const snoozed = await waitFor(
      async () => {
        const r = await list(a, 'nurseA');
        return r.body.items?.[2]?.patientId === 'p-a1' ? r : null;
      },
      20_000,
      { what: 'p-a1 snoozed at the bottom' },
    );
    expect(snoozed.body.items[2]).toMatchObject({ snoozed: true, snoozedUntil: next, openAlerts: [], lastContact: { outcome: 'reached', by: 'nurse-a' } });
  });

  it('a redelivered event changes nothing; an invalid one goes to the dead letter topic', async () => {
    const before = await entryOf(a, 'nurseA', 'p-a3');
    const seen = (await unchangedCount(a)) + (await unchangedCount(b));
    await publish(TOPICS.riskScores, [scored('p-a3', 'c-a3', T0, 35, 'medium')]);
    await waitFor(async () => (await unchangedCount(a)) + (await unchangedCount(b)) > seen, 20_000, { what: 'the redelivery folded' });
    const after = await entryOf(a, 'nurseA', 'p-a3');
    expect(after?.version).toBe(before?.version);
    expect(after?.latestScore).toEqual(before?.latestScore);

    const bad = scored('p-a3', 'c-bad', T0, 35, 'medium');
    (bad.data as unknown as Record<string, unknown>)['score'] = 'high';
    await publish(TOPICS.riskScores, [bad]);
    const dead = await waitFor(
      async () => {
        const recs = await consumeAll(kafka, prefixedTopic(dlqTopic(TOPICS.riskScores), prefix), { timeoutMs: 5000 });
        return recs.length ? recs : null;
      },
      30_000,
      { what: 'a dead letter' },
    );
    expect(dead.length).toBe(1);
    expect((await entryOf(a, 'nurseA', 'p-a3'))?.version).toBe(before?.version);
  });

  it('streams changes live to either instance, and a reconnect with Last-Event-ID gets exactly what it missed', async () => {
    const ticket = await call<{ ticket: string }>(a.url, 'POST', '/v1/alerts/stream-tickets', { token: tokens['nurseA'] });
    expect(ticket.status).toBe(201);
    const first = await openSse(`${a.url}/v1/worklist/stream?ticket=${ticket.body.ticket}`);
    open.push(first);
    expect(first.status).toBe(200);
    const teamB = await openSse(`${b.url}/v1/worklist/stream`, { headers: { authorization: `Bearer ${tokens['nurseB']}` } });
    open.push(teamB);
    await Promise.all([first, teamB].map((c) => c.waitFor((es) => es.some((e) => e.event === 'ready'), 15_000, 'ready')));

    await publish(TOPICS.riskScores, [scored('p-a2', 'c-a2-2', T0 + 2 * H, 90, 'critical')]);
    const got = await first.waitFor((es) => worklistEvents(es).some((d) => d.patientId === 'p-a2'), 15_000, 'the p-a2 change');
    const change = worklistEvents(got).find((d) => d.patientId === 'p-a2')!;
    expect(change).toMatchObject({
      op: 'upsert',
      careTeamId: 'team-a',
      causeType: EVENT_TYPES.riskScored,
      entry: { patientId: 'p-a2', latestScore: { score: 90, level: 'critical' } },
    });
    expect(change.entry?.version).toBe(change.version);
    const last = first.lastEventId;
    first.close();

    await publish(TOPICS.riskScores, [scored('p-a3', 'c-a3-2', T0 + 2 * H, 60, 'high')]);
    await waitFor(async () => ((await entryOf(a, 'nurseA', 'p-a3'))?.latestScore?.score === 60 ? true : null), 15_000, { what: 'p-a3 rescored' });
    const resumed = await openSse(`${b.url}/v1/worklist/stream`, { headers: { authorization: `Bearer ${tokens['nurseA']}` }, lastEventId: last });
    open.push(resumed);
    const events = await resumed.waitFor((es) => es.some((e) => e.event === 'ready'), 15_000, 'ready after resume');
    const missed = worklistEvents(events);
    expect(missed.map((d) => [d.patientId, d.entry?.latestScore?.score])).toEqual([['p-a3', 60]]);
    expect(JSON.parse(events.find((e) => e.event === 'ready')!.data)).toMatchObject({ resumed: 1 });
    // Team b's client saw none of team a's changes.
    expect(worklistEvents(teamB.events).every((d) => d.careTeamId === 'team-b')).toBe(true);
    resumed.close();
    teamB.close();
  });

  it('resumes from Cassandra when Redis no longer holds the position; a team view read after the loss is read whole again', async () => {
    const auth = { authorization: `Bearer ${tokens['nurseA']}` };
    const first = await openSse(`${a.url}/v1/worklist/stream`, { headers: auth });
    open.push(first);
    await first.waitFor((es) => es.some((e) => e.event === 'ready'), 15_000, 'ready');
    await publish(TOPICS.riskScores, [scored('p-a2', 'c-a2-3', T0 + 3 * H, 40, 'medium')]);
    await first.waitFor((es) => worklistEvents(es).some((d) => d.patientId === 'p-a2' && d.entry?.latestScore?.score === 40), 15_000, 'the p-a2 change');
    const last = first.lastEventId;
    first.close();

    await publish(TOPICS.riskScores, [scored('p-a3', 'c-a3-3', T0 + 3 * H, 20, 'low')]);
    const changed = await waitFor(
      async () => {
        const e = await entryOf(a, 'nurseA', 'p-a3');
        return e?.latestScore?.score === 20 ? e : null;
      },
      15_000,
      { what: 'p-a3 rescored' },
    );
    // Its durable copy is written, then the whole Redis stream is lost.
    await waitFor(
      async () => {
        const r = await ks.client.execute(`SELECT version FROM "${ks.keyspace}".worklist_stream_by_team WHERE patient_id = ? ALLOW FILTERING`, ['p-a3'], {
          prepare: true,
        });
        return r.rows.some((row) => Number(row['version']) === changed.version);
      },
      15_000,
      { what: 'the durable copy' },
    );
    const redis = new Redis(process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379');
    try {
      await redis.del(`${redisPrefix}care:worklist:{${ORG}}:stream`);
    } finally {
      redis.disconnect();
    }

    const resumed = await openSse(`${b.url}/v1/worklist/stream`, { headers: auth, lastEventId: last });
    open.push(resumed);
    const events = await resumed.waitFor((es) => es.some((e) => e.event === 'ready'), 15_000, 'ready after resume');
    expect(worklistEvents(events).map((d) => [d.patientId, d.entry?.latestScore?.score])).toEqual([['p-a3', 20]]);
    expect(JSON.parse(events.find((e) => e.event === 'ready')!.data)).toMatchObject({ resumed: 1, source: 'cassandra' });
    // Both instances' team views had a position in the lost stream: they read the team whole again.
    for (const app of [a, b]) expect((await entryOf(app, 'nurseA', 'p-a3'))?.latestScore?.score).toBe(20);
    // And the live feed goes on after the loss.
    await publish(TOPICS.riskScores, [scored('p-a1', 'c-a1-3', T0 + 3 * H, 30, 'low')]);
    await resumed.waitFor(
      (es) => worklistEvents(es).some((d) => d.patientId === 'p-a1' && d.entry?.latestScore?.score === 30),
      15_000,
      'a live change after the loss',
    );
    await waitFor(async () => ((await entryOf(b, 'nurseA', 'p-a1'))?.latestScore?.score === 30 ? true : null), 15_000, { what: 'p-a1 on the list of b' });
    resumed.close();
  });

  it('an instance stopped and a new one started miss nothing: changes made meanwhile are listed and resumed on the new one', async () => {
    const auth = { authorization: `Bearer ${tokens['nurseA']}` };
    const before = await openSse(`${b.url}/v1/worklist/stream`, { headers: auth });
    open.push(before);
    await before.waitFor((es) => es.some((e) => e.event === 'ready'), 15_000, 'ready');
    const last = before.lastEventId;
    before.close();
    await b.close();
    // While b is down, a takes over every partition of the group.
    await publish(TOPICS.riskScores, [scored('p-a2', 'c-a2-4', T0 + 4 * H, 85, 'critical')]);
    await publish(TOPICS.careActivity, [contact('p-a3', { outcome: 'no-answer' })]);
    await waitFor(async () => ((await entryOf(a, 'nurseA', 'p-a3'))?.lastContact?.outcome === 'no-answer' ? true : null), 30_000, {
      what: 'the contact folded by a',
    });

    b = await startCare({
      TOPIC_PREFIX: prefix,
      CASSANDRA_KEYSPACE: ks.keyspace,
      REDIS_KEY_PREFIX: redisPrefix,
      KAFKA_GROUP_ID: groupId,
      LOG_LEVEL: 'warn',
      WORKLIST_CONSUMER_ENABLED: 'true',
    });
    const p = await list(b, 'nurseA');
    expect(p.status).toBe(200);
    expect(p.body.items[0]).toMatchObject({ patientId: 'p-a2', latestScore: { score: 85, level: 'critical' } });
    expect(p.body.items.find((i) => i.patientId === 'p-a3')?.lastContact?.outcome).toBe('no-answer');
    const resumed = await openSse(`${b.url}/v1/worklist/stream`, { headers: auth, lastEventId: last });
    open.push(resumed);
    const events = await resumed.waitFor((es) => es.some((e) => e.event === 'ready'), 15_000, 'ready after restart');
    // Two topics, folded side by side: their changes are ordered per patient only.
    expect(
      worklistEvents(events)
        .map((d) => d.patientId)
        .sort(),
    ).toEqual(['p-a2', 'p-a3']);
    // The new instance consumes too: a change after its start reaches its client and both lists.
    await publish(TOPICS.riskScores, [scored('p-a3', 'c-a3-4', T0 + 4 * H, 99, 'critical')]);
    await resumed.waitFor(
      (es) => worklistEvents(es).some((d) => d.patientId === 'p-a3' && d.entry?.latestScore?.score === 99),
      20_000,
      'a change after the restart',
    );
    for (const app of [a, b])
      await waitFor(async () => ((await list(app, 'nurseA')).body.items[0]?.patientId === 'p-a3' ? true : null), 15_000, { what: 'p-a3 on top' });
    resumed.close();
  });
});
