import { types } from 'cassandra-driver';
import { cassandraEnv, parseConfig, z } from '@vigil/config';
import {
  archiveShard,
  ARCHIVE_DAY_SHARDS,
  cassandraClientOptions,
  checkRange,
  dayBucket,
  dayBuckets,
  decodeCursor,
  encodeCursor,
  InvalidCursorError,
  latestWriteTimestamp,
  loadMigrations,
  monthBounds,
  monthBucket,
  monthBuckets,
  ObservationRepository,
  observationRowsOf,
  profileFromPatientColumns,
  upsertPatientStatement,
  quoteIdent,
  replicationCql,
  splitCql,
  groupByPartition,
} from './index';

const cfg = (env: Record<string, string> = {}) => parseConfig(z.object(cassandraEnv), env);

describe('buckets', () => {
  it('buckets by UTC device time, whatever the offset the device sent', () => {
    expect(monthBucket(new Date('2026-03-01T00:30:00+01:00'))).toBe('2026-02');
    expect(monthBucket(new Date('2026-02-28T23:30:00-01:00'))).toBe('2026-03');
    expect(dayBucket(new Date('2026-03-10T23:59:59.999Z'))).toBe('2026-03-10');
  });
  it('lists every month and day a range touches, in order', () => {
    expect(monthBuckets(Date.parse('2025-11-15T00:00:00Z'), Date.parse('2026-02-01T00:00:00Z'))).toEqual(['2025-11', '2025-12', '2026-01', '2026-02']);
    expect(monthBuckets(Date.parse('2026-01-31T00:00:00Z'), Date.parse('2026-01-31T01:00:00Z'))).toEqual(['2026-01']);
    expect(dayBuckets(Date.parse('2026-02-27T12:00:00Z'), Date.parse('2026-03-01T00:00:00Z'))).toEqual(['2026-02-27', '2026-02-28', '2026-03-01']);
    expect(monthBounds('2025-12')).toEqual({ start: new Date('2025-12-01T00:00:00Z'), end: new Date('2026-01-01T00:00:00Z') });
  });
  it('refuses absurd ranges', () => {
    expect(() => dayBuckets(0, Date.parse('2100-01-01T00:00:00Z'))).toThrow(RangeError);
  });
  it('shards are stable and spread', () => {
    expect(archiveShard('org-1', 'patient-1')).toBe(archiveShard('org-1', 'patient-1'));
    const seen = new Set<number>();
    for (let i = 0; i < 500; i++) seen.add(archiveShard('org-1', `patient-${i}`));
    expect(seen.size).toBe(ARCHIVE_DAY_SHARDS);
  });
});

describe('splitCql', () => {
  it('splits on semicolons outside strings, identifiers and comments', () => {
    const script = `-- a comment; with a semicolon
      CREATE TABLE a (x int PRIMARY KEY) WITH comment = 'it''s; fine';
      /* block; comment */ CREATE TABLE "b;c" (y int PRIMARY KEY); // trailing; comment
      INSERT INTO a (x) VALUES (1)`;
    expect(splitCql(script)).toEqual([
      "CREATE TABLE a (x int PRIMARY KEY) WITH comment = 'it''s; fine'",
      'CREATE TABLE "b;c" (y int PRIMARY KEY)',
      'INSERT INTO a (x) VALUES (1)',
    ]);
  });
  it('rejects an unterminated string', () => {
    expect(() => splitCql("SELECT 'oops")).toThrow(/unterminated/);
  });
});

describe('migrations', () => {
  it('loads the migration files in order, every statement idempotent', () => {
    const ms = loadMigrations();
    expect(ms.map((m) => m.version)).toEqual([...ms.map((m) => m.version)].sort((a, b) => a - b));
    expect(ms[0].version).toBe(1);
    for (const m of ms) {
      expect(m.checksum).toMatch(/^[0-9a-f]{64}$/);
      // Re-running a half-applied migration must be harmless: every statement is conditional.
      for (const s of m.statements)
        expect(s).toMatch(
          /^(CREATE (TABLE|TYPE|INDEX|CUSTOM INDEX) IF NOT EXISTS |ALTER TABLE (IF EXISTS )?\w+ (ADD IF NOT EXISTS|DROP IF EXISTS|WITH) |DROP (TABLE|INDEX) IF EXISTS )/,
        );
    }
    const tables = ms.flatMap((m) => m.statements).map((s) => /IF NOT EXISTS (\w+)/.exec(s)?.[1]);
    expect(tables).toEqual(
      expect.arrayContaining([
        'observations_by_patient',
        'latest_observations',
        'checkins_by_patient',
        'checkins_by_day',
        'patients',
        'risk_scores_by_patient',
        'alerts_by_id',
        'alerts_by_team',
        'scorer_state',
        'audit_log',
      ]),
    );
  });
  it('turns configured replication into a CQL map', () => {
    expect(replicationCql('{"class":"SimpleStrategy","replication_factor":1}')).toBe("{'class': 'SimpleStrategy', 'replication_factor': '1'}");
    expect(replicationCql(3)).toBe("{'class': 'SimpleStrategy', 'replication_factor': '3'}");
    expect(replicationCql('{"class":"NetworkTopologyStrategy","dc1":3,"dc2":3}')).toBe("{'class': 'NetworkTopologyStrategy', 'dc1': '3', 'dc2': '3'}");
    expect(() => replicationCql('{"replication_factor":1}')).toThrow(/class/);
    expect(() => replicationCql('{"class":"x\'; DROP"}')).toThrow(/invalid/);
    expect(() => replicationCql('nope')).toThrow(/CASSANDRA_REPLICATION/);
  });
  it('quotes identifiers and refuses anything else', () => {
    expect(quoteIdent('vigil_t1')).toBe('"vigil_t1"');
    expect(() => quoteIdent('a"; DROP')).toThrow();
  });
});

describe('client options', () => {
  it('maps configuration: contact points, DC, keyspace, consistency profiles, prepare', () => {
    const o = cassandraClientOptions(
      cfg({ CASSANDRA_CONTACT_POINTS: 'c1:9142,c2', CASSANDRA_READ_CONSISTENCY: 'LOCAL_ONE', CASSANDRA_WRITE_CONSISTENCY: 'LOCAL_QUORUM' }),
    );
    expect(o.contactPoints).toEqual(['c1:9142', 'c2']);
    expect(o.localDataCenter).toBe('datacenter1');
    expect(o.keyspace).toBe('vigil');
    expect(o.queryOptions?.prepare).toBe(true);
    const byName = Object.fromEntries((o.profiles ?? []).map((p) => [p.name, p.consistency]));
    expect(byName['read']).toBe(types.consistencies.localOne);
    expect(byName['write']).toBe(types.consistencies.localQuorum);
    expect(o.authProvider).toBeUndefined();
    expect(o.sslOptions).toBeUndefined();
  });
  it('adds auth and TLS when configured; no keyspace for migrations', () => {
    const o = cassandraClientOptions(
      cfg({ CASSANDRA_USERNAME: 'u', CASSANDRA_PASSWORD: 'p', CASSANDRA_TLS: 'true', CASSANDRA_CONTACT_POINTS: 'db.example.org' }),
      { keyspace: null },
    );
    expect(o.authProvider).toBeDefined();
    expect(o.sslOptions).toEqual({ rejectUnauthorized: true, servername: 'db.example.org' });
    expect(o.keyspace).toBeUndefined();
    expect(() => cassandraClientOptions(cfg({ CASSANDRA_USERNAME: 'u' }))).toThrow(/together/);
  });
});

describe('cursors and ranges', () => {
  it('round-trips and rejects tampering', () => {
    const c = encodeCursor({ t: 1767225600000, c: '7d9f4b1e-2c3a-4f5e-8a6b-1c2d3e4f5a6b' });
    expect(decodeCursor(c)).toEqual({ t: 1767225600000, c: '7d9f4b1e-2c3a-4f5e-8a6b-1c2d3e4f5a6b' });
    expect(() => decodeCursor('garbage')).toThrow(InvalidCursorError);
    expect(() => decodeCursor(Buffer.from('{"v":1,"t":1,"c":"x\' OR 1"}').toString('base64url'))).toThrow(InvalidCursorError);
  });
  it('validates ranges', () => {
    const from = new Date('2026-01-01T00:00:00Z');
    expect(() => checkRange({ from, to: from })).toThrow(RangeError);
    expect(() => checkRange({ from, to: new Date('x') })).toThrow(RangeError);
    expect(() => checkRange({ from, to: new Date('2026-02-01T00:00:00Z'), pageSize: 0 })).toThrow(RangeError);
    expect(checkRange({ from, to: new Date('2026-02-01T00:00:00Z') })).toEqual({ pageSize: 500, order: 'asc' });
  });
});

describe('observation rows', () => {
  it('one row per metric, never notes, at device time', () => {
    const rows = observationRowsOf('org-1', 'p-1', {
      checkInId: '7d9f4b1e-2c3a-4f5e-8a6b-1c2d3e4f5a6b',
      recordedAt: '2026-03-10T09:00:00+01:00',
      vitals: { weightKg: 81.2, spo2: 94 },
      notes: 'private',
    });
    expect(rows.map((r) => r.metric)).toEqual(['weightKg', 'spo2']);
    expect(rows[0].recordedAt.toISOString()).toBe('2026-03-10T08:00:00.000Z');
    expect(JSON.stringify(rows)).not.toContain('private');
  });
  it('latest-value timestamps order by device time and break ties the same way everywhere', () => {
    const a = latestWriteTimestamp(new Date('2026-03-10T08:00:00.000Z'), '7D9F4B1E-2C3A-4F5E-8A6B-1C2D3E4F5A6B');
    const b = latestWriteTimestamp(new Date('2026-03-10T08:00:00.001Z'), '00000000-0000-4000-8000-000000000000');
    expect(a.lessThan(b)).toBe(true);
    expect(a.equals(latestWriteTimestamp(new Date('2026-03-10T08:00:00.000Z'), '7d9f4b1e-2c3a-4f5e-8a6b-1c2d3e4f5a6b'))).toBe(true);
    expect(a.toNumber()).toBeGreaterThanOrEqual(Date.parse('2026-03-10T08:00:00Z') * 1000);
  });

  it('of a backlog, sends every series row but only the newest latest-value row per patient and metric', () => {
    const repo = new ObservationRepository({} as never, 'ks');
    const row = (patientId: string, metric: string, iso: string, checkInId: string, value: number) => ({
      tenantId: 'org-1',
      patientId,
      metric,
      recordedAt: new Date(iso),
      checkInId,
      value,
    });
    const ids = ['11111111-1111-4111-8111-111111111111', '22222222-2222-4222-8222-222222222222', '33333333-3333-4333-8333-333333333333'];
    const rows = [
      row('p-1', 'weightKg', '2026-03-10T08:00:00Z', ids[0], 80),
      row('p-1', 'weightKg', '2026-03-12T08:00:00Z', ids[1], 82), // newest for p-1 weight
      row('p-1', 'weightKg', '2026-03-11T08:00:00Z', ids[2], 81),
      row('p-1', 'spo2', '2026-03-10T08:00:00Z', ids[0], 95),
      row('p-2', 'weightKg', '2026-03-09T08:00:00Z', ids[0], 70),
      row('p-2', 'weightKg', '2026-03-09T08:00:00Z', ids[0], 71), // the same timestamp: a tie, both sent
    ];
    const statements = repo.keyedStatementsFor(rows);
    const latest = statements.filter((s) => s.partition.startsWith('latest|')).map((s) => s.statement.params.slice(1, 4));
    const series = statements.filter((s) => s.partition.startsWith('obs|'));
    expect(series).toHaveLength(rows.length);
    expect(latest).toEqual([
      ['p-1', 'weightKg', 82],
      ['p-1', 'spo2', 95],
      ['p-2', 'weightKg', 70],
      ['p-2', 'weightKg', 71],
    ]);
  });
});

describe('groupByPartition', () => {
  const st = (partition: string, n: number, bytes = 10) => ({ partition, bytes, statement: { query: `q${n}`, params: [n] } });
  it('batches rows of one partition only, in first-seen order, bounded by rows and bytes', () => {
    const out = groupByPartition([st('a', 1), st('b', 2), st('a', 3), st('c', 4), st('a', 5)], { maxRows: 2 });
    expect(out).toEqual([
      {
        batch: [
          { query: 'q1', params: [1] },
          { query: 'q3', params: [3] },
        ],
      },
      { query: 'q2', params: [2] },
      { query: 'q4', params: [4] },
      { query: 'q5', params: [5] },
    ]);
    const bySize = groupByPartition([st('a', 1, 30_000), st('a', 2, 30_000), st('a', 3, 5_000)]);
    expect(bySize).toEqual([
      { query: 'q1', params: [1] },
      {
        batch: [
          { query: 'q2', params: [2] },
          { query: 'q3', params: [3] },
        ],
      },
    ]);
  });
});

describe('patients table', () => {
  it('reads a profile from the columns with the defaults, and nothing without a care team', () => {
    expect(profileFromPatientColumns('org-1', 'p-1', { care_team_id: null })).toBeNull();
    expect(profileFromPatientColumns('org-1', 'p-1', { care_team_id: 'team-a', news2_spo2_scale: 2, dry_weight_kg: 71.5, status: 'discharged' })).toEqual({
      patientId: 'p-1',
      tenantId: 'org-1',
      careTeamId: 'team-a',
      conditions: [],
      news2SpO2Scale: 2,
      expectedCheckInIntervalHours: 48,
      status: 'discharged',
      updatedAt: '1970-01-01T00:00:00.000Z',
      dryWeightKg: 71.5,
    });
  });

  it('writes the whole profile at the time of its own updatedAt', () => {
    const p = {
      patientId: 'p-1',
      tenantId: 'org-1',
      careTeamId: 'team-a',
      conditions: ['copd' as const],
      news2SpO2Scale: 1 as const,
      expectedCheckInIntervalHours: 24.4,
      status: 'active' as const,
      updatedAt: '2026-03-10T08:00:00.000Z',
    };
    const at = Date.parse(p.updatedAt);
    const { query, params } = upsertPatientStatement('ks.patients', p, at);
    expect(query).toMatch(/^INSERT INTO ks\.patients .* USING TIMESTAMP \?$/s);
    expect(params.slice(0, 8)).toEqual(['org-1', 'p-1', 'team-a', ['copd'], null, 1, 24, 'active']);
    expect(JSON.parse(params[8] as string)).toEqual(p);
    expect((params[10] as types.Long).toNumber()).toBe(at * 1000);
  });
});
