import { Test } from '@nestjs/testing';
import { createEvent, EVENT_SOURCES, EVENT_TYPES, type EventType, type VigilEvent, type WorklistStreamData } from '@vigil/contracts';
import type { ConsumedEvent } from '@vigil/messaging';
import { createLogger, createMetrics } from '@vigil/observability';
import { WorklistStateRepository, type WorklistStateRow } from '@vigil/storage';
import { changeOf, WorklistChanges } from './worklist-changes';
import { WorklistProjector } from './worklist-projector';
import type { WorklistState } from './worklist-state';
import { worklistDataFor } from './worklist-stream';
import { WorklistMetrics } from './worklist.metrics';
import { WorklistInfra, WorklistSettings } from './worklist.wiring';

const T0 = Date.parse('2026-03-10T08:00:00Z');
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

/** The state table in memory, with the repository's versioned-write rule. */
class FakeStates {
  rows = new Map<string, WorklistStateRow<WorklistState>>();
  teams = new Map<string, Set<string>>();
  puts = 0;
  gets = 0;
  /** Called before a put is applied: lets a test slip in a concurrent writer. */
  beforePut?: () => void;
  failGet = false;
  /** When set, reads wait for it (lets a test queue work behind a running fold). */
  gate?: Promise<void>;

  async get(tenantId: string, patientId: string) {
    if (this.gate) await this.gate;
    if (this.failGet) throw new Error('Cassandra down');
    this.gets++;
    const r = this.rows.get(`${tenantId}/${patientId}`);
    return r ? structuredClone(r) : null;
  }
  async put(next: WorklistStateRow<WorklistState>, expected: number) {
    this.beforePut?.();
    this.beforePut = undefined;
    const cur = this.rows.get(`${next.tenantId}/${next.patientId}`);
    if ((cur?.version ?? 0) !== expected) return false;
    this.puts++;
    this.rows.set(`${next.tenantId}/${next.patientId}`, structuredClone(next));
    return true;
  }
  async setTeam(tenantId: string, patientId: string, team: string | null, previous: string | null) {
    if (team) this.set(tenantId, team).add(patientId);
    if (previous && previous !== team) this.set(tenantId, previous).delete(patientId);
  }
  private set(tenantId: string, team: string) {
    const k = `${tenantId}/${team}`;
    if (!this.teams.has(k)) this.teams.set(k, new Set());
    return this.teams.get(k)!;
  }
}

class FakeChanges {
  recorded: { patientId: string; version: number; previousTeam: string | null; causeType: string }[] = [];
  async record(row: WorklistStateRow<WorklistState>, previousTeam: string | null, causeType: string) {
    this.recorded.push({ patientId: row.patientId, version: row.version, previousTeam, causeType });
    return `${T0}-${this.recorded.length}`;
  }
}

let offset = 0;
function consumed(topic: string, event: VigilEvent): ConsumedEvent {
  return { topic, partition: 0, offset: String(offset++), key: event.subject ?? null, event, timestamp: String(T0) };
}
const ev = (type: EventType, data: Record<string, unknown>, patientId = 'p1', id = `${type}-${offset}`) =>
  createEvent({
    id,
    source: EVENT_SOURCES.careApi,
    type,
    subject: patientId,
    time: iso(T0),
    tenantid: 'org-1',
    data: { patientId, tenantId: 'org-1', ...data },
  });
const profile = (team: string, updatedAtMs: number, status = 'active', patientId = 'p1') =>
  consumed(
    'patients.v1',
    ev(
      EVENT_TYPES.patientUpdated,
      { careTeamId: team, conditions: ['copd'], status, expectedCheckInIntervalHours: 24, updatedAt: iso(updatedAtMs) },
      patientId,
    ),
  );
const score = (checkInId: string, value: number, patientId = 'p1') =>
  consumed(
    'risk-scores.v1',
    ev(EVENT_TYPES.riskScored, { checkInId, recordedAt: iso(T0), score: value, level: 'medium', factors: [] }, patientId, `score-${checkInId}`),
  );

describe('WorklistProjector (fakes of its ports)', () => {
  let projector: WorklistProjector;
  let states: FakeStates;
  let changes: FakeChanges;

  beforeEach(async () => {
    states = new FakeStates();
    changes = new FakeChanges();
    const infra = {
      logger: createLogger({ service: 'test', level: 'silent' }),
      vigil: createMetrics({ service: 'test', defaultMetrics: false }),
    } as unknown as WorklistInfra;
    const settings = { consumerConcurrency: 4 } as WorklistSettings;
    const mod = await Test.createTestingModule({
      providers: [
        WorklistProjector,
        WorklistMetrics,
        { provide: WorklistStateRepository, useValue: states },
        { provide: WorklistChanges, useValue: changes },
        { provide: WorklistInfra, useValue: infra },
        { provide: WorklistSettings, useValue: settings },
      ],
    }).compile();
    projector = mod.get(WorklistProjector);
  });

  it('stores version 1, lists the patient on its team and streams the change', async () => {
    expect(await projector.handleBatch('patients.v1', [profile('team-a', T0)])).toEqual({});
    expect(states.rows.get('org-1/p1')).toMatchObject({ version: 1, careTeamId: 'team-a', status: 'active' });
    expect([...states.teams.get('org-1/team-a')!]).toEqual(['p1']);
    expect(changes.recorded).toEqual([{ patientId: 'p1', version: 1, previousTeam: null, causeType: EVENT_TYPES.patientUpdated }]);
  });

  it('a redelivery writes nothing and re-streams the current version (completing a crashed attempt)', async () => {
    const s = score('c1', 40);
    await projector.handleBatch('patients.v1', [profile('team-a', T0)]);
    await projector.handleBatch('risk-scores.v1', [s]);
    const puts = states.puts;
    expect(await projector.project(s)).toBe('unchanged');
    expect(states.puts).toBe(puts);
    expect(states.rows.get('org-1/p1')?.version).toBe(2);
    expect(changes.recorded.at(-1)).toMatchObject({ version: 2 });
  });

  it('a write lost to a concurrent writer is re-read and re-folded: neither change is lost', async () => {
    await projector.handleBatch('patients.v1', [profile('team-a', T0)]);
    states.beforePut = () => {
      // Another instance stores a score between our read and our write.
      const cur = states.rows.get('org-1/p1')!;
      states.rows.set('org-1/p1', {
        ...cur,
        version: 2,
        state: { ...cur.state, latestScore: { checkInId: 'other', score: 10, level: 'low', atMs: T0 - H, factors: [] } },
      });
    };
    await projector.handleBatch('risk-scores.v1', [score('c1', 40)]);
    const row = states.rows.get('org-1/p1')!;
    expect(row.version).toBe(3);
    expect(row.state.latestScore?.checkInId).toBe('c1');
    expect(row.state.trend.map((t) => t.checkInId)).toContain('c1');
    expect(row.state.profile?.careTeamId).toBe('team-a');
  });

  it('a patient who moves team leaves the old list and the change names the old team', async () => {
    await projector.handleBatch('patients.v1', [profile('team-a', T0)]);
    await projector.handleBatch('patients.v1', [profile('team-b', T0 + H)]);
    expect([...states.teams.get('org-1/team-a')!]).toEqual([]);
    expect([...states.teams.get('org-1/team-b')!]).toEqual(['p1']);
    expect(changes.recorded.at(-1)).toMatchObject({ version: 2, previousTeam: 'team-a' });
    await projector.handleBatch('patients.v1', [profile('team-b', T0 + 2 * H, 'discharged')]);
    expect([...states.teams.get('org-1/team-b')!]).toEqual([]);
  });

  it('dead-letters an invalid event and goes on; skips types it does not use', async () => {
    const bad = consumed('risk-scores.v1', ev(EVENT_TYPES.riskScored, { checkInId: 'c1', recordedAt: 'yesterday', score: 'x', level: 'odd' }));
    const good = score('c2', 20, 'p2');
    const audit = consumed('alerts.v1', ev(EVENT_TYPES.auditRecorded, {}));
    const result = await projector.handleBatch('risk-scores.v1', [bad, good, audit]);
    expect(result.deadLetters?.map((d) => [d.offset, d.reason])).toEqual([[bad.offset, 'invalid-worklist-event']]);
    expect(result.deadLetters?.[0].error).not.toContain('yesterday');
    expect(states.rows.get('org-1/p2')?.version).toBe(1);
    expect(await projector.project(audit)).toBe('skipped');
  });

  it("folds a patient's events of one batch in order with one read and one write, streamed once", async () => {
    const batch = [profile('team-a', T0), score('c1', 40), profile('team-b', T0 + H), score('c2', 55), profile('team-a', T0 + 2 * H, 'active', 'p2')];
    expect(await projector.handleBatch('patients.v1', batch)).toEqual({});
    expect(states.gets).toBe(2);
    expect(states.puts).toBe(2);
    const row = states.rows.get('org-1/p1')!;
    expect(row).toMatchObject({ version: 1, careTeamId: 'team-b' });
    expect(row.state.trend.map((t) => t.checkInId)).toEqual(['c1', 'c2']);
    expect([...states.teams.get('org-1/team-b')!]).toEqual(['p1']);
    expect([...states.teams.get('org-1/team-a')!]).toEqual(['p2']);
    expect(changes.recorded.filter((c) => c.patientId === 'p1')).toEqual([
      { patientId: 'p1', version: 1, previousTeam: null, causeType: EVENT_TYPES.riskScored },
    ]);
  });

  it("a patient's events of other batches that arrive while its fold runs are folded together: one more write", async () => {
    let release!: () => void;
    states.gate = new Promise<void>((r) => (release = r));
    const first = projector.handleBatch('patients.v1', [profile('team-a', T0)]);
    await new Promise((r) => setImmediate(r));
    const scores = projector.handleBatch('risk-scores.v1', [score('c1', 40)]);
    const more = projector.handleBatch('risk-scores.v1', [score('c2', 45)]);
    release();
    expect(await Promise.all([first, scores, more])).toEqual([{}, {}, {}]);
    expect(states.puts).toBe(2);
    const row = states.rows.get('org-1/p1')!;
    expect(row.version).toBe(2);
    expect(row.state.trend.map((t) => t.checkInId)).toEqual(['c1', 'c2']);
    expect(changes.recorded.map((c) => c.version)).toEqual([1, 2]);
  });

  it('the next batch of a patient folds onto the cached row: no read, one write', async () => {
    await projector.handleBatch('patients.v1', [profile('team-a', T0)]);
    const gets = states.gets;
    await projector.handleBatch('risk-scores.v1', [score('c1', 40)]);
    await projector.handleBatch('risk-scores.v1', [score('c2', 45)]);
    expect(states.gets).toBe(gets);
    expect(states.rows.get('org-1/p1')?.version).toBe(3);
    expect(changes.recorded.map((c) => c.version)).toEqual([1, 2, 3]);
  });

  it('a cached row made stale by another writer loses the condition, is read again and re-folded', async () => {
    await projector.handleBatch('patients.v1', [profile('team-a', T0)]);
    const cur = states.rows.get('org-1/p1')!;
    // Another instance (or a zombie after a rebalance) stores version 2 behind our cache.
    states.rows.set('org-1/p1', {
      ...cur,
      version: 2,
      state: { ...cur.state, latestScore: { checkInId: 'other', score: 10, level: 'low', atMs: T0 - H, factors: [] } },
    });
    const gets = states.gets;
    await projector.handleBatch('risk-scores.v1', [score('c1', 40)]);
    expect(states.gets).toBe(gets + 1);
    const row = states.rows.get('org-1/p1')!;
    expect(row.version).toBe(3);
    expect(row.state.latestScore?.checkInId).toBe('c1');
    expect(row.state.trend.map((t) => t.checkInId)).toContain('c1');
  });

  it('after a rebalance the cache is gone: the next batch reads the row', async () => {
    await projector.handleBatch('patients.v1', [profile('team-a', T0)]);
    projector.forgetCachedStates();
    const gets = states.gets;
    await projector.handleBatch('risk-scores.v1', [score('c1', 40)]);
    expect(states.gets).toBe(gets + 1);
    expect(states.rows.get('org-1/p1')?.version).toBe(2);
  });

  it('a stream failure after the write is completed by the retry (the row is not cached until streamed)', async () => {
    await projector.handleBatch('patients.v1', [profile('team-a', T0)]);
    const record = changes.record.bind(changes);
    changes.record = () => Promise.reject(new Error('Redis down'));
    await expect(projector.handleBatch('risk-scores.v1', [score('c1', 40)])).rejects.toThrow('Redis down');
    changes.record = record;
    const puts = states.puts;
    await projector.handleBatch('risk-scores.v1', [score('c1', 40)]);
    expect(states.puts).toBe(puts);
    expect(changes.recorded.at(-1)).toMatchObject({ version: 2, causeType: EVENT_TYPES.riskScored });
  });

  it('a storage failure fails the batch (the transport retries it; nothing is committed)', async () => {
    states.failGet = true;
    await expect(projector.handleBatch('risk-scores.v1', [score('c1', 20)])).rejects.toThrow('Cassandra down');
  });
});

describe('worklist stream changes', () => {
  const row = (state: Partial<WorklistState>, version = 3): WorklistStateRow<WorklistState> => ({
    tenantId: 'org-1',
    patientId: 'p1',
    careTeamId: 'team-b',
    status: 'active',
    version,
    updatedAt: new Date(T0),
    state: { profile: null, alerts: [], resolved: [], latestScore: null, trend: [], lastContact: null, snooze: null, ...state },
  });
  const prof = (status: 'active' | 'discharged') => ({ careTeamId: 'team-b', status, conditions: [], expectedCheckInIntervalHours: 24, updatedAtMs: T0 });

  it('upserts with the entry, removes when discharged, and nothing before the patient has a team', () => {
    const up = changeOf(row({ profile: prof('active') }), 'team-a', EVENT_TYPES.patientUpdated, T0)!;
    expect(up).toMatchObject({ op: 'upsert', careTeamId: 'team-b', previousCareTeamId: 'team-a', version: 3, entry: { patientId: 'p1', version: 3 } });
    const removed = changeOf(row({ profile: prof('discharged') }), null, EVENT_TYPES.patientDischarged, T0);
    expect(removed).toMatchObject({ op: 'remove', careTeamId: 'team-b' });
    expect(removed).not.toHaveProperty('entry');
    expect(changeOf(row({}), null, EVENT_TYPES.riskScored, T0)).toBeNull();
  });

  it('the team the patient left is sent a bare removal; other teams nothing', () => {
    const up = changeOf(row({ profile: prof('active') }), 'team-a', EVENT_TYPES.patientUpdated, T0) as WorklistStreamData;
    expect(worklistDataFor(up, new Set(['team-b']))).toBe(up);
    const old = worklistDataFor(up, new Set(['team-a']))!;
    expect(old.op).toBe('remove');
    expect(old.entry).toBeUndefined();
    expect(worklistDataFor(up, new Set(['team-c']))).toBeNull();
  });
});
