import { type AlertStatus, type AlertStreamData, EVENT_TYPES, type VigilEvent } from '@vigil/contracts';
import { createLogger, createMetrics } from '@vigil/observability';
import { CareMetrics } from '../common/metrics';
import { AlertIngestor, type AlertIngestorDeps } from './alert-ingestor';
import type { AlertRecord } from './alerts.repository';

/** Fakes of the ingestor's ports (AlertIngestorDeps): in-memory alerts, stream and stored ids. */
class Fakes {
  alerts = new Map<string, AlertRecord>();
  stream: AlertStreamData[] = [];
  stored = new Map<string, string>();
  indexed: AlertRecord[] = [];
  deps(): AlertIngestorDeps {
    return {
      alerts: {
        get: async (id) => (this.alerts.has(id) ? { ...this.alerts.get(id)! } : null),
        insertRaised: async (a) => {
          const rec: AlertRecord = { ...a, triggeredAt: new Date(a.triggeredAt), status: 'open' };
          if (!this.alerts.has(a.alertId)) this.alerts.set(a.alertId, rec);
          return { ...this.alerts.get(a.alertId)! };
        },
        transition: async (id, from, to, by, at) => {
          const r = this.alerts.get(id);
          if (!r || r.status !== from) return false;
          this.alerts.set(
            id,
            to === 'acknowledged' ? { ...r, status: to, acknowledgedBy: by, acknowledgedAt: at } : { ...r, status: to, resolvedBy: by, resolvedAt: at },
          );
          return true;
        },
        applyEvidence: async (id, e) => {
          const r = this.alerts.get(id)!;
          this.alerts.set(id, { ...r, severity: e.severity, level: e.level, score: e.score, summary: e.summary, reasons: e.reasons });
        },
        reopen: async (id) => {
          const r = this.alerts.get(id);
          if (!r || r.status !== 'acknowledged') return false;
          this.alerts.set(id, { ...r, status: 'open' });
          return true;
        },
        syncIndexes: async (a) => void this.indexed.push(a),
      },
      redisStream: {
        append: async (_t, data) => {
          const i = this.stream.findIndex((d) => d.eventId === data.eventId);
          if (i >= 0) return { cursor: `${i + 1}-0`, created: false };
          this.stream.push(data);
          return { cursor: `${this.stream.length}-0`, created: true };
        },
      },
      cassandraStream: {
        storedCursor: async (_t, id) => this.stored.get(id) ?? null,
        write: async () => undefined,
        markStored: async (_t, id, cursor) => void this.stored.set(id, cursor),
      },
      concurrency: 1,
      logger: createLogger({ service: 'test', level: 'silent' }),
      metrics: new CareMetrics(createMetrics({ service: 'test', defaultMetrics: false })),
    };
  }
}

const T = '2026-03-10T08:00:00.000Z';
const base = { patientId: 'p-1', tenantId: 'org-1', careTeamId: 'team-a' };
const event = (type: string, id: string, data: Record<string, unknown>, time = T): VigilEvent => ({
  specversion: '1.0',
  id,
  source: 'test',
  type,
  subject: 'p-1',
  time,
  datacontenttype: 'application/json',
  tenantid: 'org-1',
  dataschemaversion: '1.0',
  data: { ...base, ...data },
});
const factor = (code: string, severity = 'medium') => ({ code, value: 1, threshold: 1, points: 2, severity, message: code });
const raised = () =>
  event(EVENT_TYPES.alertRaised, 'a-1', {
    alertId: 'a-1',
    modelVersion: 'v2',
    ruleCode: 'level.medium',
    severity: 'medium',
    level: 'medium',
    score: 40,
    triggeredAt: T,
    reasons: [factor('hr.high')],
    summary: 'COPD',
    problem: 'copd',
  });
const updated = (id: string, severity: string, interrupts: boolean, codes: string[], time = '2026-03-11T08:00:00.000Z') =>
  event(
    EVENT_TYPES.alertUpdated,
    id,
    {
      alertId: 'a-1',
      updateId: id,
      modelVersion: 'v2',
      problem: 'copd',
      ruleCode: 'level.medium',
      severity,
      previousSeverity: 'medium',
      interrupts,
      level: severity,
      score: 70,
      checkInId: `c-${id}`,
      triggeredAt: time,
      reasons: codes.map((c) => factor(c, severity)),
      allReasonCodes: codes,
      summary: `COPD, ${severity}`,
    },
    time,
  );
const ack = (at: string) => event(EVENT_TYPES.alertAcknowledged, `a-1:ack:${at}`, { alertId: 'a-1', status: 'acknowledged', by: 'nurse-1', at });

describe('AlertIngestor: alert.updated', () => {
  let f: Fakes;
  let ingestor: AlertIngestor;
  beforeEach(async () => {
    f = new Fakes();
    ingestor = new AlertIngestor(f.deps());
    await ingestor.store(raised());
  });
  const status = (): AlertStatus | undefined => f.alerts.get('a-1')?.status;

  it('updates the stored alert in place: severity up, reasons grow, time and status kept', async () => {
    expect(await ingestor.store(updated('u-1', 'high', false, ['rr.high', 'hr.high']))).toBe('stored');
    const a = f.alerts.get('a-1')!;
    expect(a).toMatchObject({ severity: 'high', level: 'high', score: 70, summary: 'COPD, high', status: 'open' });
    expect(a.triggeredAt.toISOString()).toBe(T);
    expect(a.reasons.map((r) => [r.code, r.severity])).toEqual([
      ['hr.high', 'high'],
      ['rr.high', 'high'],
    ]);
    expect(f.stream.map((d) => [d.type, d.status, d.alertId])).toEqual([
      ['alert.raised', 'open', 'a-1'],
      ['alert.updated', 'open', 'a-1'],
    ]);
    expect(f.stream[1].update).toMatchObject({ updateId: 'u-1', interrupts: false });
  });

  it('never lowers the severity', async () => {
    await ingestor.store(updated('u-1', 'high', true, ['rr.high']));
    await ingestor.store(updated('u-2', 'medium', false, ['temp.high']));
    expect(f.alerts.get('a-1')).toMatchObject({ severity: 'high' });
    expect(f.alerts.get('a-1')!.reasons.map((r) => r.code)).toEqual(['hr.high', 'rr.high', 'temp.high']);
  });

  it('a redelivered update changes nothing and streams nothing', async () => {
    await ingestor.store(updated('u-1', 'high', false, ['rr.high']));
    const before = JSON.stringify([...f.alerts.values()]);
    expect(await ingestor.store(updated('u-1', 'high', false, ['rr.high']))).toBe('duplicate');
    expect(JSON.stringify([...f.alerts.values()])).toBe(before);
    expect(f.stream).toHaveLength(2);
  });

  it('a non-interrupting update leaves an acknowledged alert acknowledged', async () => {
    await ingestor.store(ack('2026-03-10T09:00:00.000Z'));
    await ingestor.store(updated('u-1', 'medium', false, ['rr.high']));
    expect(status()).toBe('acknowledged');
    expect(f.stream.at(-1)).toMatchObject({ type: 'alert.updated', status: 'acknowledged' });
  });

  it('an interrupting update re-opens an acknowledged alert; the old acknowledgement, seen again, does not close it', async () => {
    const first = ack('2026-03-10T09:00:00.000Z');
    await ingestor.store(first);
    await ingestor.store(updated('u-1', 'high', true, ['rr.high']));
    expect(status()).toBe('open');
    expect(f.stream.at(-1)).toMatchObject({ type: 'alert.updated', status: 'open', update: { interrupts: true } });
    expect(f.indexed.at(-1)).toMatchObject({ status: 'open', severity: 'high' });
    // The same acknowledgement under another event id (care-api re-published it): applied already.
    await ingestor.store({ ...first, id: 'again' });
    expect(status()).toBe('open');
    // A new acknowledgement, later, does.
    await ingestor.store(ack('2026-03-11T09:00:00.000Z'));
    expect(status()).toBe('acknowledged');
  });

  it('a resolved alert stays resolved and unchanged; the update is still streamed', async () => {
    await ingestor.store(event(EVENT_TYPES.alertResolved, 'a-1:res', { alertId: 'a-1', status: 'resolved', by: 'nurse-1', at: '2026-03-10T10:00:00.000Z' }));
    await ingestor.store(updated('u-1', 'critical', true, ['spo2.low']));
    expect(f.alerts.get('a-1')).toMatchObject({ status: 'resolved', severity: 'medium' });
    expect(f.stream.at(-1)).toMatchObject({ type: 'alert.updated', status: 'resolved' });
  });

  it('dead-letters an update that is not well formed', async () => {
    const bad = updated('u-9', 'high', true, ['x']);
    const out = await ingestor.handleBatch([
      { event: { ...bad, data: { ...(bad.data as object), interrupts: 'yes' } }, offset: '7', partition: 0, topic: 'alerts.v1', key: 'p-1' } as never,
      { event: { ...bad, id: 'other' }, offset: '8', partition: 0, topic: 'alerts.v1', key: 'p-1' } as never,
    ]);
    expect(out.deadLetters?.map((d) => [d.offset, d.reason, d.error])).toEqual([
      ['7', 'invalid-alert-event', 'invalid alert event: interrupts'],
      ['8', 'invalid-alert-event', 'invalid alert event: updateId differs from the event id'],
    ]);
    expect(f.stream).toHaveLength(1);
  });
});
