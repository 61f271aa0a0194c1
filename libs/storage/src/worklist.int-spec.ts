import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from 'cassandra-driver';
import {
  cassandraConfigSchema,
  ContactsRepository,
  createCassandraClient,
  dropKeyspace,
  migrate,
  WorklistStateRepository,
  WorklistStreamRepository,
} from './index';

// Migration 0005 on the real server, and its repositories.
describe('worklist and contact tables (0005)', () => {
  let client: Client;
  let keyspace: string;

  beforeAll(async () => {
    keyspace = `t_wl_${randomBytes(5).toString('hex')}`;
    client = createCassandraClient(cassandraConfigSchema.parse({ ...process.env, CASSANDRA_KEYSPACE: keyspace }), { keyspace: null });
    await migrate(client, keyspace, 1);
  }, 120_000);

  afterAll(async () => {
    await dropKeyspace(client, keyspace).finally(() => client.shutdown());
  });

  it('state versions: a write against a stale version is refused, and the team list moves', async () => {
    const repo = new WorklistStateRepository<{ n: number }>(client, keyspace);
    const row = { tenantId: 'org-1', patientId: 'p1', careTeamId: 'team-a', status: 'active', state: { n: 1 }, version: 1, updatedAt: new Date() };
    expect(await repo.put(row, 0)).toBe(true);
    expect(await repo.put(row, 0)).toBe(false);
    expect(await repo.put({ ...row, state: { n: 2 }, version: 2 }, 1)).toBe(true);
    expect(await repo.put({ ...row, state: { n: 3 }, version: 2 }, 1)).toBe(false);
    expect(await repo.get('org-1', 'p1')).toMatchObject({ state: { n: 2 }, version: 2, careTeamId: 'team-a' });
    expect(await repo.get('org-2', 'p1')).toBeNull();
    await repo.setTeam('org-1', 'p1', 'team-a', null);
    expect(await repo.teamPatients('org-1', 'team-a')).toEqual(['p1']);
    await repo.setTeam('org-1', 'p1', 'team-b', 'team-a');
    expect(await repo.teamPatients('org-1', 'team-a')).toEqual([]);
    expect((await repo.getMany('org-1', ['p1', 'nobody'])).map((r) => r.patientId)).toEqual(['p1']);
  });

  it('stream rows come back in cursor order across teams, after a cursor and up to another', async () => {
    const repo = new WorklistStreamRepository<{ x: string }>(client, keyspace);
    const ms = Date.parse('2026-03-10T08:00:00Z');
    const put = (cursor: string, team: string) => repo.write({ cursor, tenantId: 'org-1', careTeamId: team, patientId: 'p1', version: 1, data: { x: cursor } });
    await put(`${ms}-1`, 'team-a');
    await put(`${ms}-0`, 'team-b');
    await put(`${ms + 5}-0`, 'team-a');
    const read = async (after: string, upTo: string | null) => {
      const out: string[] = [];
      for await (const r of repo.readAfter('org-1', ['team-a', 'team-b'], after, upTo, 0)) out.push(r.cursor);
      return out;
    };
    expect(await read(`${ms - 1}-0`, `${ms + 10}-0`)).toEqual([`${ms}-0`, `${ms}-1`, `${ms + 5}-0`]);
    expect(await read(`${ms}-0`, `${ms}-1`)).toEqual([`${ms}-1`]);
  });

  it('contacts: stored with their note, found by id in the tenant only, paged newest first across years', async () => {
    const repo = new ContactsRepository(client, keyspace);
    const base = { tenantId: 'org-1', patientId: 'p1', careTeamId: 'team-a', by: 'nurse-1', outcome: 'reached', resolvedAlertIds: [] as string[], event: '{}' };
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    await repo.insert({ ...base, contactId: ids[0], at: new Date('2025-12-30T10:00:00Z'), note: 'called' });
    await repo.insert({
      ...base,
      contactId: ids[1],
      at: new Date('2026-01-02T10:00:00Z'),
      nextContactAt: new Date('2026-01-05T09:00:00Z'),
      resolvedAlertIds: ['a1'],
    });
    await repo.insert({ ...base, contactId: ids[2], at: new Date('2026-01-03T10:00:00Z') });
    await repo.insert({ ...base, contactId: ids[2], at: new Date('2026-01-03T10:00:00Z') }); // a retry: the same row
    const now = Date.parse('2026-01-04T00:00:00Z');
    const first = await repo.page('org-1', 'p1', 2, undefined, now);
    expect(first.map((c) => c.contactId)).toEqual([ids[2], ids[1]]);
    const second = await repo.page('org-1', 'p1', 2, { at: first[1].at, contactId: first[1].contactId }, now);
    expect(second.map((c) => [c.contactId, c.note])).toEqual([[ids[0], 'called']]);
    expect(await repo.get('org-1', ids[1])).toMatchObject({ resolvedAlertIds: ['a1'], nextContactAt: new Date('2026-01-05T09:00:00Z') });
    expect(await repo.get('org-2', ids[1])).toBeNull();
  });
});
