/**
 * Least privilege for care-admins (class 7), on the real Kafka and Cassandra: the team
 * registry (PUT / GET /v1/teams), enrolment only into a registered team the admin's token holds,
 * an existing patient of another team untouchable (404), and a move audited for both teams.
 */
import { allTopicSpecs, type AuditRecordedData, prefixedTopic, TOPICS } from '@vigil/contracts';
import { dayBuckets } from '@vigil/storage';
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
} from '@vigil/testing';
import { call, registerTeams, startCare, type TestCare, token } from './testing/support';

jest.setTimeout(60_000);

const ORG = 'org-1';
const OTHER_ORG = 'org-2';

describe('care-api teams and least privilege for care-admins (real servers)', () => {
  const suiteStartedAt = new Date();
  let ks: TestKeyspace;
  let prefix: string;
  let redisPrefix: string;
  let care: TestCare;
  const kafka = testKafka('care-teams-test');
  const t: Record<string, string> = {};
  const profile = (careTeamId: string) => ({ careTeamId, conditions: ['copd'], news2SpO2Scale: 1 });

  beforeAll(async () => {
    prefix = uniquePrefix('care-teams');
    redisPrefix = uniqueRedisPrefix('care-teams');
    const mine = new Set<string>([TOPICS.alerts, TOPICS.patients, TOPICS.audit]);
    [ks] = await Promise.all([
      createTestKeyspace('care_teams'),
      createTestTopics(
        kafka,
        prefix,
        allTopicSpecs().filter((s) => mine.has(s.name)),
      ),
    ]);
    care = await startCare(
      { TOPIC_PREFIX: prefix, CASSANDRA_KEYSPACE: ks.keyspace, REDIS_KEY_PREFIX: redisPrefix, KAFKA_GROUP_ID: `care-api-${prefix}`, LOG_LEVEL: 'warn' },
      { waitForConsumer: false },
    );
    const mk = async (name: string, sub: string, role: 'care-admin' | 'care-manager', org: string, teams: string[]) =>
      (t[name] = await token(sub, role, org, teams));
    await Promise.all([
      mk('adminA', 'admin-a', 'care-admin', ORG, ['team-a']),
      mk('adminB', 'admin-b', 'care-admin', ORG, ['team-b']),
      mk('adminAB', 'admin-ab', 'care-admin', ORG, ['team-a', 'team-b', 'team-c']),
      mk('nurseA', 'nurse-a', 'care-manager', ORG, ['team-a']),
      mk('nurseB', 'nurse-b', 'care-manager', ORG, ['team-b']),
      mk('otherAdmin', 'admin-z', 'care-admin', OTHER_ORG, ['team-a']),
    ]);
  });

  afterAll(async () => {
    await care?.close();
    await Promise.all([deleteTestTopics(kafka, prefix).catch(() => undefined), deleteRedisPrefix(redisPrefix).catch(() => undefined), ks?.drop()]);
  });

  it("registers a team only for an admin whose token holds it, lists the organisation's teams, and validates the name", async () => {
    const created = await call(care.url, 'PUT', '/v1/teams/team-a', { token: t['adminA'], body: { name: 'Heart failure north' } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ teamId: 'team-a', name: 'Heart failure north' });
    expect((await call(care.url, 'PUT', '/v1/teams/team-a', { token: t['adminA'], body: { name: 'Heart failure north' } })).status).toBe(200);
    await registerTeams(care.url, t['adminB'], ['team-b']);

    const foreign = await call(care.url, 'PUT', '/v1/teams/team-b', { token: t['adminA'], body: { name: 'taken over' } });
    expect(foreign.status).toBe(403);
    expect(foreign.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect((await call(care.url, 'PUT', '/v1/teams/team-a', { token: t['nurseA'], body: { name: 'x' } })).status).toBe(403);
    const badName = await call<{ errors: { path: string }[] }>(care.url, 'PUT', '/v1/teams/team-a', {
      token: t['adminA'],
      body: { name: 'a\u0000b', extra: 1 },
    });
    expect(badName.status).toBe(400);
    expect(badName.body.errors.map((e) => e.path).sort()).toEqual(['extra', 'name']);

    const list = await call<{ teams: { teamId: string; name: string }[] }>(care.url, 'GET', '/v1/teams', { token: t['nurseA'] });
    expect(list.status).toBe(200);
    expect(list.body.teams.map((x) => [x.teamId, x.name])).toEqual([
      ['team-a', 'Heart failure north'],
      ['team-b', 'Team team-b'],
    ]);
    // Another organisation has its own registry.
    expect((await call<{ teams: unknown[] }>(care.url, 'GET', '/v1/teams', { token: t['otherAdmin'] })).body.teams).toEqual([]);
  });

  it('refuses an unknown (mistyped) team with a 400 naming careTeamId, and a team the admin does not hold with a 403', async () => {
    await registerTeams(care.url, t['adminAB'], ['team-c']);
    const registered = await call(care.url, 'PUT', '/v1/patients/p-c', { token: t['adminAB'], body: profile('team-c') });
    expect(registered.status).toBe(201);
    const unknown = await call<{ errors: { path: string }[]; detail: string }>(care.url, 'PUT', '/v1/patients/p-unknown', {
      token: await token('admin-x', 'care-admin', ORG, ['team-aa']),
      body: profile('team-aa'),
    });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(unknown.body.errors.map((e) => e.path)).toEqual(['careTeamId']);
    expect(unknown.body.detail).toMatch(/no such care team/);
    // The registry is per organisation: org-2 has no team-a yet.
    expect((await call(care.url, 'PUT', '/v1/patients/p-z', { token: t['otherAdmin'], body: profile('team-a') })).status).toBe(400);

    const notMine = await call<{ errors: { path: string }[] }>(care.url, 'PUT', '/v1/patients/p-b', { token: t['adminA'], body: profile('team-b') });
    expect(notMine.status).toBe(403);
    expect(notMine.body.errors.map((e) => e.path)).toEqual(['careTeamId']);
    expect((await call(care.url, 'GET', '/v1/patients/p-b', { token: t['nurseB'] })).status).toBe(404); // nothing was enrolled
  });

  it("refuses an admin's move of another team's patient into their own team (404, audited as denied); the patient stays where it was", async () => {
    expect((await call(care.url, 'PUT', '/v1/patients/p-1', { token: t['adminB'], body: profile('team-b') })).status).toBe(201);
    const takeover = await call(care.url, 'PUT', '/v1/patients/p-1', { token: t['adminA'], body: profile('team-a') });
    expect(takeover.status).toBe(404);
    expect(takeover.body).toMatchObject({ status: 404, type: expect.stringContaining('not-found'), requestId: expect.any(String) });
    expect((await call(care.url, 'GET', '/v1/patients/p-1', { token: t['nurseA'] })).status).toBe(404);
    const still = await call(care.url, 'GET', '/v1/patients/p-1', { token: t['nurseB'] });
    expect(still.status).toBe(200);
    expect(still.body).toMatchObject({ careTeamId: 'team-b' });
  });

  it('moves a patient between two teams the admin holds, audited for both teams (audit_log and audit.v1)', async () => {
    expect((await call(care.url, 'PUT', '/v1/patients/p-2', { token: t['adminAB'], body: profile('team-a') })).status).toBe(201);
    const moved = await call(care.url, 'PUT', '/v1/patients/p-2', { token: t['adminAB'], body: profile('team-b'), headers: { 'x-request-id': 'req-move-1' } });
    expect(moved.status).toBe(200);
    expect(moved.body).toMatchObject({ careTeamId: 'team-b' });
    expect((await call(care.url, 'GET', '/v1/patients/p-2', { token: t['nurseB'] })).status).toBe(200);
    expect((await call(care.url, 'GET', '/v1/patients/p-2', { token: t['nurseA'] })).status).toBe(404);

    const rs = await ks.client.execute(
      `SELECT * FROM "${ks.keyspace}".audit_log WHERE tenant_id = ? AND day IN ?`,
      [ORG, dayBuckets(suiteStartedAt, Date.now())],
      { prepare: true },
    );
    const rows = rs.rows.map((x) => ({
      actor: x['actor'],
      action: x['action'],
      patient: x['patient_id'],
      team: x['care_team_id'],
      resource: x['resource'],
      requestId: x['request_id'],
      outcome: x['outcome'],
    }));
    const move = rows.filter((r) => r.requestId === 'req-move-1');
    expect(move).toEqual(
      expect.arrayContaining([
        {
          actor: 'admin-ab',
          action: 'patient.move.out',
          patient: 'p-2',
          team: 'team-a',
          resource: 'PUT /v1/patients/:id from=team-a to=team-b',
          requestId: 'req-move-1',
          outcome: 'success',
        },
        {
          actor: 'admin-ab',
          action: 'patient.move.in',
          patient: 'p-2',
          team: 'team-b',
          resource: 'PUT /v1/patients/:id from=team-a to=team-b',
          requestId: 'req-move-1',
          outcome: 'success',
        },
      ]),
    );
    expect(move).toHaveLength(2);
    // The refused takeover of the previous test is in team-b's trail.
    expect(rows).toEqual(
      expect.arrayContaining([expect.objectContaining({ actor: 'admin-a', action: 'patient.profile.put', patient: 'p-1', team: 'team-b', outcome: 'denied' })]),
    );

    const records = await consumeAll(kafka, prefixedTopic(TOPICS.audit, prefix), { timeoutMs: 5000 });
    const events = records.map((r) => r.event!.data as AuditRecordedData).filter((d) => d.requestId === 'req-move-1');
    expect(events.map((d) => [d.action, d.careTeamId]).sort()).toEqual([
      ['patient.move.in', 'team-b'],
      ['patient.move.out', 'team-a'],
    ]);
  });
});
