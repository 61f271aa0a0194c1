/* ContactsService orchestration with fakes of our own ports (no servers): ordering, retries, refusals. */
import { Test } from '@nestjs/testing';
import { TOPICS, type ContactLoggedData, type PatientProfile, type VigilEvent } from '@vigil/contracts';
import { CursorSigner, ProblemException } from '@vigil/http';
import { EventPublisher } from '@vigil/messaging';
import { type ContactKey, type ContactLocation, type ContactRecord, ContactsRepository } from '@vigil/storage';
import { AlertsService } from '../alerts/alerts.service';
import type { AlertRecord } from '../alerts/alerts.repository';
import { AuditService } from '../audit/audit.service';
import { CareMetrics } from '../common/metrics';
import type { Caller } from '../common/caller';
import { RiskRepository } from '../observations/risk.repository';
import { PatientAccess, patientNotFound } from '../patients/patient-access';
import { ContactsService } from './contacts.service';

const DAY = 86_400_000;
const caller: Caller = { sub: 'nurse-1', role: 'care-manager', tenantId: 'org-1', teams: new Set(['team-a']), requestId: 'r-1' };
const ROUTE = 'POST /v1/patients/:id/contacts';
const ID1 = '11111111-1111-4111-8111-111111111111';

class FakeContacts {
  byId = new Map<string, ContactLocation>();
  rows = new Map<string, ContactRecord>();
  claims = 0;
  async claim(_t: string, contactId: string, patientId: string, at: Date): Promise<ContactLocation | null> {
    this.claims++;
    const had = this.byId.get(contactId);
    if (had) return had;
    this.byId.set(contactId, { patientId, at });
    return null;
  }
  async insertClaimed(c: ContactRecord): Promise<void> {
    this.rows.set(c.contactId, c);
  }
  async getAt(_t: string, contactId: string, where: ContactLocation): Promise<ContactRecord | null> {
    const r = this.rows.get(contactId);
    return r && r.patientId === where.patientId && r.at.getTime() === where.at.getTime() ? r : null;
  }
  async get(_t: string, contactId: string): Promise<ContactRecord | null> {
    return this.byId.has(contactId) ? (this.rows.get(contactId) ?? null) : null;
  }
  async page(_t: string, patientId: string, limit: number, before: ContactKey | undefined): Promise<ContactRecord[]> {
    const key = (c: { at: Date; contactId: string }) => `${String(c.at.getTime()).padStart(16, '0')}|${c.contactId}`;
    return [...this.rows.values()]
      .filter((r) => r.patientId === patientId && (!before || key(r) < key(before)))
      .sort((x, y) => (key(x) < key(y) ? 1 : -1))
      .slice(0, limit);
  }
}

function alert(alertId: string, severity: string, status: AlertRecord['status'] = 'open'): AlertRecord {
  return {
    alertId,
    tenantId: 'org-1',
    patientId: 'p-1',
    careTeamId: 'team-a',
    modelVersion: 'v1',
    ruleCode: 'r',
    severity,
    level: 'high',
    score: 70,
    triggeredAt: new Date('2026-01-05T10:00:00Z'),
    summary: 's',
    reasons: [],
    status,
  };
}

class FakeAlerts {
  alerts = [alert('al-1', 'high'), alert('al-2', 'critical', 'acknowledged')];
  resolved: { alertId: string; note?: string }[] = [];
  async unresolvedOf(_c: Caller, patientId: string): Promise<AlertRecord[]> {
    return this.alerts.filter((a) => a.patientId === patientId && a.status !== 'resolved');
  }
  async resolveWithNote(_c: Caller, alertId: string, note: string | undefined): Promise<unknown> {
    const a = this.alerts.find((x) => x.alertId === alertId);
    if (!a) throw ProblemException.of('notFound', 'no such alert');
    a.status = 'resolved';
    this.resolved.push({ alertId, note });
    return a;
  }
}

class FakePublisher {
  sent: { topic: string; event: VigilEvent<ContactLoggedData> }[] = [];
  failNext = 0;
  async publish(topic: string, event: VigilEvent<ContactLoggedData>): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('kafka unavailable');
    }
    this.sent.push({ topic, event });
  }
}

const profile = (patientId: string): PatientProfile => ({
  patientId,
  tenantId: 'org-1',
  careTeamId: 'team-a',
  conditions: ['heart-failure'],
  news2SpO2Scale: 1,
  expectedCheckInIntervalHours: 24,
  status: 'active',
  updatedAt: '2026-01-01T00:00:00Z',
});

describe('ContactsService', () => {
  let service: ContactsService;
  let contacts: FakeContacts;
  let alerts: FakeAlerts;
  let publisher: FakePublisher;
  let audits: { action: string; patientIds: readonly string[] }[];
  let counted: Record<string, string>[];

  beforeEach(async () => {
    contacts = new FakeContacts();
    alerts = new FakeAlerts();
    publisher = new FakePublisher();
    audits = [];
    counted = [];
    const access = { require: async (_c: Caller, id: string) => (id.startsWith('p-') ? profile(id) : Promise.reject(patientNotFound())) };
    const risk = { query: async () => ({ items: [{ level: 'medium' }], nextCursor: null }) };
    const module = await Test.createTestingModule({
      providers: [
        ContactsService,
        { provide: ContactsRepository, useValue: contacts },
        { provide: AlertsService, useValue: alerts },
        { provide: PatientAccess, useValue: access },
        { provide: AuditService, useValue: { record: async (r: { action: string; patientIds: readonly string[] }) => void audits.push(r) } },
        { provide: EventPublisher, useValue: publisher },
        { provide: RiskRepository, useValue: risk },
        { provide: CursorSigner, useValue: new CursorSigner(['unit-test-cursor-key-0123456789abcdef']) },
        { provide: CareMetrics, useValue: { contacts: { inc: (labels: Record<string, string>) => void counted.push(labels) } } },
      ],
    }).compile();
    service = module.get(ContactsService);
  });

  const status = async (p: Promise<unknown>): Promise<number> => {
    try {
      await p;
      return 0;
    } catch (e) {
      return e instanceof ProblemException ? e.getStatus() : -1;
    }
  };

  it('stores the contact, resolves the alerts with its note, publishes contact.logged and audits', async () => {
    const next = new Date(Date.now() + 3 * DAY).toISOString();
    const r = await service.create(
      caller,
      'p-1',
      { outcome: 'reached', note: 'feeling better', nextContactAt: next, resolveAlertIds: ['al-1'], contactId: ID1 },
      ROUTE,
    );
    expect(r.created).toBe(true);
    expect(r.contact).toMatchObject({
      contactId: ID1,
      patientId: 'p-1',
      careTeamId: 'team-a',
      by: 'nurse-1',
      outcome: 'reached',
      note: 'feeling better',
      nextContactAt: next,
      resolvedAlertIds: ['al-1'],
    });
    expect(contacts.rows.size).toBe(1);
    expect(alerts.resolved).toEqual([{ alertId: 'al-1', note: 'feeling better' }]);
    expect(publisher.sent).toHaveLength(1);
    const { topic, event } = publisher.sent[0];
    expect(topic).toBe(TOPICS.careActivity);
    expect(event).toMatchObject({ id: ID1, type: 'org.vigil.contact.logged', subject: 'p-1', tenantid: 'org-1' });
    // What the team knew: the worst unresolved alert (the ones it resolves included) and the latest level.
    expect(event.data).toMatchObject({ knownWorstAlertSeverity: 'critical', knownRiskLevel: 'medium', resolvedAlertIds: ['al-1'] });
    expect(JSON.parse(contacts.rows.get(ID1)!.event)).toEqual(event.data);
    expect(audits.map((a) => a.action)).toEqual(['patient.contact.create']);
  });

  it('a retry with the same contactId answers the stored contact: one contact, the same event id again', async () => {
    const body = { outcome: 'no-answer', resolveAlertIds: ['al-1'], contactId: ID1 };
    const first = await service.create(caller, 'p-1', body, ROUTE);
    const again = await service.create(caller, 'p-1', { ...body }, ROUTE);
    expect(again.created).toBe(false);
    expect(again.contact).toEqual(first.contact);
    expect(contacts.rows.size).toBe(1);
    expect(publisher.sent.map((s) => s.event.id)).toEqual([ID1, ID1]);
    expect(publisher.sent[1].event.data).toEqual(publisher.sent[0].event.data);
    expect(counted).toEqual([
      { outcome: 'no-answer', result: 'logged' },
      { outcome: 'no-answer', result: 'replayed' },
    ]);
  });

  it('a retry after its next contact passed still answers the stored contact (the window is checked for new contacts only)', async () => {
    const past = new Date(Date.now() - DAY);
    const body = { outcome: 'reached', nextContactAt: past.toISOString(), contactId: ID1 };
    expect(await status(service.create(caller, 'p-1', body, ROUTE))).toBe(400);
    await contacts.claim('org-1', ID1, 'p-1', new Date(past.getTime() - 3 * DAY));
    await contacts.insertClaimed({
      contactId: ID1,
      tenantId: 'org-1',
      patientId: 'p-1',
      careTeamId: 'team-a',
      by: 'nurse-1',
      at: new Date(past.getTime() - 3 * DAY),
      outcome: 'reached',
      nextContactAt: past,
      resolvedAlertIds: [],
      event: JSON.stringify({ contactId: ID1, patientId: 'p-1', tenantId: 'org-1', resolvedAlertIds: [] }),
    });
    const r = await service.create(caller, 'p-1', body, ROUTE);
    expect(r).toMatchObject({ created: false, contact: { contactId: ID1, nextContactAt: past.toISOString() } });
  });

  it('the same contactId with another body or for another patient is a 409, and changes nothing', async () => {
    await service.create(caller, 'p-1', { outcome: 'reached', contactId: ID1 }, ROUTE);
    expect(await status(service.create(caller, 'p-1', { outcome: 'escalated', contactId: ID1 }, ROUTE))).toBe(409);
    expect(await status(service.create(caller, 'p-1', { outcome: 'reached', note: 'x', contactId: ID1 }, ROUTE))).toBe(409);
    expect(await status(service.create(caller, 'p-2', { outcome: 'reached', contactId: ID1 }, ROUTE))).toBe(409);
    expect(contacts.rows.size).toBe(1);
    expect(publisher.sent).toHaveLength(1);
  });

  it('a failed publish is completed by the retry (the row is kept, the alerts stay resolved, one contact)', async () => {
    publisher.failNext = 1;
    const body = { outcome: 'message-left', note: 'left a voicemail', resolveAlertIds: ['al-2'], contactId: ID1 };
    await expect(service.create(caller, 'p-1', body, ROUTE)).rejects.toThrow('kafka unavailable');
    expect(contacts.rows.size).toBe(1);
    expect(publisher.sent).toHaveLength(0);
    const retry = await service.create(caller, 'p-1', body, ROUTE);
    expect(retry.created).toBe(false);
    expect(publisher.sent.map((s) => s.event.id)).toEqual([ID1]);
    expect(alerts.alerts.find((a) => a.alertId === 'al-2')?.status).toBe('resolved');
    expect(contacts.rows.size).toBe(1);
  });

  it('an id claimed by an attempt that never wrote its row is completed at the claimed time', async () => {
    const claimedAt = new Date('2026-01-06T08:00:00Z');
    contacts.byId.set(ID1, { patientId: 'p-1', at: claimedAt });
    const r = await service.create(caller, 'p-1', { outcome: 'reached', contactId: ID1 }, ROUTE);
    expect(r.created).toBe(true);
    expect(r.contact.at).toBe(claimedAt.toISOString());
    expect(contacts.rows.size).toBe(1);
  });

  it('refuses alert ids that are not unresolved alerts of this patient, before doing anything', async () => {
    alerts.alerts.push({ ...alert('al-other', 'high'), patientId: 'p-2' }, alert('al-done', 'high', 'resolved'));
    for (const id of ['al-unknown', 'al-other', 'al-done']) {
      try {
        await service.create(caller, 'p-1', { outcome: 'reached', resolveAlertIds: ['al-1', id] }, ROUTE);
        throw new Error('expected a 400');
      } catch (e) {
        expect(e).toBeInstanceOf(ProblemException);
        const body = (e as ProblemException).getResponse() as { status: number; errors: { path: string }[] };
        expect(body.status).toBe(400);
        expect(body.errors.map((x) => x.path)).toEqual(['resolveAlertIds[1]']);
      }
    }
    expect(contacts.claims).toBe(0);
    expect(alerts.resolved).toEqual([]);
    expect(publisher.sent).toEqual([]);
  });

  it('refuses a next contact in the past or more than 90 days ahead, and bad bodies', async () => {
    const now = Date.now();
    for (const nextContactAt of [new Date(now - 60_000).toISOString(), new Date(now + 91 * DAY).toISOString(), '2026-02-30']) {
      expect(await status(service.create(caller, 'p-1', { outcome: 'reached', nextContactAt }, ROUTE))).toBe(400);
    }
    expect(await status(service.create(caller, 'p-1', { outcome: 'visited' }, ROUTE))).toBe(400);
    expect(await status(service.create(caller, 'p-1', { outcome: 'reached', contactId: 'not-a-uuid' }, ROUTE))).toBe(400);
    expect(await status(service.create(caller, 'p-1', { outcome: 'reached', extra: 1 }, ROUTE))).toBe(400);
    expect(await status(service.create(caller, 'x-1', { outcome: 'reached' }, ROUTE))).toBe(404);
    expect(await status(service.create(caller, 'p-1', { outcome: 'reached', nextContactAt: new Date(now + 89 * DAY).toISOString() }, ROUTE))).toBe(0);
  });

  it('lists newest first with a signed cursor bound to the patient, audited', async () => {
    for (let i = 0; i < 5; i++) {
      await contacts.insertClaimed({
        contactId: `0000000${i}-0000-4000-8000-000000000000`,
        tenantId: 'org-1',
        patientId: 'p-1',
        careTeamId: 'team-a',
        by: 'n',
        at: new Date(Date.UTC(2025, 11, 1 + i * 10)),
        outcome: 'reached',
        resolvedAlertIds: [],
        event: '{}',
      });
    }
    const route = 'GET /v1/patients/:id/contacts';
    const p1 = await service.list(caller, 'p-1', { limit: '2' }, route);
    expect(p1.items.map((c) => c.at)).toEqual(['2026-01-10T00:00:00.000Z', '2025-12-31T00:00:00.000Z']);
    const p2 = await service.list(caller, 'p-1', { limit: '2', cursor: p1.nextCursor! }, route);
    const p3 = await service.list(caller, 'p-1', { limit: '2', cursor: p2.nextCursor! }, route);
    expect([...p1.items, ...p2.items, ...p3.items].map((c) => c.contactId[7])).toEqual(['4', '3', '2', '1', '0']);
    expect(p3.nextCursor).toBeNull();
    expect(await status(service.list(caller, 'p-2', { cursor: p1.nextCursor! }, route))).toBe(400);
    expect(await status(service.list(caller, 'p-1', { limit: '201' }, route))).toBe(400);
    expect(audits.filter((a) => a.action === 'patient.contacts.read')).toHaveLength(3);
  });
});
