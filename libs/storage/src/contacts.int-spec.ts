import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from 'cassandra-driver';
import { cassandraConfigSchema, type ContactRecord, ContactsRepository, createCassandraClient, dropKeyspace, migrate } from './index';

// The contact id claim (contacts_by_id, IF NOT EXISTS) and the claimed row, on the real server.
describe('ContactsRepository: claiming a contact id', () => {
  let client: Client;
  let keyspace: string;
  let repo: ContactsRepository;

  beforeAll(async () => {
    keyspace = `t_ct_${randomBytes(5).toString('hex')}`;
    client = createCassandraClient(cassandraConfigSchema.parse({ ...process.env, CASSANDRA_KEYSPACE: keyspace }), { keyspace: null });
    await migrate(client, keyspace, 1);
    repo = new ContactsRepository(client, keyspace);
  }, 120_000);

  afterAll(async () => {
    await dropKeyspace(client, keyspace).finally(() => client.shutdown());
  }, 60_000);

  it('the first claim wins; later ones get its location; the row is found there once written', async () => {
    const id = randomUUID();
    const at = new Date('2026-03-10T08:00:00.123Z');
    expect(await repo.claim('org-1', id, 'p1', at)).toBeNull();
    const again = await repo.claim('org-1', id, 'p2', new Date('2026-03-11T08:00:00Z'));
    expect(again).toEqual({ patientId: 'p1', at });
    // The same id in another tenant is another contact.
    expect(await repo.claim('org-2', id, 'p9', at)).toBeNull();

    expect(await repo.getAt('org-1', id, again!)).toBeNull();
    expect(await repo.get('org-1', id)).toBeNull();
    const c: ContactRecord = {
      contactId: id,
      tenantId: 'org-1',
      patientId: 'p1',
      careTeamId: 'team-a',
      by: 'nurse-1',
      at,
      outcome: 'reached',
      note: 'n',
      resolvedAlertIds: ['a1'],
      event: '{}',
    };
    await repo.insertClaimed(c);
    await repo.insertClaimed(c); // idempotent
    expect(await repo.getAt('org-1', id, again!)).toEqual(c);
    expect(await repo.get('org-1', id)).toEqual(c);
    expect(await repo.page('org-1', 'p1', 10, undefined, Date.parse('2026-06-01T00:00:00Z'))).toEqual([c]);
  });

  it('concurrent claims of one id: exactly one is applied', async () => {
    const id = randomUUID();
    const results = await Promise.all([1, 2, 3, 4].map((i) => repo.claim('org-1', id, `p${i}`, new Date(Date.UTC(2026, 2, i)))));
    expect(results.filter((r) => r === null)).toHaveLength(1);
    const winners = new Set(results.filter((r) => r !== null).map((r) => r!.patientId));
    expect(winners.size).toBe(1);
  });
});
