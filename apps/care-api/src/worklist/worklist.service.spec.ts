import { Test } from '@nestjs/testing';
import { CursorSigner, ProblemException } from '@vigil/http';
import { createMetrics } from '@vigil/observability';
import type { WorklistStateRow } from '@vigil/storage';
import type { AuditRecord } from '../audit/audit.service';
import type { Caller } from '../common/caller';
import { emptyState, type WorklistState } from './worklist-state';
import { type TeamSnapshot, WorklistTeamCache } from './worklist-team-cache';
import { WorklistRanked } from './worklist-ranked';
import { WorklistMetrics } from './worklist.metrics';
import { WorklistService } from './worklist.service';
import { WorklistInfra } from './worklist.wiring';

const T0 = Date.parse('2026-03-10T08:00:00Z');

function state(team: string, score: number, status: 'active' | 'discharged' = 'active'): WorklistState {
  return {
    ...emptyState(),
    profile: { careTeamId: team, status, conditions: ['copd'], expectedCheckInIntervalHours: 24, updatedAtMs: T0 },
    latestScore: { checkInId: `c-${score}`, score, level: score >= 60 ? 'high' : score >= 35 ? 'medium' : 'low', atMs: T0, factors: [] },
    trend: [{ checkInId: `c-${score}`, score, level: 'low', atMs: T0 }],
  };
}

/** A team's rows from the state table and team index in memory. */
class FakeTeamRows {
  constructor(
    private readonly states: Record<string, WorklistState>,
    private readonly index: Record<string, string[]>,
  ) {}
  private readonly made = new Map<string, TeamSnapshot>();
  async snapshot(tenantId: string, team: string): Promise<TeamSnapshot> {
    // The same rows every time (nothing here changes), as the real view between changes.
    const key = `${tenantId}/${team}`;
    let snap = this.made.get(key);
    if (!snap) {
      const rows: WorklistStateRow<WorklistState>[] = (this.index[team] ?? [])
        .filter((id) => this.states[id])
        .map((id) => ({ tenantId, patientId: id, careTeamId: null, status: null, state: this.states[id], version: 7, updatedAt: new Date(T0) }));
      this.made.set(key, (snap = { generation: 1, rows }));
    }
    return snap;
  }
}

describe('WorklistService (fakes of its ports)', () => {
  let service: WorklistService;
  let close: () => Promise<void>;
  const audited: AuditRecord[] = [];
  const caller = (teams: string[], tenantId = 'org-1'): Caller => ({ sub: 'nurse', role: 'care-manager', tenantId, teams: new Set(teams), requestId: 'r1' });

  beforeAll(async () => {
    const teamRows = new FakeTeamRows(
      {
        p1: state('team-a', 20),
        p2: state('team-a', 80),
        p3: state('team-a', 50),
        moved: state('team-b', 99),
        gone: state('team-a', 95, 'discharged'),
        b1: state('team-b', 40),
      },
      // `moved` and `gone` are stale index rows of team-a: their own state says otherwise.
      { 'team-a': ['p1', 'p2', 'p3', 'moved', 'gone'], 'team-b': ['b1', 'moved'] },
    );
    const infra = {
      audit: { record: async (r: AuditRecord) => void audited.push(r) },
      cursors: new CursorSigner(['a-test-cursor-signing-key-0123456789abcdef']),
      vigil: createMetrics({ service: 'test', defaultMetrics: false }),
    } as unknown as WorklistInfra;
    const mod = await Test.createTestingModule({
      providers: [
        WorklistService,
        WorklistRanked,
        WorklistMetrics,
        { provide: WorklistTeamCache, useValue: teamRows },
        { provide: WorklistInfra, useValue: infra },
      ],
    }).compile();
    service = mod.get(WorklistService);
    close = () => mod.close();
  });
  afterAll(() => close());

  it("ranks the team's active patients, ignores stale index rows, and audits who was listed", async () => {
    audited.length = 0;
    const page = await service.list(caller(['team-a']), {}, 'GET /v1/worklist');
    expect(page.items.map((i) => i.patientId)).toEqual(['p2', 'p3', 'p1']);
    expect(page.total).toBe(3);
    expect(page.items.every((i) => i.careTeamId === 'team-a' && i.version === 7)).toBe(true);
    expect(audited).toEqual([expect.objectContaining({ action: 'worklist.read', patientIds: ['p2', 'p3', 'p1'], tenantId: 'org-1', outcome: 'success' })]);
  });

  it('pages with a cursor bound to the tenant and the team filter, keeping asOf', async () => {
    const first = await service.list(caller(['team-a', 'team-b']), { limit: '2' }, 'GET /v1/worklist');
    expect(first.items.map((i) => i.patientId)).toEqual(['moved', 'p2']);
    const second = await service.list(caller(['team-a', 'team-b']), { limit: '2', cursor: first.nextCursor! }, 'GET /v1/worklist');
    expect(second.items.map((i) => i.patientId)).toEqual(['p3', 'b1']);
    expect(second.asOf).toBe(first.asOf);
    await expect(service.list(caller(['team-a', 'team-b']), { limit: '2', team: 'team-a', cursor: first.nextCursor! }, 'r')).rejects.toBeInstanceOf(
      ProblemException,
    );
    await expect(service.list(caller(['team-a', 'team-b'], 'org-2'), { limit: '2', cursor: first.nextCursor! }, 'r')).rejects.toBeInstanceOf(ProblemException);
  });

  it("naming a team that is not the caller's is a 404 and audits nothing", async () => {
    audited.length = 0;
    await expect(service.list(caller(['team-a']), { team: 'team-b' }, 'GET /v1/worklist')).rejects.toMatchObject({ status: 404 });
    expect(audited).toEqual([]);
  });
});
