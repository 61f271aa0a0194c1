import { randomUUID } from 'crypto';
import { Inject, Injectable } from '@nestjs/common';
import {
  type AlertSeverity,
  ContactCreateDto,
  type ContactLoggedData,
  type ContactOutcome,
  type ContactPage,
  createEvent,
  EVENT_SOURCES,
  EVENT_TYPES,
  parseIsoInstant,
  type RiskLevel,
  TOPICS,
  validateDto,
} from '@vigil/contracts';
import { type CursorBinding, CursorSigner, invalidCursor, ProblemException } from '@vigil/http';
import { EventPublisher } from '@vigil/messaging';
import { currentTraceparent } from '@vigil/observability';
import { type ContactKey, type ContactRecord, ContactsRepository } from '@vigil/storage';
import { AlertsService } from '../alerts/alerts.service';
import type { AlertRecord } from '../alerts/alerts.repository';
import { auditRecordOf, AuditService } from '../audit/audit.service';
import type { Caller } from '../common/caller';
import { CareMetrics } from '../common/metrics';
import { badRequest, parseLimit } from '../common/query';
import { RiskRepository } from '../observations/risk.repository';
import { PatientAccess } from '../patients/patient-access';
import type { ContactsQueryDto, ContactView } from './contacts.dto';

const DAY_MS = 86_400_000;
/** How far ahead a next contact (the worklist snooze) may be set. */
export const MAX_NEXT_CONTACT_DAYS = 90;
/** How far back the latest risk level is looked for (the `knownRiskLevel` of the event). */
const RISK_LOOKBACK_DAYS = 30;
const SEVERITY_RANK: Record<AlertSeverity, number> = { medium: 1, high: 2, critical: 3 };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_INSTANT_MS = 8_640_000_000_000_000;

export interface ContactCreated {
  /** false: the same contactId was logged before; `contact` is the stored one. */
  created: boolean;
  contact: ContactView;
}

/** What a POST asks for: a retry with the same contactId must ask for the same. */
interface ContactRequest {
  outcome: ContactOutcome;
  note?: string;
  nextContactAt?: Date;
  resolveAlertIds: string[];
}

export function toContactView(c: ContactRecord): ContactView {
  const v: ContactView = {
    contactId: c.contactId,
    patientId: c.patientId,
    careTeamId: c.careTeamId,
    by: c.by,
    at: c.at.toISOString(),
    outcome: c.outcome as ContactOutcome,
    resolvedAlertIds: c.resolvedAlertIds,
  };
  if (c.note !== undefined) v.note = c.note;
  if (c.nextContactAt) v.nextContactAt = c.nextContactAt.toISOString();
  return v;
}

function sameRequest(c: ContactRecord, r: ContactRequest): boolean {
  const ids = (xs: string[]) => [...xs].sort().join(',');
  return (
    c.outcome === r.outcome &&
    (c.note ?? null) === (r.note ?? null) &&
    (c.nextContactAt?.getTime() ?? null) === (r.nextContactAt?.getTime() ?? null) &&
    ids(c.resolvedAlertIds) === ids(r.resolveAlertIds)
  );
}

function worstSeverity(alerts: AlertRecord[]): AlertSeverity | null {
  let worst: AlertSeverity | null = null;
  for (const a of alerts) {
    const s = a.severity as AlertSeverity;
    if (SEVERITY_RANK[s] && (!worst || SEVERITY_RANK[s] > SEVERITY_RANK[worst])) worst = s;
  }
  return worst;
}

function recordOf(data: ContactLoggedData): ContactRecord {
  const r: ContactRecord = {
    contactId: data.contactId,
    tenantId: data.tenantId,
    patientId: data.patientId,
    careTeamId: data.careTeamId,
    by: data.by,
    at: new Date(data.at),
    outcome: data.outcome,
    resolvedAlertIds: data.resolvedAlertIds,
    event: JSON.stringify(data),
  };
  if (data.note !== undefined) r.note = data.note;
  if (data.nextContactAt !== undefined) r.nextContactAt = new Date(data.nextContactAt);
  return r;
}

function idempotencyConflict(): ProblemException {
  return ProblemException.of(
    'idempotencyConflict',
    'this contactId was already used for a different contact (another patient, outcome, note, next contact or alerts)',
    {
      title: 'contactId already used for a different contact',
    },
  );
}

function nextContactAtOf(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const d = parseIsoInstant(value);
  if (!d) throw badRequest([{ path: 'nextContactAt', message: 'must be an ISO-8601 date or date-time on a real calendar day' }]);
  return d;
}

/** Checked for a new contact only: a retry of a stored one may come after its next contact passed. */
function checkNextContactWindow(d: Date | undefined, nowMs: number): void {
  if (!d) return;
  const path = 'nextContactAt';
  if (d.getTime() <= nowMs) throw badRequest([{ path, message: 'must be in the future' }]);
  if (d.getTime() > nowMs + MAX_NEXT_CONTACT_DAYS * DAY_MS) throw badRequest([{ path, message: `must be at most ${MAX_NEXT_CONTACT_DAYS} days ahead` }]);
}

function listBinding(caller: Caller, patientId: string): CursorBinding {
  return { scope: 'contacts.list', tenantId: caller.tenantId, filters: { patientId } };
}

function decodeCursor(signer: CursorSigner, s: string, binding: CursorBinding): ContactKey {
  const o = signer.verify(s, binding);
  const t = o['t'];
  const c = o['c'];
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0 || t > MAX_INSTANT_MS || typeof c !== 'string' || !UUID.test(c)) throw invalidCursor();
  return { at: new Date(t), contactId: c };
}

/**
 * The care team's contact log of a patient: POST and GET /v1/patients/{id}/contacts.
 *
 * Logging a contact, in this order, so that a retry with the same `contactId` always converges on
 * one contact: check the body and the patient (404 outside the caller's teams) and that every
 * `resolveAlertIds` entry is an unresolved alert of this patient (else 400, nothing done); claim
 * the contact id (a conditional write, which fixes the row key); write the row; resolve the alerts
 * with the contact's note (idempotent); publish `contact.logged` on care-activity.v1 (the event id
 * is the contact id); audit. A failure after the claim answers 503 and the client's retry, finding
 * the stored contact, redoes the idempotent steps after it (resolve, publish) and answers 200.
 */
@Injectable()
export class ContactsService {
  constructor(
    @Inject(ContactsRepository) private readonly repo: ContactsRepository,
    @Inject(AlertsService) private readonly alerts: Pick<AlertsService, 'unresolvedOf' | 'resolveWithNote'>,
    @Inject(PatientAccess) private readonly access: Pick<PatientAccess, 'require'>,
    @Inject(AuditService) private readonly audit: Pick<AuditService, 'record'>,
    @Inject(EventPublisher) private readonly publisher: Pick<EventPublisher, 'publish'>,
    @Inject(RiskRepository) private readonly risk: Pick<RiskRepository, 'query'>,
    @Inject(CursorSigner) private readonly cursors: CursorSigner,
    @Inject(CareMetrics) private readonly metrics: Pick<CareMetrics, 'contacts'>,
  ) {}

  async create(caller: Caller, patientId: string, body: unknown, route: string): Promise<ContactCreated> {
    const parsed = validateDto(ContactCreateDto, body ?? {});
    if (!parsed.ok) throw ProblemException.of('validation', 'invalid contact', { errors: parsed.errors });
    const dto = parsed.value;
    const nowMs = Date.now();
    const request: ContactRequest = {
      outcome: dto.outcome,
      note: dto.note,
      nextContactAt: nextContactAtOf(dto.nextContactAt),
      resolveAlertIds: dto.resolveAlertIds ?? [],
    };
    const profile = await this.access.require(caller, patientId, 'patient.contact.create', route);

    if (dto.contactId !== undefined) {
      const existing = await this.repo.get(caller.tenantId, dto.contactId);
      if (existing) return this.replay(caller, patientId, existing, request, route);
    }
    checkNextContactWindow(request.nextContactAt, nowMs);
    const unresolved = await this.alerts.unresolvedOf(caller, patientId);
    const open = new Set(unresolved.map((a) => a.alertId));
    const errors = request.resolveAlertIds.flatMap((id, i) =>
      open.has(id) ? [] : [{ path: `resolveAlertIds[${i}]`, message: 'not an open or acknowledged alert of this patient' }],
    );
    if (errors.length) throw badRequest(errors, 'every resolveAlertIds entry must be an open or acknowledged alert of this patient');

    const contactId = dto.contactId ?? randomUUID();
    let at = new Date(nowMs);
    const claimed = await this.repo.claim(caller.tenantId, contactId, patientId, at);
    if (claimed) {
      if (claimed.patientId !== patientId) throw idempotencyConflict();
      const row = await this.repo.getAt(caller.tenantId, contactId, claimed);
      if (row) return this.replay(caller, patientId, row, request, route);
      // Claimed by an attempt whose row is not written (failed, or still in flight): same key, one row.
      at = claimed.at;
    }
    const data: ContactLoggedData = {
      contactId,
      patientId,
      tenantId: caller.tenantId,
      careTeamId: profile.careTeamId,
      by: caller.sub,
      at: at.toISOString(),
      outcome: request.outcome,
      resolvedAlertIds: request.resolveAlertIds,
      knownWorstAlertSeverity: worstSeverity(unresolved),
      knownRiskLevel: await this.latestRiskLevel(caller.tenantId, patientId, nowMs),
    };
    if (request.note !== undefined) data.note = request.note;
    if (request.nextContactAt) data.nextContactAt = request.nextContactAt.toISOString();
    const record = recordOf(data);
    await this.repo.insertClaimed(record);
    await this.complete(caller, data, route);
    this.metrics.contacts.inc({ outcome: data.outcome, result: 'logged' });
    return { created: true, contact: toContactView(record) };
  }

  /** GET /v1/patients/{id}/contacts: newest first, keyset-paged by (at, contactId), audited. */
  async list(caller: Caller, patientId: string, q: ContactsQueryDto, route: string): Promise<ContactPage> {
    const limit = parseLimit(q.limit, 50, 200);
    const action = 'patient.contacts.read';
    await this.access.require(caller, patientId, action, route);
    const binding = listBinding(caller, patientId);
    const before = q.cursor !== undefined ? decodeCursor(this.cursors, q.cursor, binding) : undefined;
    const rows = await this.repo.page(caller.tenantId, patientId, limit + 1, before, Date.now());
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    await this.audit.record(auditRecordOf(caller, action, [patientId], route));
    return {
      items: page.map(toContactView),
      nextCursor: rows.length > limit && last ? this.cursors.sign({ t: last.at.getTime(), c: last.contactId }, binding) : null,
    };
  }

  /** The same contactId again: the stored contact, after redoing the idempotent steps its first attempt may have missed. */
  private async replay(caller: Caller, patientId: string, existing: ContactRecord, request: ContactRequest, route: string): Promise<ContactCreated> {
    if (existing.patientId !== patientId || !sameRequest(existing, request)) throw idempotencyConflict();
    await this.complete(caller, JSON.parse(existing.event) as ContactLoggedData, route);
    this.metrics.contacts.inc({ outcome: existing.outcome, result: 'replayed' });
    return { created: false, contact: toContactView(existing) };
  }

  /** The steps after the row: each idempotent, so a retry may run them again. */
  private async complete(caller: Caller, data: ContactLoggedData, route: string): Promise<void> {
    await Promise.all(
      data.resolvedAlertIds.map((id) =>
        this.alerts.resolveWithNote(caller, id, data.note, route).catch((e: unknown) => {
          // Checked just before; gone from the caller's view since (moved team): the contact stands.
          if (!(e instanceof ProblemException && e.getStatus() === 404)) throw e;
        }),
      ),
    );
    await this.publisher.publish(
      TOPICS.careActivity,
      createEvent({
        id: data.contactId,
        source: EVENT_SOURCES.careApi,
        type: EVENT_TYPES.contactLogged,
        subject: data.patientId,
        time: data.at,
        tenantid: data.tenantId,
        data,
        traceparent: currentTraceparent(),
      }),
    );
    await this.audit.record(auditRecordOf(caller, 'patient.contact.create', [data.patientId], route));
  }

  private async latestRiskLevel(tenantId: string, patientId: string, nowMs: number): Promise<RiskLevel | null> {
    const page = await this.risk.query({
      tenantId,
      patientId,
      from: new Date(nowMs - RISK_LOOKBACK_DAYS * DAY_MS),
      to: new Date(nowMs + DAY_MS),
      limit: 1,
      order: 'desc',
    });
    return page.items[0]?.level ?? null;
  }
}
