/* AlertsService with fakes of our own ports: notes kept with the status, and a patient's unresolved alerts. */
import type { AlertLifecycleData, AlertStatus, VigilEvent } from '@vigil/contracts';
import { CursorSigner } from '@vigil/http';
import type { AuditService } from '../audit/audit.service';
import type { Caller } from '../common/caller';
import type { CareMetrics } from '../common/metrics';
import type { PatientAccess } from '../patients/patient-access';
import type { CassandraAlertStream } from '../stream/cassandra-alert-stream';
import type { AlertKey, AlertRecord, AlertsRepository } from './alerts.repository';
import { AlertsService } from './alerts.service';

const caller: Caller = { sub: 'nurse-1', role: 'care-manager', tenantId: 'org-1', teams: new Set(['team-a']), requestId: 'r-1' };

function alert(alertId: string, over: Partial<AlertRecord> = {}): AlertRecord {
  return {
    alertId,
    tenantId: 'org-1',
    patientId: 'p-1',
    careTeamId: 'team-a',
    modelVersion: 'v1',
    ruleCode: 'r',
    severity: 'high',
    level: 'high',
    score: 70,
    triggeredAt: new Date('2026-01-05T10:00:00Z'),
    summary: 's',
    reasons: [],
    status: 'open',
    ...over,
  };
}

class FakeAlertsRepo {
  truth = new Map<string, AlertRecord>();
  /** The patient index, which may lag the truth. */
  index: (AlertKey & { status: AlertStatus; careTeamId: string })[] = [];
  async get(id: string) {
    return this.truth.get(id) ?? null;
  }
  async pagePatient() {
    return this.index;
  }
  async transition(id: string, from: AlertStatus, to: 'acknowledged' | 'resolved', by: string, at: Date, note?: string) {
    const a = this.truth.get(id);
    if (!a || a.status !== from) return false;
    this.truth.set(
      id,
      to === 'acknowledged'
        ? { ...a, status: to, acknowledgedBy: by, acknowledgedAt: at, acknowledgedNote: note }
        : { ...a, status: to, resolvedBy: by, resolvedAt: at, resolvedNote: note },
    );
    return true;
  }
}

describe('AlertsService notes and unresolved alerts', () => {
  let repo: FakeAlertsRepo;
  let published: VigilEvent<AlertLifecycleData>[];
  let streamed: Set<string>;
  let service: AlertsService;

  beforeEach(() => {
    repo = new FakeAlertsRepo();
    published = [];
    streamed = new Set();
    const audit = { record: async () => undefined } as unknown as AuditService;
    const metrics = { alertTransitions: { inc: () => undefined } } as unknown as CareMetrics;
    const stream = { storedCursor: async (_t: string, id: string) => (streamed.has(id) ? '1-0' : null) } as unknown as CassandraAlertStream;
    const publisher = { publish: async (_topic: string, e: VigilEvent<AlertLifecycleData>) => void published.push(e) };
    service = new AlertsService(
      repo as unknown as AlertsRepository,
      {} as PatientAccess,
      audit,
      publisher as never,
      stream,
      metrics,
      new CursorSigner(['unit-test-cursor-key-0123456789abcdef']),
    );
  });

  it('stores the note with the status, answers it, publishes it; the same state again keeps the first note', async () => {
    repo.truth.set('a1', alert('a1'));
    const ack = await service.transition(caller, 'a1', 'acknowledge', { note: 'called' }, 'r');
    expect(ack).toMatchObject({ status: 'acknowledged', acknowledgedNote: 'called' });
    expect(repo.truth.get('a1')?.acknowledgedNote).toBe('called');
    expect(published.map((e) => e.data.note)).toEqual(['called']);
    streamed.add(published[0].id);
    expect(published[0].id).toMatch(/^a1:acknowledged:\d+$/);
    const again = await service.transition(caller, 'a1', 'acknowledge', { note: 'other' }, 'r');
    expect(again.acknowledgedNote).toBe('called');
    expect(published).toHaveLength(1);
    const res = await service.resolveWithNote(caller, 'a1', 'x'.repeat(2000), 'r');
    expect(res).toMatchObject({ status: 'resolved', acknowledgedNote: 'called', resolvedNote: 'x'.repeat(2000) });
  });

  it('a lost lifecycle event is re-published with the stored note', async () => {
    repo.truth.set('a2', alert('a2', { status: 'resolved', resolvedBy: 'n', resolvedAt: new Date('2026-01-05T11:00:00Z'), resolvedNote: 'kept' }));
    await service.transition(caller, 'a2', 'resolve', {}, 'r');
    expect(published.map((e) => [e.id, e.data.note])).toEqual([['a2:resolved', 'kept']]);
  });

  it("unresolvedOf: the truth decides, and only this patient of the caller's teams", async () => {
    const key = (alertId: string, status: AlertStatus, careTeamId = 'team-a') => ({
      triggeredAt: new Date('2026-01-05T10:00:00Z'),
      alertId,
      status,
      careTeamId,
    });
    repo.truth.set('open', alert('open'));
    repo.truth.set('ack', alert('ack', { status: 'acknowledged' }));
    repo.truth.set('lagging', alert('lagging', { status: 'resolved' })); // the index still says open
    repo.truth.set('other-team', alert('other-team', { careTeamId: 'team-b' }));
    repo.index = [key('open', 'open'), key('ack', 'acknowledged'), key('lagging', 'open'), key('other-team', 'open', 'team-b'), key('gone', 'open')];
    expect((await service.unresolvedOf(caller, 'p-1')).map((a) => a.alertId)).toEqual(['open', 'ack']);
  });
});
