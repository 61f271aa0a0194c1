/**
 * Enrolment, a patient's data (profile, observations, risk) and the audit trail, on the real
 * Kafka and Cassandra: tenant and team isolation on every endpoint, paging through a year of daily
 * check-ins, the audit trail in its table and on audit.v1, and reads that fail closed when either
 * cannot be written.
 */
import { randomUUID } from 'crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import path from 'path';
import { allTopicSpecs, type AuditRecordedData, EVENT_SOURCES, EVENT_TYPES, prefixedTopic, TOPICS } from '@vigil/contracts';
import { dayBuckets, monthBucket, ObservationRepository } from '@vigil/storage';
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
import { call, registerTeams, startCare, TestCare, token } from './testing/support';

jest.setTimeout(60_000);

const ORG = 'org-1';
const DAY = 86_400_000;

describe('care-api patients, observations, risk and audit (real servers)', () => {
  const suiteStartedAt = new Date();
  let ks: TestKeyspace;
  let prefix: string;
  let redisPrefix: string;
  let care: TestCare;
  const kafka = testKafka('care-patients-test');
  const mine = new Set<string>([TOPICS.alerts, TOPICS.patients, TOPICS.audit]);
  const mySpecs = allTopicSpecs().filter((s) => mine.has(s.name));
  const t: Record<string, string> = {};
  const start = new Date(Date.UTC(new Date().getUTCFullYear() - 1, new Date().getUTCMonth(), new Date().getUTCDate(), 8));
  const days = 365;
  const checkIns = Array.from({ length: days }, (_, i) => ({ id: randomUUID(), at: new Date(start.getTime() + i * DAY) }));

  const dashboard = mkdtempSync(path.join(tmpdir(), 'care-dashboard-'));
  mkdirSync(path.join(dashboard, 'assets'));
  writeFileSync(path.join(dashboard, 'index.html'), '<!doctype html><title>Vigil</title><script src="assets/app.js"></script>');
  writeFileSync(path.join(dashboard, 'assets', 'app.js'), 'console.log("dashboard")');
  writeFileSync(path.join(dashboard, '.env'), 'SECRET=1');

  beforeAll(async () => {
    prefix = uniquePrefix('care-patients');
    redisPrefix = uniqueRedisPrefix('care-patients');
    [ks] = await Promise.all([createTestKeyspace('care_patients'), createTestTopics(kafka, prefix, mySpecs)]);
    care = await startCare(
      {
        TOPIC_PREFIX: prefix,
        CASSANDRA_KEYSPACE: ks.keyspace,
        REDIS_KEY_PREFIX: redisPrefix,
        KAFKA_GROUP_ID: `care-api-${prefix}`,
        LOG_LEVEL: 'info',
        DASHBOARD_DIR: dashboard,
      },
      { waitForConsumer: false },
    );
    const mk = async (name: string, sub: string, role: 'care-admin' | 'care-manager' | 'patient', org: string, teams?: string[]) =>
      (t[name] = await token(sub, role, org, teams));
    await Promise.all([
      mk('admin', 'admin-1', 'care-admin', ORG, ['team-a']),
      mk('nurseA', 'nurse-a', 'care-manager', ORG, ['team-a']),
      mk('nurseB', 'nurse-b', 'care-manager', ORG, ['team-b']),
      mk('otherOrgAdmin', 'admin-z', 'care-admin', 'org-2', ['team-z']),
      mk('otherOrg', 'nurse-z', 'care-manager', 'org-2', ['team-a']),
      mk('patient', 'p-1', 'patient', ORG),
    ]);
    await Promise.all([registerTeams(care.url, t['admin'], ['team-a']), registerTeams(care.url, t['otherOrgAdmin'], ['team-z'])]);
    // A year of daily check-ins: weight series as timeseries-writer stores it, and two model versions of risk scores.
    const obs = new ObservationRepository(ks.client, ks.keyspace);
    await obs.writeObservations(
      checkIns.map((c, i) => ({ tenantId: ORG, patientId: 'p-1', metric: 'weightKg', recordedAt: c.at, checkInId: c.id, value: 77.7771 + (i % 7) / 10000 })),
      32,
    );
    const insert = `INSERT INTO "${ks.keyspace}".risk_scores_by_patient (tenant_id, patient_id, bucket, recorded_at, check_in_id, model_version, score, level, factors, news2, late, event_id, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
    const rows = checkIns.flatMap((c, i) =>
      (i % 30 === 0 ? ['v1', 'v2'] : ['v1']).map((m) => ({
        query: insert,
        params: [
          ORG,
          'p-1',
          monthBucket(c.at),
          c.at,
          c.id,
          m,
          i % 100,
          'low',
          JSON.stringify([{ code: 'news2.spo2', value: 94, threshold: '94-95', points: 1, severity: 'low', message: 'SpO2 94%' }]),
          null,
          false,
          randomUUID(),
          new Date(),
        ],
      })),
    );
    for (let i = 0; i < rows.length; i += 64) await Promise.all(rows.slice(i, i + 64).map((r) => ks.client.execute(r.query, r.params, { prepare: true })));
  });

  afterAll(async () => {
    rmSync(dashboard, { recursive: true, force: true });
    await care?.close();
    await Promise.all([deleteTestTopics(kafka, prefix).catch(() => undefined), deleteRedisPrefix(redisPrefix).catch(() => undefined), ks?.drop()]);
  });

  const profile = { careTeamId: 'team-a', conditions: ['heart-failure'], dryWeightKg: 78.5, news2SpO2Scale: 1 };

  it('enrols (care-admin only), emits the whole profile to patients.v1, and is idempotent', async () => {
    const r1 = await call(care.url, 'PUT', '/v1/patients/p-1', { token: t['admin'], body: profile });
    expect(r1.status).toBe(201);
    expect(r1.body).toMatchObject({ patientId: 'p-1', careTeamId: 'team-a', status: 'active', expectedCheckInIntervalHours: 48 });
    expect(r1.body).not.toHaveProperty('tenantId');
    expect((await call(care.url, 'PUT', '/v1/patients/p-1', { token: t['admin'], body: profile })).status).toBe(200); // same: no event
    const r3 = await call(care.url, 'PUT', '/v1/patients/p-1', { token: t['admin'], body: { ...profile, dryWeightKg: 79 } });
    expect(r3.status).toBe(200);
    // Another organisation's p-1 is a different patient.
    expect((await call(care.url, 'PUT', '/v1/patients/p-1', { token: t['otherOrgAdmin'], body: { ...profile, careTeamId: 'team-z' } })).status).toBe(201);

    const records = await consumeAll(kafka, prefixedTopic(TOPICS.patients, prefix), { expected: 3, timeoutMs: 15_000 });
    const events = records.map((r) => r.event!);
    expect(events.map((e) => [e.tenantid, e.type])).toEqual(
      expect.arrayContaining([
        [ORG, EVENT_TYPES.patientEnrolled],
        [ORG, EVENT_TYPES.patientUpdated],
        ['org-2', EVENT_TYPES.patientEnrolled],
      ]),
    );
    expect(events).toHaveLength(3);
    const updated = events.find((e) => e.type === EVENT_TYPES.patientUpdated)!;
    expect(updated.subject).toBe('p-1');
    expect(records.every((r) => r.key === 'p-1')).toBe(true);
    expect(updated.data).toMatchObject({
      patientId: 'p-1',
      tenantId: ORG,
      careTeamId: 'team-a',
      dryWeightKg: 79,
      conditions: ['heart-failure'],
      news2SpO2Scale: 1,
      status: 'active',
    });

    for (const who of ['nurseA', 'patient']) expect((await call(care.url, 'PUT', '/v1/patients/p-2', { token: t[who], body: profile })).status).toBe(403);
    expect((await call(care.url, 'PUT', '/v1/patients/p-2', { body: profile })).status).toBe(401);
    const bad = await call<{ errors: { path: string }[] }>(care.url, 'PUT', '/v1/patients/p-2', {
      token: t['admin'],
      body: { ...profile, news2SpO2Scale: 3, extra: true },
    });
    expect(bad.status).toBe(400);
    expect(bad.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(bad.body.errors.map((e) => e.path).sort()).toEqual(['extra', 'news2SpO2Scale']);
    const text = await fetch(`${care.url}/v1/patients/p-2`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${t['admin']}`, 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(text.status).toBe(415);
  });

  it('serves the profile to the care team only: another team or organisation gets 404, another role 403', async () => {
    const ok = await call(care.url, 'GET', '/v1/patients/p-1', { token: t['nurseA'] });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ patientId: 'p-1', careTeamId: 'team-a', dryWeightKg: 79 });
    const paths = ['/v1/patients/p-1', '/v1/patients/p-1/observations?metric=weightKg', '/v1/patients/p-1/risk'];
    for (const path of paths) {
      for (const who of ['nurseB', 'otherOrg']) {
        const r = await call(care.url, 'GET', path, { token: t[who] });
        expect([who, path, r.status]).toEqual([who, path, 404]);
        expect(r.body).toMatchObject({ status: 404, type: expect.stringContaining('not-found'), requestId: expect.any(String) });
      }
      expect((await call(care.url, 'GET', path, { token: t['patient'] })).status).toBe(403);
      expect((await call(care.url, 'GET', path)).status).toBe(401);
    }
    expect((await call(care.url, 'GET', '/v1/patients/nobody', { token: t['nurseA'] })).status).toBe(404);
  });

  it('pages through a year of daily observations, well under a second', async () => {
    const from = new Date(start.getTime() - DAY).toISOString();
    const to = new Date().toISOString();
    const t0 = Date.now();
    const whole = await call<{ items: { recordedAt: string; value: number }[]; nextCursor: string | null }>(
      care.url,
      'GET',
      `/v1/patients/p-1/observations?metric=weightKg&from=${from}&to=${to}&limit=1000`,
      { token: t['nurseA'] },
    );
    const ms = Date.now() - t0;
    expect(whole.status).toBe(200);
    expect(whole.body.items).toHaveLength(days);
    expect(whole.body.nextCursor).toBeNull();
    expect(ms).toBeLessThan(1000);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = cursor ? `cursor=${cursor}` : `from=${from}&to=${to}`;
      const r = await call<{ items: { recordedAt: string }[]; nextCursor: string | null }>(
        care.url,
        'GET',
        `/v1/patients/p-1/observations?metric=weightKg&limit=100&order=desc&${q}`,
        { token: t['nurseA'] },
      );
      expect(r.status).toBe(200);
      seen.push(...r.body.items.map((i) => i.recordedAt));
      cursor = r.body.nextCursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(4);
    expect(seen).toEqual(checkIns.map((c) => c.at.toISOString()).reverse());

    for (const q of [
      'metric=height',
      'metric=weightKg&from=yesterday',
      'metric=weightKg&limit=5000',
      'metric=weightKg&cursor=abc',
      'metric=weightKg&colour=red',
      `metric=weightKg&from=${to}&to=${from}`,
      '',
    ]) {
      const r = await call(care.url, 'GET', `/v1/patients/p-1/observations?${q}`, { token: t['nurseA'] });
      expect([q, r.status]).toEqual([q, 400]);
    }
  });

  it('pages risk history with explanations across buckets and model versions', async () => {
    const from = new Date(start.getTime() - DAY).toISOString();
    const t0 = Date.now();
    const all = await call<{ items: { modelVersion: string; factors: { code: string }[]; level: string }[] }>(
      care.url,
      'GET',
      `/v1/patients/p-1/risk?from=${from}&limit=1000`,
      { token: t['nurseA'] },
    );
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(all.status).toBe(200);
    expect(all.body.items).toHaveLength(days + Math.ceil(days / 30));
    expect(all.body.items[0].factors[0].code).toBe('news2.spo2');
    const v2 = await call<{ items: unknown[] }>(care.url, 'GET', `/v1/patients/p-1/risk?from=${from}&modelVersion=v2`, { token: t['nurseA'] });
    expect(v2.body.items).toHaveLength(Math.ceil(days / 30));
    // A page boundary between the two versions of one check-in (the first page holds one row) loses
    // and repeats nothing.
    const keys: string[] = [];
    let cursor: string | null = null;
    let n = 0;
    do {
      const r: { body: { items: { checkInId: string; modelVersion: string }[]; nextCursor: string | null } } = await call(
        care.url,
        'GET',
        `/v1/patients/p-1/risk?limit=${n === 0 ? 1 : 50}&${cursor ? `cursor=${cursor}` : `from=${from}`}`,
        { token: t['nurseA'] },
      );
      keys.push(...r.body.items.map((i) => `${i.checkInId}/${i.modelVersion}`));
      cursor = r.body.nextCursor;
    } while (cursor && ++n < 100);
    expect(keys).toHaveLength(days + Math.ceil(days / 30));
    expect(keys.slice(0, 2)).toEqual([`${checkIns[0].id}/v1`, `${checkIns[0].id}/v2`]);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('writes an audit record of every read (who, what, when, request), without values', async () => {
    const r = await call(care.url, 'GET', '/v1/patients/p-1/observations?metric=weightKg', {
      token: t['nurseA'],
      headers: { 'x-request-id': 'req-audit-check-1' },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-request-id')).toBe('req-audit-check-1');
    // Audit rows are partitioned by day: a run that crosses midnight UTC has them in two partitions.
    const rs = await ks.client.execute(
      `SELECT * FROM "${ks.keyspace}".audit_log WHERE tenant_id = ? AND day IN ?`,
      [ORG, dayBuckets(suiteStartedAt, Date.now())],
      { prepare: true },
    );
    const rows = rs.rows.map((x) => ({
      actor: x['actor'],
      role: x['actor_role'],
      action: x['action'],
      patient: x['patient_id'],
      resource: x['resource'],
      requestId: x['request_id'],
      outcome: x['outcome'],
      at: x['at'],
    }));
    expect(rows).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          actor: 'nurse-a',
          role: 'care-manager',
          action: 'patient.observations.read',
          patient: 'p-1',
          resource: 'GET /v1/patients/:id/observations metric=weightKg',
          requestId: 'req-audit-check-1',
          outcome: 'success',
        }),
        expect.objectContaining({ actor: 'nurse-a', action: 'patient.profile.read', patient: 'p-1', outcome: 'success' }),
        expect.objectContaining({ actor: 'nurse-a', action: 'patient.risk.read', patient: 'p-1', outcome: 'success' }),
        expect.objectContaining({ actor: 'nurse-b', action: 'patient.profile.read', patient: 'p-1', outcome: 'denied' }),
        expect.objectContaining({ actor: 'admin-1', role: 'care-admin', action: 'patient.enrol', patient: 'p-1' }),
      ]),
    );
    expect(rows.every((x) => x.at instanceof Date)).toBe(true);
    const dump = JSON.stringify(rs.rows);
    expect(dump).not.toMatch(/77\.777\d|78\.5|heart-failure|SpO2 94/);

    // The same records on audit.v1 (the read was answered only once they were acknowledged, so they are there now).
    const published = await consumeAll(kafka, prefixedTopic(TOPICS.audit, prefix), { timeoutMs: 20_000 });
    const events = published.map((r) => r.event!);
    const obsRead = events.find((e) => (e.data as AuditRecordedData).requestId === 'req-audit-check-1');
    expect(obsRead).toMatchObject({
      type: EVENT_TYPES.auditRecorded,
      source: EVENT_SOURCES.careApi,
      subject: 'p-1',
      tenantid: ORG,
      data: {
        actor: 'nurse-a',
        actorRole: 'care-manager',
        tenantId: ORG,
        action: 'patient.observations.read',
        patientId: 'p-1',
        resource: 'GET /v1/patients/:id/observations metric=weightKg',
        requestId: 'req-audit-check-1',
        outcome: 'success',
      },
    });
    const obsData = obsRead!.data as AuditRecordedData;
    expect(obsRead!.id).toBe(obsData.auditId);
    // One trail, two copies: the event's id is the table row's id, and its time the row's.
    const row = rs.rows.find((x) => x['request_id'] === 'req-audit-check-1')!;
    expect([String(row['id']), (row['at'] as Date).toISOString()]).toEqual([obsData.auditId, obsData.at]);
    expect(events.map((e) => e.data as AuditRecordedData)).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ actor: 'nurse-b', action: 'patient.profile.read', patientId: 'p-1', outcome: 'denied' }),
        expect.objectContaining({ actor: 'admin-1', actorRole: 'care-admin', action: 'patient.enrol', patientId: 'p-1' }),
      ]),
    );
    expect(published.find((x) => x.event === obsRead)?.key).toBe('p-1'); // keyed by patient: one patient's trail in order
    expect(JSON.stringify(published.map((r) => [r.value?.toString(), r.headers]))).not.toMatch(/77\.777\d|78\.5|heart-failure|SpO2 94|Bearer /);
    // No PHI in the service's logs either.
    expect(care.logs.join('\n')).not.toMatch(/77\.777\d|dryWeight|heart-failure|SpO2 94|Bearer /);
  });

  it('serves the dashboard build without a token, and nothing outside it', async () => {
    const page = await fetch(`${care.url}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('<title>Vigil</title>');
    const js = await fetch(`${care.url}/dashboard/assets/app.js`);
    expect([js.status, js.headers.get('content-type')]).toEqual([200, 'application/javascript; charset=utf-8']);
    expect((await fetch(`${care.url}/dashboard`, { redirect: 'manual' })).status).toBe(301);
    expect((await fetch(`${care.url}/dashboard/alerts/today`)).status).toBe(200); // the app's own routes
    for (const bad of ['/dashboard/.env', '/dashboard/%2e%2e/%2e%2e/package.json', '/dashboard/assets/missing.js']) {
      expect([bad, (await fetch(`${care.url}${bad}`)).status]).toEqual([bad, 404]);
    }
  });

  it('does not serve data whose read cannot be published to audit.v1 (fail closed), and serves again once it can', async () => {
    const admin = kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: [prefixedTopic(TOPICS.audit, prefix)] });
    } finally {
      await admin.disconnect();
    }
    // (auto.create.topics.enable=false: the publish fails until the topic exists again. The broker
    // finishes the deletion asynchronously: a read in that instant is still audited, so wait for it.)
    const r = await waitFor(
      async () => {
        const x = await call(care.url, 'GET', '/v1/patients/p-1/observations?metric=weightKg', { token: t['nurseA'] });
        return x.status === 503 ? x : null;
      },
      30_000,
      { intervalMs: 200, what: 'a 503 once audit.v1 is gone' },
    );
    expect(r.headers.get('retry-after')).toBeTruthy();
    expect(r.text).not.toMatch(/77\.777\d/);
    expect((await call(care.url, 'GET', '/v1/patients/p-1', { token: t['nurseA'] })).status).toBe(503);

    await waitFor(
      () =>
        createTestTopics(
          kafka,
          prefix,
          mySpecs.filter((s) => s.name === TOPICS.audit),
        ).then(() => true),
      30_000,
      { intervalMs: 500, what: 'audit.v1 re-created' },
    );
    await waitFor(
      async () => (await call(care.url, 'GET', '/v1/patients/p-1', { token: t['nurseA'], headers: { 'x-request-id': 'req-after-recovery' } })).status === 200,
      30_000,
      {
        intervalMs: 500,
        what: 'reads served again',
      },
    );
    const after = await consumeAll(kafka, prefixedTopic(TOPICS.audit, prefix), { timeoutMs: 20_000 });
    expect(after.map((x) => (x.event!.data as AuditRecordedData).requestId)).toContain('req-after-recovery');
  });

  it('does not serve data whose read cannot be written to the audit table (fail closed)', async () => {
    await ks.client.execute(`DROP TABLE "${ks.keyspace}".audit_log`);
    const r = await call(care.url, 'GET', '/v1/patients/p-1/observations?metric=weightKg', { token: t['nurseA'] });
    expect(r.status).toBe(503);
    expect(r.headers.get('retry-after')).toBeTruthy();
    expect(r.text).not.toMatch(/77\.777\d/);
    expect((await call(care.url, 'GET', '/v1/patients/p-1', { token: t['nurseA'] })).status).toBe(503);
  });
});
