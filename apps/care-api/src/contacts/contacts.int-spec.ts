/**
 * Contacts and alert notes end to end inside care-api, on the real Kafka, Cassandra and Redis:
 * alerts produced straight onto alerts.v1 (what the risk-scorer does), contacts logged over HTTP,
 * contact.logged read back from care-activity.v1 and the audit trail from audit.v1.
 */
import { randomUUID } from 'crypto';
import {
  allTopicSpecs,
  type AlertView,
  type AuditRecordedData,
  type ContactLoggedData,
  type ContactPage,
  type ContactView,
  dlqTopic,
  prefixedTopic,
  TOPICS,
} from '@vigil/contracts';
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

jest.setTimeout(90_000);

const ORG = 'org-1';
const DAY = 86_400_000;
// A note no log line, span or metric may contain.
const PHI = `PHI-NOTE-${randomUUID()}`;

describe('care-api contacts and alert notes (real servers)', () => {
  let ks: TestKeyspace;
  let prefix: string;
  let redisPrefix: string;
  let groupId: string;
  let care: TestCare;
  let publisher: EventPublisher;
  const kafka = testKafka('care-contacts-test');
  const tokens: Record<string, string> = {};

  const raiseStored = async (patientId: string, careTeamId = 'team-a'): Promise<string> => {
    const e = raisedEvent({ tenantId: ORG, careTeamId, patientId });
    await publisher.publish(TOPICS.alerts, e);
    const who = careTeamId === 'team-a' ? 'nurse' : 'nurseB';
    await waitFor(async () => (await call(care.url, 'GET', `/v1/alerts/${e.id}`, { token: tokens[who] })).status === 200, 15_000, { what: 'the alert stored' });
    return e.id;
  };
  const post = (patientId: string, body: unknown, who = 'nurse') =>
    call<ContactView & { errors?: { path: string }[] }>(care.url, 'POST', `/v1/patients/${patientId}/contacts`, { token: tokens[who], body });
  const list = (patientId: string, query = '', who = 'nurse') =>
    call<ContactPage>(care.url, 'GET', `/v1/patients/${patientId}/contacts${query}`, { token: tokens[who] });
  const future = (days: number) => new Date(Date.now() + days * DAY).toISOString();

  beforeAll(async () => {
    prefix = uniquePrefix('care-contacts');
    redisPrefix = uniqueRedisPrefix('care-contacts');
    groupId = `care-api-${prefix}`;
    const mine = new Set<string>([TOPICS.alerts, dlqTopic(TOPICS.alerts), TOPICS.patients, TOPICS.audit, TOPICS.careActivity]);
    [ks] = await Promise.all([
      createTestKeyspace('care_contacts'),
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
      KAFKA_GROUP_ID: groupId,
      LOG_LEVEL: 'debug',
    });
    publisher = new EventPublisher(kafka, { topicPrefix: prefix });
    await publisher.connect();
    const t = async (name: string, sub: string, role: 'care-admin' | 'care-manager' | 'patient', org: string, teams?: string[]) =>
      (tokens[name] = await token(sub, role, org, teams));
    await Promise.all([
      t('admin', 'admin-1', 'care-admin', ORG, ['team-a']),
      t('adminB', 'admin-b', 'care-admin', ORG, ['team-b']),
      t('nurse', 'nurse-a', 'care-manager', ORG, ['team-a']),
      t('nurseB', 'nurse-b', 'care-manager', ORG, ['team-b']),
      t('otherOrg', 'nurse-z', 'care-manager', 'org-2', ['team-a']),
      t('patient', 'p-1', 'patient', ORG),
    ]);
    // Teams are registered by an admin holding them (least privilege): team-b has its own admin.
    await Promise.all([registerTeams(care.url, tokens['admin'], ['team-a']), registerTeams(care.url, tokens['adminB'], ['team-b'])]);
    const enrol = (id: string, team: string) =>
      call(care.url, 'PUT', `/v1/patients/${id}`, {
        token: tokens[team === 'team-b' ? 'adminB' : 'admin'],
        body: { careTeamId: team, conditions: ['heart-failure'], news2SpO2Scale: 1 },
      });
    expect((await Promise.all([enrol('p-1', 'team-a'), enrol('p-2', 'team-a'), enrol('p-3', 'team-a'), enrol('p-b', 'team-b')])).map((r) => r.status)).toEqual([
      201, 201, 201, 201,
    ]);
  });

  afterAll(async () => {
    if (process.env['CARE_TEST_LOGS']) for (const l of care?.logs ?? []) process.stdout.write(`${l}\n`);
    await publisher?.disconnect();
    await care?.close();
    await Promise.all([deleteTestTopics(kafka, prefix, [groupId]).catch(() => undefined), deleteRedisPrefix(redisPrefix).catch(() => undefined), ks?.drop()]);
  });

  it('logs a contact: stored, listed, its alerts resolved with its note, contact.logged published, audited, the note never logged', async () => {
    const [a1, a2] = [await raiseStored('p-1'), await raiseStored('p-1')];
    const contactId = randomUUID();
    const nextContactAt = future(3);
    const res = await post('p-1', { outcome: 'reached', note: PHI, nextContactAt, resolveAlertIds: [a1], contactId });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      contactId,
      patientId: 'p-1',
      careTeamId: 'team-a',
      by: 'nurse-a',
      outcome: 'reached',
      note: PHI,
      nextContactAt,
      resolvedAlertIds: [a1],
    });

    const resolved = await call<AlertView>(care.url, 'GET', `/v1/alerts/${a1}`, { token: tokens['nurse'] });
    expect(resolved.body).toMatchObject({ status: 'resolved', resolvedBy: 'nurse-a', resolvedNote: PHI });
    expect((await call<AlertView>(care.url, 'GET', `/v1/alerts/${a2}`, { token: tokens['nurse'] })).body.status).toBe('open');

    const page = await list('p-1');
    expect(page.status).toBe(200);
    expect(page.body.items).toEqual([res.body]);
    expect(page.body.nextCursor).toBeNull();

    const records = await consumeAll(kafka, prefixedTopic(TOPICS.careActivity, prefix));
    const logged = records.filter((r) => r.event?.id === contactId);
    expect(logged).toHaveLength(1);
    expect(logged[0].key).toBe('p-1');
    expect(logged[0].event).toMatchObject({ type: 'org.vigil.contact.logged', subject: 'p-1', tenantid: ORG, source: 'vigil/care-api' });
    const data = logged[0].event!.data as ContactLoggedData;
    expect(data).toMatchObject({
      contactId,
      note: PHI,
      nextContactAt,
      resolvedAlertIds: [a1],
      knownWorstAlertSeverity: 'critical',
      knownRiskLevel: null,
      careTeamId: 'team-a',
      by: 'nurse-a',
    });

    await waitFor(
      async () => {
        const audit = (await consumeAll(kafka, prefixedTopic(TOPICS.audit, prefix))).map((r) => r.event?.data as AuditRecordedData);
        const actions = audit.filter((x) => x.patientId === 'p-1').map((x) => x.action);
        return actions.includes('patient.contact.create') && actions.includes('patient.contacts.read') && actions.includes('alert.resolve');
      },
      20_000,
      { what: 'the audit records' },
    );
    expect(care.logs.length).toBeGreaterThan(0);
    expect(care.logs.filter((l) => l.includes(PHI))).toEqual([]);
  });

  it('a retried POST (same contactId) makes one contact: 200 with the stored one; concurrent twins too; another body is a 409', async () => {
    const alertId = await raiseStored('p-2');
    const contactId = randomUUID();
    const body = { outcome: 'message-left', note: 'voicemail', resolveAlertIds: [alertId], contactId };
    const first = await post('p-2', body);
    expect(first.status).toBe(201);
    const retry = await post('p-2', body);
    expect(retry.status).toBe(200);
    expect(retry.body).toEqual(first.body);

    const twinId = randomUUID();
    const twins = await Promise.all([1, 2, 3].map(() => post('p-2', { outcome: 'no-answer', contactId: twinId })));
    expect(twins.every((r) => r.status === 200 || r.status === 201)).toBe(true);
    expect(new Set(twins.map((r) => r.body.at)).size).toBe(1);

    const items = (await list('p-2')).body.items;
    expect(items.filter((c) => c.contactId === contactId)).toHaveLength(1);
    expect(items.filter((c) => c.contactId === twinId)).toHaveLength(1);
    expect(items).toHaveLength(2);

    const changed = await post('p-2', { ...body, outcome: 'escalated' });
    expect(changed.status).toBe(409);
    expect(changed.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await post('p-3', body)).status).toBe(409);
    // Every copy of the event has the contact's id: the worklist consumer sees one contact.
    const events = (await consumeAll(kafka, prefixedTopic(TOPICS.careActivity, prefix))).filter((r) => r.event?.subject === 'p-2');
    expect(new Set(events.map((r) => r.event!.id))).toEqual(new Set([contactId, twinId]));
  });

  it('refuses bad input with problem+json 4xx and keeps other teams and organisations out (404)', async () => {
    const mine = await raiseStored('p-3');
    const theirs = await raiseStored('p-b', 'team-b');
    const otherPatients = await raiseStored('p-1');
    const bad = async (body: unknown, path?: string) => {
      const r = await post('p-3', body);
      expect(r.status).toBe(400);
      expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
      if (path) expect(r.body.errors?.map((e) => e.path)).toContain(path);
    };
    await bad({ outcome: 'reached', nextContactAt: new Date(Date.now() - 3_600_000).toISOString() }, 'nextContactAt');
    await bad({ outcome: 'reached', nextContactAt: future(91) }, 'nextContactAt');
    await bad({ outcome: 'visited' }, 'outcome');
    await bad({ outcome: 'reached', resolveAlertIds: [mine, 'no-such-alert'] }, 'resolveAlertIds[1]');
    await bad({ outcome: 'reached', resolveAlertIds: [theirs] }, 'resolveAlertIds[0]');
    await bad({ outcome: 'reached', resolveAlertIds: [otherPatients] }, 'resolveAlertIds[0]');
    await bad({ outcome: 'reached', note: 'x'.repeat(2001) }, 'note');
    expect((await call<AlertView>(care.url, 'GET', `/v1/alerts/${mine}`, { token: tokens['nurse'] })).body.status).toBe('open');
    expect((await list('p-3')).body.items).toEqual([]);

    for (const who of ['nurseB', 'otherOrg']) {
      expect((await post('p-3', { outcome: 'reached' }, who)).status).toBe(404);
      expect((await list('p-3', '', who)).status).toBe(404);
    }
    expect((await post('p-3', { outcome: 'reached' }, 'patient')).status).toBe(403);
    expect((await call(care.url, 'GET', '/v1/patients/p-3/contacts')).status).toBe(401);
    expect((await list('p-3', '?cursor=abc.def')).status).toBe(400);
    expect((await list('p-3', '?limit=0')).status).toBe(400);
    expect((await list('p-3', '?bogus=1')).status).toBe(400);
    // A care-admin may log one (like acknowledge / resolve).
    expect((await post('p-3', { outcome: 'escalated', nextContactAt: future(90 - 1 / 24) }, 'admin')).status).toBe(201);
  });

  it('pages the log newest first with a signed cursor bound to the patient', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await post('p-1', { outcome: 'no-answer' });
      expect(r.status).toBe(201);
      ids.push(r.body.contactId);
    }
    const seen: ContactView[] = [];
    let cursor: string | null = null;
    do {
      const r: Awaited<ReturnType<typeof list>> = await list('p-1', `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(r.status).toBe(200);
      expect(r.body.items.length).toBeLessThanOrEqual(2);
      seen.push(...r.body.items);
      cursor = r.body.nextCursor;
    } while (cursor);
    // The five above and the first test's contact, newest first, each once.
    expect(seen).toHaveLength(6);
    expect(seen.slice(0, 5).map((c) => c.contactId)).toEqual([...ids].reverse());
    expect([...seen].sort((x, y) => (x.at < y.at ? 1 : x.at > y.at ? -1 : 0)).map((c) => c.contactId)).toEqual(seen.map((c) => c.contactId));
    const first = await list('p-1', '?limit=2');
    expect((await list('p-2', `?cursor=${encodeURIComponent(first.body.nextCursor!)}`)).status).toBe(400);
  });

  it('acknowledge and resolve keep their notes: stored with the alert, in GET /v1/alerts/{id} and the list', async () => {
    const alertId = await raiseStored('p-2');
    const ack = await call<AlertView>(care.url, 'POST', `/v1/alerts/${alertId}/acknowledge`, {
      token: tokens['nurse'],
      body: { note: 'called, will recheck tomorrow' },
    });
    expect(ack.status).toBe(200);
    expect(ack.body).toMatchObject({ status: 'acknowledged', acknowledgedNote: 'called, will recheck tomorrow' });
    expect((await call<AlertView>(care.url, 'GET', `/v1/alerts/${alertId}`, { token: tokens['nurse'] })).body).toMatchObject({
      acknowledgedNote: 'called, will recheck tomorrow',
    });
    await waitFor(
      async () => {
        const r = await call<{ items: AlertView[] }>(care.url, 'GET', '/v1/alerts?patientId=p-2&status=acknowledged', { token: tokens['nurse'] });
        return r.body.items.find((i) => i.alertId === alertId)?.acknowledgedNote === 'called, will recheck tomorrow';
      },
      10_000,
      { what: 'the note in the list' },
    );

    const res = await call<AlertView>(care.url, 'POST', `/v1/alerts/${alertId}/resolve`, { token: tokens['nurse'], body: { note: 'weight back to baseline' } });
    expect(res.body).toMatchObject({ status: 'resolved', acknowledgedNote: 'called, will recheck tomorrow', resolvedNote: 'weight back to baseline' });
    const stored = await call<AlertView>(care.url, 'GET', `/v1/alerts/${alertId}`, { token: tokens['nurse'] });
    expect(stored.body).toMatchObject({ resolvedBy: 'nurse-a', resolvedNote: 'weight back to baseline', acknowledgedNote: 'called, will recheck tomorrow' });
    // Resolving again changes nothing, not even the note.
    expect(
      (await call<AlertView>(care.url, 'POST', `/v1/alerts/${alertId}/resolve`, { token: tokens['nurse'], body: { note: 'other' } })).body.resolvedNote,
    ).toBe('weight back to baseline');
    // An alert resolved without a note has none.
    const plain = await raiseStored('p-2');
    const r2 = await call<AlertView>(care.url, 'POST', `/v1/alerts/${plain}/resolve`, { token: tokens['nurse'] });
    expect(r2.body.status).toBe('resolved');
    expect(r2.body).not.toHaveProperty('resolvedNote');
  });

  it('OpenAPI documents the contact endpoints and the alert notes; contacts are counted', async () => {
    const doc = await call<{
      paths: Record<string, Record<string, unknown>>;
      components: { schemas: Record<string, { properties: Record<string, unknown> }> };
    }>(care.url, 'GET', '/docs/openapi.json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths['/v1/patients/{id}/contacts']).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.body.components.schemas['ContactCreateDto'].properties)).toEqual(
      expect.arrayContaining(['outcome', 'note', 'nextContactAt', 'resolveAlertIds', 'contactId']),
    );
    expect(Object.keys(doc.body.components.schemas['AlertView'].properties)).toEqual(expect.arrayContaining(['acknowledgedNote', 'resolvedNote']));
    // Contacts are counted by outcome and result, never by anything about the patient.
    const metrics = await call(care.url, 'GET', '/metrics');
    expect(metrics.text).toMatch(/vigil_care_contacts_total\{[^}]*outcome="reached"[^}]*result="logged"[^}]*\} [1-9]/);
    expect(metrics.text).toMatch(/vigil_care_contacts_total\{[^}]*outcome="message-left"[^}]*result="replayed"[^}]*\} [1-9]/);
    expect(metrics.text).not.toContain('p-1');
  });
});
