import type { WorklistStateRow } from '@vigil/storage';
import { emptyState, type WorklistState } from './worklist-state';
import { WorklistRanked } from './worklist-ranked';

const T0 = Date.parse('2026-03-10T08:00:00Z');

function row(patientId: string, team: string, score: number, version = 1): WorklistStateRow<WorklistState> {
  const state: WorklistState = {
    ...emptyState(),
    profile: { careTeamId: team, status: 'active', conditions: ['copd'], expectedCheckInIntervalHours: 24, updatedAtMs: T0 },
    latestScore: { checkInId: `c-${patientId}-${version}`, score, level: score >= 60 ? 'high' : 'low', atMs: T0, factors: [] },
    trend: [],
  };
  return { tenantId: 'org-1', patientId, careTeamId: team, status: 'active', state, version, updatedAt: new Date(T0) };
}

describe('WorklistRanked', () => {
  const ranked = new WorklistRanked();
  afterAll(() => ranked.onModuleDestroy());

  it('ranks a generation once per instant and, for a new generation, only the rows that changed', () => {
    const a = row('a', 't', 20);
    const b = row('b', 't', 80);
    const other = row('x', 'u', 99);
    const first = ranked.ranked('org-1/t', 't', { generation: 1, rows: [a, b, other] }, T0);
    expect(first.map((x) => x.row.patientId)).toEqual(['b', 'a']);
    expect(ranked.ranked('org-1/t', 't', { generation: 1, rows: [a, b, other] }, T0)).toBe(first);
    const calls = ranked.rankings;
    const a2 = row('a', 't', 95, 2);
    const second = ranked.ranked('org-1/t', 't', { generation: 2, rows: [a2, b, other] }, T0);
    expect(second.map((x) => x.row.patientId)).toEqual(['a', 'b']);
    expect(ranked.rankings - calls).toBe(1);
  });

  it('ranks the next instant ahead, so that its first read ranks nothing', async () => {
    const rows = Array.from({ length: 250 }, (_, i) => row(`p${i}`, 't', i % 100));
    const before = ranked.rankings;
    ranked.rankAhead('org-1/ahead', { generation: 7, rows }, T0 + 5000, T0 + 5000);
    // The chunks run on later turns of the event loop, a few rows each: wait until all are ranked.
    for (let turns = 0; turns < 1000 && ranked.rankings - before < rows.length; turns++) await new Promise((r) => setImmediate(r));
    expect(ranked.rankings - before).toBe(rows.length);
    const list = ranked.ranked('org-1/ahead', 't', { generation: 7, rows }, T0 + 5000);
    expect(list).toHaveLength(250);
    expect(ranked.rankings - before).toBe(rows.length);
    expect(list[0].r.priority).toBeGreaterThanOrEqual(list[249].r.priority);
  });
});
