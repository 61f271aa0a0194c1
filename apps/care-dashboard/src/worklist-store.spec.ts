import type { WorklistEntryView, WorklistStreamData } from '@vigil/contracts';
import { compareEntries, isSnoozed, WorklistStore } from './worklist-store';

const T0 = Date.parse('2026-03-02T10:00:00Z');

function entry(patientId: string, priority: number, over: Partial<WorklistEntryView> = {}): WorklistEntryView {
  return {
    patientId,
    careTeamId: 'team-a',
    conditions: [],
    priority,
    level: priority >= 70 ? 'urgent' : priority >= 40 ? 'high' : 'low',
    reasons: [],
    openAlerts: [],
    openAlertCounts: { critical: 0, high: 0, medium: 0 },
    latestScore: null,
    trend: [],
    lastCheckInAt: null,
    expectedCheckInIntervalHours: 24,
    overdueCheckIns: 0,
    lastContact: null,
    snoozedUntil: null,
    snoozed: false,
    snoozeBroken: false,
    version: 1,
    computedAt: new Date(T0).toISOString(),
    ...over,
  };
}

const upsert = (e: WorklistEntryView): WorklistStreamData => ({
  patientId: e.patientId,
  careTeamId: e.careTeamId,
  op: 'upsert',
  version: e.version,
  entry: e,
  causeType: 'org.vigil.risk.scored',
  at: e.computedAt,
});
const ids = (s: WorklistStore, now = T0, team?: string) => s.ordered(now, team).map((e) => e.patientId);

describe('the worklist rows of the page', () => {
  it('orders like care-api: not snoozed first, highest priority, then patient id', () => {
    const later = new Date(T0 + 3_600_000).toISOString();
    const rows = [entry('p-b', 50), entry('p-a', 50), entry('p-top', 90, { snoozedUntil: later, snoozed: true }), entry('p-c', 80)];
    expect(rows.sort((a, b) => compareEntries(a, b, T0)).map((e) => e.patientId)).toEqual(['p-c', 'p-a', 'p-b', 'p-top']);
    // Once the snooze has passed, the row sorts by its priority again.
    expect(isSnoozed(rows[3], T0 + 2 * 3_600_000)).toBe(false);
    expect([...rows].sort((a, b) => compareEntries(a, b, T0 + 2 * 3_600_000))[0].patientId).toBe('p-top');
  });

  it('moves a patient to the top when a higher version arrives, and ignores older ones', () => {
    const s = new WorklistStore();
    s.putPage([entry('p-1', 60), entry('p-2', 30)]);
    expect(ids(s)).toEqual(['p-1', 'p-2']);
    const change = s.applyEvent(upsert(entry('p-2', 95, { version: 2 })));
    expect(change).toMatchObject({ kind: 'upserted', previous: { priority: 30 } });
    expect(ids(s)).toEqual(['p-2', 'p-1']);
    // Redelivered or late: the same or a lower version changes nothing.
    expect(s.applyEvent(upsert(entry('p-2', 10, { version: 2 })))).toEqual({ kind: 'stale' });
    expect(s.applyEvent(upsert(entry('p-2', 10, { version: 1 })))).toEqual({ kind: 'stale' });
    expect(s.get('p-2')?.priority).toBe(95);
    // A page read after the stream went ahead does not undo it.
    s.putPage([entry('p-2', 30, { version: 1 })]);
    expect(s.get('p-2')?.priority).toBe(95);
  });

  it('drops removed patients for good, and patients moved to a team the page does not watch', () => {
    const s = new WorklistStore(() => ['team-a']);
    s.putPage([entry('p-1', 60), entry('p-2', 30), entry('p-x', 99, { careTeamId: 'team-z' })]);
    expect(ids(s)).toEqual(['p-1', 'p-2']);
    expect(s.applyEvent({ patientId: 'p-1', careTeamId: 'team-a', op: 'remove', version: 5, causeType: 'org.vigil.patient.discharged', at: '' })).toEqual({
      kind: 'removed',
      patientId: 'p-1',
    });
    expect(s.applyEvent(upsert(entry('p-1', 60, { version: 4 })))).toEqual({ kind: 'stale' });
    s.applyEvent({ ...upsert(entry('p-2', 30, { version: 2, careTeamId: 'team-b' })), previousCareTeamId: 'team-a' });
    expect(ids(s)).toEqual([]);
  });

  it('filters by team and tells listeners of changes only', () => {
    const s = new WorklistStore();
    let calls = 0;
    s.subscribe(() => calls++);
    s.putPage([entry('p-1', 60), entry('p-2', 30, { careTeamId: 'team-b' })]);
    expect(s.loaded).toBe(true);
    expect(ids(s, T0, 'team-b')).toEqual(['p-2']);
    s.applyEvent(upsert(entry('p-1', 60, { version: 1 })));
    expect(calls).toBe(1);
    s.clear();
    expect(s.loaded).toBe(false);
    expect(s.size).toBe(0);
  });
});
