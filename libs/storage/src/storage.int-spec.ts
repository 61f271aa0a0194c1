import { randomBytes, randomUUID } from 'node:crypto';
import type { Client } from 'cassandra-driver';
import {
  ArchivedCheckIn,
  archivedToEvent,
  CheckInArchiveRepository,
  loadMigrations,
  migrate,
  ObservationPoint,
  ObservationRepository,
  ObservationRow,
  cassandraConfigSchema,
  createCassandraClient,
  dropKeyspace,
  MigrationReport,
} from './index';

// The testing library's createTestKeyspace does the same, but that library depends on this one.
interface TestKeyspace {
  keyspace: string;
  client: Client;
  migration: MigrationReport;
  drop(): Promise<void>;
}
async function createTestKeyspace(prefix: string): Promise<TestKeyspace> {
  const keyspace = `t_${prefix}_${randomBytes(5).toString('hex')}`;
  const client = createCassandraClient(cassandraConfigSchema.parse({ ...process.env, CASSANDRA_KEYSPACE: keyspace }), { keyspace: null });
  const migration = await migrate(client, keyspace, 1);
  return {
    keyspace,
    client,
    migration,
    async drop() {
      await dropKeyspace(client, keyspace).finally(() => client.shutdown());
    },
  };
}
async function countRows(client: Client, keyspace: string, table: string, where = '', params: unknown[] = []): Promise<number> {
  const rs = await client.execute(`SELECT COUNT(*) AS n FROM "${keyspace}".${table} ${where}`, params, { prepare: true, readTimeout: 60_000 });
  return Number(rs.first()['n']);
}

jest.setTimeout(60_000);

let ks: TestKeyspace;
let observations: ObservationRepository;
let archive: CheckInArchiveRepository;

beforeAll(async () => {
  ks = await createTestKeyspace('storage');
  observations = new ObservationRepository(ks.client, ks.keyspace, { concurrency: 16 });
  archive = new CheckInArchiveRepository(ks.client, ks.keyspace, { concurrency: 16 });
  // Measured, not asserted: visible in the test output when schema work gets slow.
  process.stdout.write(`migrations applied to ${ks.keyspace} in ${ks.migration.ms} ms\n`);
});
afterAll(async () => ks?.drop());

const T = 'org-1';

describe('migrations', () => {
  it('are recorded with their checksums, and re-running is a no-op', async () => {
    const files = loadMigrations();
    expect(ks.migration.applied.map((a) => a.version)).toEqual(files.map((f) => f.version));
    const again = await migrate(ks.client, ks.keyspace, 1);
    expect(again.applied).toEqual([]);
    expect(again.alreadyApplied).toEqual(files.map((f) => f.version));
    const rows = await ks.client.execute(`SELECT version, checksum FROM "${ks.keyspace}".schema_migrations`);
    expect(rows.rows.map((r) => [r['version'], r['checksum']]).sort()).toEqual(files.map((f) => [f.version, f.checksum]).sort());
  });

  it('refuse a migration edited after it was applied', async () => {
    const files = loadMigrations();
    const edited = files.map((f, i) => (i === 0 ? { ...f, checksum: '0'.repeat(64) } : f));
    await expect(migrate(ks.client, ks.keyspace, 1, { migrations: edited })).rejects.toThrow(/changed after it was applied/);
  });
});

describe('observations', () => {
  it('the same rows written twice leave one row each', async () => {
    const patientId = `p-${randomUUID()}`;
    const checkInId = randomUUID();
    const at = new Date('2026-01-15T10:00:00Z');
    const rows: ObservationRow[] = [
      { tenantId: T, patientId, metric: 'weightKg', recordedAt: at, checkInId, value: 80.5 },
      { tenantId: T, patientId, metric: 'spo2', recordedAt: at, checkInId, value: 95 },
    ];
    await observations.writeObservations(rows);
    await observations.writeObservations(rows);
    expect(
      await countRows(ks.client, ks.keyspace, 'observations_by_patient', 'WHERE tenant_id = ? AND patient_id = ? AND bucket = ? AND metric = ?', [
        T,
        patientId,
        '2026-01',
        'weightKg',
      ]),
    ).toBe(1);
    const page = await observations.querySeries({
      tenantId: T,
      patientId,
      metric: 'spo2',
      from: new Date('2026-01-01T00:00:00Z'),
      to: new Date('2026-02-01T00:00:00Z'),
    });
    expect(page).toEqual({ items: [{ recordedAt: at, checkInId, value: 95 }], nextCursor: null });
  });

  it('a range across month buckets returns every point in order, paged, both directions', async () => {
    const patientId = `p-${randomUUID()}`;
    const rows: ObservationRow[] = [];
    // Every 6 hours from 28 Jan to 3 Mar: three buckets, points on both sides of each boundary.
    for (let t = Date.parse('2026-01-28T00:00:00Z'); t < Date.parse('2026-03-03T00:00:00Z'); t += 6 * 3600_000) {
      rows.push({ tenantId: T, patientId, metric: 'heartRate', recordedAt: new Date(t), checkInId: randomUUID(), value: 60 + ((t / 3600_000) % 30) });
    }
    // Two readings in the same millisecond: both kept, ordered by check-in id.
    rows.push({
      tenantId: T,
      patientId,
      metric: 'heartRate',
      recordedAt: new Date('2026-01-31T23:59:59.999Z'),
      checkInId: '00000000-0000-4000-8000-000000000001',
      value: 70,
    });
    rows.push({
      tenantId: T,
      patientId,
      metric: 'heartRate',
      recordedAt: new Date('2026-01-31T23:59:59.999Z'),
      checkInId: '00000000-0000-4000-8000-000000000002',
      value: 71,
    });
    await observations.writeObservations(rows);

    const from = new Date('2026-01-30T00:00:00Z');
    const to = new Date('2026-03-02T00:00:00Z');
    const expected = rows
      .filter((r) => r.recordedAt >= from && r.recordedAt < to)
      .sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime() || (a.checkInId < b.checkInId ? -1 : 1))
      .map((r) => ({ recordedAt: r.recordedAt, checkInId: r.checkInId, value: r.value }));

    const read = async (order: 'asc' | 'desc', pageSize: number) => {
      const got: ObservationPoint[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await observations.querySeries({ tenantId: T, patientId, metric: 'heartRate', from, to, pageSize, cursor, order });
        got.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor);
      return { got, pages };
    };
    const asc = await read('asc', 7);
    expect(asc.got).toEqual(expected);
    expect(asc.pages).toBeGreaterThan(10);
    const desc = await read('desc', 13);
    expect(desc.got).toEqual([...expected].reverse());
    const whole = await read('asc', 10_000);
    expect(whole).toEqual({ got: expected, pages: 1 });
  });

  it('latest keeps the newest device time, whatever the arrival order', async () => {
    const patientId = `p-${randomUUID()}`;
    const newer = { tenantId: T, patientId, metric: 'weightKg', recordedAt: new Date('2026-02-10T08:00:00Z'), checkInId: randomUUID(), value: 82 };
    const older = { ...newer, recordedAt: new Date('2026-02-09T08:00:00Z'), checkInId: randomUUID(), value: 79 };
    const other = { ...newer, metric: 'spo2', value: 97 };
    await observations.writeObservations([newer, other]);
    await observations.writeObservations([older]); // a late check-in from an offline phone
    await observations.writeObservations([newer]); // a redelivery
    const latest = await observations.latest(T, patientId);
    expect(latest.sort((a, b) => a.metric.localeCompare(b.metric))).toEqual([
      { metric: 'spo2', value: 97, recordedAt: newer.recordedAt, checkInId: newer.checkInId },
      { metric: 'weightKg', value: 82, recordedAt: newer.recordedAt, checkInId: newer.checkInId },
    ]);
  });

  it('a backlog written in one call keeps every point and the newest as latest', async () => {
    const patientId = `p-${randomUUID()}`;
    const days = [3, 1, 4, 2, 0].map((d) => ({
      tenantId: T,
      patientId,
      metric: 'weightKg',
      recordedAt: new Date(Date.UTC(2026, 1, 10 + d, 8)),
      checkInId: randomUUID(),
      value: 80 + d,
    }));
    await observations.writeObservations(days);
    expect(await observations.latest(T, patientId)).toEqual([{ metric: 'weightKg', value: 84, recordedAt: days[2].recordedAt, checkInId: days[2].checkInId }]);
    const page = await observations.querySeries({
      tenantId: T,
      patientId,
      metric: 'weightKg',
      from: new Date(Date.UTC(2026, 1, 1)),
      to: new Date(Date.UTC(2026, 2, 1)),
    });
    expect(page.items.map((p) => p.value)).toEqual([80, 81, 82, 83, 84]);
  });
});

describe('check-in archive', () => {
  const record = (tenantId: string, patientId: string, recordedAt: Date, offset: number): ArchivedCheckIn => {
    const checkInId = randomUUID();
    const data = JSON.stringify({ checkInId, recordedAt: recordedAt.toISOString(), mood: 3, notes: 'private' });
    return {
      tenantId,
      patientId,
      checkInId,
      recordedAt,
      recordedAtText: recordedAt.toISOString(),
      eventId: checkInId,
      eventSource: 'vigil/ingest-api',
      eventType: 'org.vigil.checkin.received',
      eventTime: recordedAt.toISOString(),
      dataSchemaVersion: '1.0',
      data,
      kafka: { topic: 'checkins.v1', partition: 0, offset: String(offset), timestamp: recordedAt },
      archivedAt: new Date('2026-03-01T00:00:00Z'),
    };
  };

  it('reads a patient range across buckets and scans all patients over days in one order', async () => {
    const tenant = `org-${randomUUID().slice(0, 8)}`; // scans see other tests' rows too: filter by tenant
    const recs: ArchivedCheckIn[] = [];
    let offset = 0;
    for (let p = 0; p < 12; p++) {
      for (let t = Date.parse('2026-02-27T00:00:00Z') + p * 60_000; t < Date.parse('2026-03-02T12:00:00Z'); t += 5 * 3600_000) {
        recs.push(record(tenant, `patient-${p}`, new Date(t), offset++));
      }
    }
    await archive.write(recs);
    await archive.write(recs.slice(0, 10)); // redelivery: still one row each

    const p3 = recs.filter((r) => r.patientId === 'patient-3');
    const got: ArchivedCheckIn[] = [];
    let cursor: string | null = null;
    do {
      const page = await archive.readPatientRange({
        tenantId: tenant,
        patientId: 'patient-3',
        from: new Date('2026-02-01T00:00:00Z'),
        to: new Date('2026-04-01T00:00:00Z'),
        pageSize: 4,
        cursor,
      });
      got.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    expect(got).toEqual(p3);
    expect(archivedToEvent(got[0]).data).toEqual(JSON.parse(p3[0].data));

    const from = new Date('2026-02-28T06:00:00Z');
    const to = new Date('2026-03-02T00:00:00Z');
    const scanned: ArchivedCheckIn[] = [];
    for await (const a of archive.scanRange({ from, to, fetchSize: 7 })) if (a.tenantId === tenant) scanned.push(a);
    const expected = recs
      .filter((r) => r.recordedAt >= from && r.recordedAt < to)
      .sort((a, b) => a.recordedAt.getTime() - b.recordedAt.getTime() || (a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : 0));
    expect(scanned.map((s) => s.checkInId)).toEqual(expected.map((e) => e.checkInId));
    expect(scanned.length).toBeGreaterThan(50);
  });
});
