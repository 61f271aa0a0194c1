import { AlertLifecycleData, AlertStatus, createEvent, EVENT_SOURCES, EVENT_TYPES, ID_PATTERN, TOPICS, validateDto } from '@vigil/contracts';
import { type CursorBinding, type CursorSigner, invalidCursor, ProblemException } from '@vigil/http';
import type { EventPublisher } from '@vigil/messaging';
import { currentTraceparent } from '@vigil/observability';
import { monthBuckets } from '@vigil/storage';
import { auditRecordOf, type AuditService } from '../audit/audit.service';
import type { Caller } from '../common/caller';
import type { CareMetrics } from '../common/metrics';
import { badRequest, parseInstant, parseLimit } from '../common/query';
import type { PatientAccess } from '../patients/patient-access';
import type { CassandraAlertStream } from '../stream/cassandra-alert-stream';
import { AlertPageView, AlertsQueryDto, AlertTransitionDto, AlertView } from './alerts.dto';
import { AlertKey, AlertRecord, AlertsRepository } from './alerts.repository';

const DAY_MS = 86_400_000;
const MAX_PARTITIONS = 400;

export function toAlertView(a: AlertRecord): AlertView {
  const v: AlertView = {
    alertId: a.alertId,
    patientId: a.patientId,
    careTeamId: a.careTeamId,
    status: a.status,
    severity: a.severity,
    level: a.level,
    score: a.score,
    ruleCode: a.ruleCode,
    modelVersion: a.modelVersion,
    triggeredAt: a.triggeredAt.toISOString(),
    summary: a.summary,
    reasons: a.reasons,
  };
  if (a.checkInId) v.checkInId = a.checkInId;
  if (a.acknowledgedBy) v.acknowledgedBy = a.acknowledgedBy;
  if (a.acknowledgedAt) v.acknowledgedAt = a.acknowledgedAt.toISOString();
  if (a.acknowledgedNote !== undefined) v.acknowledgedNote = a.acknowledgedNote;
  if (a.resolvedBy) v.resolvedBy = a.resolvedBy;
  if (a.resolvedAt) v.resolvedAt = a.resolvedAt.toISOString();
  if (a.resolvedNote !== undefined) v.resolvedNote = a.resolvedNote;
  return v;
}

/**
 * The CloudEvents id of an alert's lifecycle event: one per (alert, status), whoever changes it. An
 * acknowledgement also carries its time: an interrupting alert.updated (model v2) re-opens an
 * acknowledged alert, and the next acknowledgement is a new event, not a duplicate of the first.
 */
export function lifecycleEventId(alertId: string, status: 'acknowledged' | 'resolved', at: Date): string {
  return status === 'acknowledged' ? `${alertId}:acknowledged:${at.getTime()}` : `${alertId}:${status}`;
}

function tooManyPartitions() {
  return badRequest([{ path: 'from', message: 'too many teams x months to list at once: narrow teamId or from/to' }]);
}

/** Latest instant a Date (and Cassandra's timestamp) holds; a cursor beyond it is refused. */
const MAX_INSTANT_MS = 8_640_000_000_000_000;

/** Everything that decides which alerts a list query returns: a cursor is valid only for the same. */
function listBinding(caller: Caller, statuses: AlertStatus[], q: AlertsQueryDto, from?: Date, to?: Date): CursorBinding {
  return {
    scope: 'alerts.list',
    tenantId: caller.tenantId,
    filters: { status: [...statuses].sort().join(','), patientId: q.patientId, teamId: q.teamId, from: from?.getTime(), to: to?.getTime() },
  };
}

function encodeListCursor(signer: CursorSigner, k: AlertKey, binding: CursorBinding): string {
  return signer.sign({ t: k.triggeredAt.getTime(), a: k.alertId }, binding);
}

/** The position of a signed cursor; it must lie inside the query's own window, like any row it pages over. */
function decodeListCursor(signer: CursorSigner, s: string, binding: CursorBinding, from?: Date, to?: Date): AlertKey {
  const o = signer.verify(s, binding);
  const t = o['t'];
  const a = o['a'];
  if (typeof t !== 'number' || !Number.isSafeInteger(t) || t < 0 || t > MAX_INSTANT_MS || typeof a !== 'string' || !ID_PATTERN.test(a)) throw invalidCursor();
  if ((from && t < from.getTime()) || (to && t >= to.getTime())) throw invalidCursor('the cursor lies outside from/to');
  return { triggeredAt: new Date(t), alertId: a };
}

/** Newest first: triggeredAt desc, then alertId desc (the clustering order of both index tables). */
function newestFirst(x: AlertKey, y: AlertKey): number {
  const d = y.triggeredAt.getTime() - x.triggeredAt.getTime();
  return d !== 0 ? d : x.alertId < y.alertId ? 1 : x.alertId > y.alertId ? -1 : 0;
}

export class AlertsService {
  constructor(
    private readonly repo: AlertsRepository,
    private readonly access: PatientAccess,
    private readonly audit: AuditService,
    private readonly publisher: Pick<EventPublisher, 'publish'>,
    private readonly stream: CassandraAlertStream,
    private readonly metrics: CareMetrics,
    private readonly cursors: CursorSigner,
  ) {}

  private visible(caller: Caller, a: AlertRecord | null): a is AlertRecord {
    return !!a && a.tenantId === caller.tenantId && caller.teams.has(a.careTeamId);
  }

  private auditRead(caller: Caller, action: string, patientIds: string[], resource: string): Promise<void> {
    return this.audit.record(auditRecordOf(caller, action, patientIds, resource));
  }

  /**
   * GET /v1/alerts: the caller's teams' alerts (or one patient's), newest first, keyset-paged.
   * Index rows are re-read from alerts_by_id (the truth); a row whose status moved meanwhile is
   * dropped. Every patient whose alerts are returned gets an audit row.
   */
  async list(caller: Caller, q: AlertsQueryDto, route: string): Promise<AlertPageView> {
    const statuses = [...new Set((q.status ?? 'open,acknowledged').split(','))] as AlertStatus[];
    const limit = parseLimit(q.limit, 50, 200);
    const from = parseInstant(q.from, 'from');
    const to = parseInstant(q.to, 'to');
    if (from && to && from >= to) throw badRequest([{ path: 'from', message: 'from must be before to' }]);
    const binding = listBinding(caller, statuses, q, from, to);
    const before = q.cursor ? decodeListCursor(this.cursors, q.cursor, binding, from, to) : undefined;
    const fetch = limit + 1;

    let candidates: AlertKey[];
    if (q.patientId !== undefined) {
      await this.access.require(caller, q.patientId, 'patient.alerts.read', route);
      const rows: (AlertKey & { status: AlertStatus; careTeamId: string })[] = [];
      let cursor = before;
      // The patient's partition is small; status and team are filtered here.
      for (let i = 0; i < 20 && rows.length < fetch; i++) {
        const page = await this.repo.pagePatient(caller.tenantId, q.patientId, { before: cursor, from, to, limit: 200 });
        for (const r of page) if (statuses.includes(r.status) && caller.teams.has(r.careTeamId)) rows.push(r);
        if (page.length < 200) break;
        cursor = page[page.length - 1];
      }
      candidates = rows;
    } else {
      const teams = q.teamId !== undefined ? (caller.teams.has(q.teamId) ? [q.teamId] : []) : [...caller.teams];
      const parts: { team: string; status: AlertStatus; bucket: string }[] = [];
      for (const team of teams) {
        for (const status of statuses) {
          if (status !== 'resolved') parts.push({ team, status, bucket: '-' });
          else {
            const end = to ?? new Date();
            const start = from ?? new Date(end.getTime() - 90 * DAY_MS);
            // A span past the partition cap is refused before any bucket list is built.
            if (end.getTime() - start.getTime() > MAX_PARTITIONS * 31 * DAY_MS) throw tooManyPartitions();
            if (start < end) for (const b of monthBuckets(start, end.getTime() - 1).reverse()) parts.push({ team, status, bucket: b });
          }
        }
      }
      if (parts.length > MAX_PARTITIONS) throw tooManyPartitions();
      const pages = await Promise.all(
        parts.map((p) => this.repo.pageTeamStatus(caller.tenantId, p.team, p.status, p.bucket, { before, from, to, limit: fetch })),
      );
      candidates = pages.flat();
    }
    candidates.sort(newestFirst);
    const more = candidates.length > limit;
    const pageKeys = candidates.slice(0, limit);
    const records = await Promise.all(pageKeys.map((k) => this.repo.get(k.alertId)));
    const items = records.filter((r): r is AlertRecord => this.visible(caller, r) && statuses.includes(r.status)).map(toAlertView);
    if (items.length)
      await this.auditRead(
        caller,
        q.patientId !== undefined ? 'patient.alerts.read' : 'alerts.list.read',
        items.map((i) => i.patientId),
        route,
      );
    return { items, nextCursor: more && pageKeys.length ? encodeListCursor(this.cursors, pageKeys[pageKeys.length - 1], binding) : null };
  }

  /** GET /v1/alerts/{id}. */
  async get(caller: Caller, alertId: string, route: string): Promise<AlertView> {
    const rec = ID_PATTERN.test(alertId) ? await this.repo.get(alertId) : null;
    if (!this.visible(caller, rec)) throw ProblemException.of('notFound', 'no such alert');
    await this.auditRead(caller, 'alert.read', [rec.patientId], route);
    return toAlertView(rec);
  }

  /**
   * POST /v1/alerts/{id}/acknowledge | /resolve. Idempotent: the state it asks for again answers 200
   * with the alert as it is, and no second event. acknowledge after resolve: 409. The change is a
   * conditional write on alerts_by_id (two nurses at once: exactly one wins, the other gets the
   * result), then the lifecycle event goes to alerts.v1 (keyed by patient) and from there to every
   * stream. If that publish fails the answer is 503, and the retry re-publishes the same event id.
   */
  async transition(caller: Caller, alertId: string, action: 'acknowledge' | 'resolve', body: unknown, route: string): Promise<AlertView> {
    const parsed = validateDto(AlertTransitionDto, body ?? {});
    if (!parsed.ok) throw ProblemException.of('validation', 'invalid body', { errors: parsed.errors });
    return this.move(caller, alertId, action, parsed.value.note, route);
  }

  /** Resolves an alert as part of a logged contact: the contact's note (validated by its own DTO) goes with it. */
  resolveWithNote(caller: Caller, alertId: string, note: string | undefined, route: string): Promise<AlertView> {
    return this.move(caller, alertId, 'resolve', note, route);
  }

  /**
   * A patient's open and acknowledged alerts that the caller may see, newest first (unaudited: for
   * checks inside a request that audits on its own). The patient partition is small; 20 pages at most.
   */
  async unresolvedOf(caller: Caller, patientId: string): Promise<AlertRecord[]> {
    const keys: AlertKey[] = [];
    let before: AlertKey | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await this.repo.pagePatient(caller.tenantId, patientId, { before, limit: 200 });
      for (const r of page) if (r.status !== 'resolved' && caller.teams.has(r.careTeamId)) keys.push(r);
      if (page.length < 200) break;
      before = page[page.length - 1];
    }
    const records = await Promise.all(keys.map((k) => this.repo.get(k.alertId)));
    // The index may lag the truth (alerts_by_id): keep only what is still unresolved there.
    return records.filter((r): r is AlertRecord => this.visible(caller, r) && r.patientId === patientId && r.status !== 'resolved');
  }

  private async move(caller: Caller, alertId: string, action: 'acknowledge' | 'resolve', note: string | undefined, route: string): Promise<AlertView> {
    const target = action === 'acknowledge' ? 'acknowledged' : 'resolved';
    for (let attempt = 0; attempt < 5; attempt++) {
      const rec = ID_PATTERN.test(alertId) ? await this.repo.get(alertId) : null;
      if (!this.visible(caller, rec)) throw ProblemException.of('notFound', 'no such alert');
      if (rec.status === target) {
        await this.healLifecycleEvent(rec, target);
        this.metrics.alertTransitions.inc({ action, outcome: 'unchanged' });
        await this.auditRead(caller, `alert.${action}`, [rec.patientId], route);
        return toAlertView(rec);
      }
      if (rec.status === 'resolved') {
        this.metrics.alertTransitions.inc({ action, outcome: 'conflict' });
        throw ProblemException.of('conflict', 'the alert is resolved; it cannot be acknowledged any more');
      }
      const at = new Date();
      if (!(await this.repo.transition(rec.alertId, rec.status, target, caller.sub, at, note))) continue; // someone else moved it: look again
      const updated: AlertRecord =
        target === 'acknowledged'
          ? { ...rec, status: target, acknowledgedBy: caller.sub, acknowledgedAt: at, acknowledgedNote: note }
          : { ...rec, status: target, resolvedBy: caller.sub, resolvedAt: at, resolvedNote: note };
      await this.publishLifecycle(updated, target, caller.sub, at, note);
      this.metrics.alertTransitions.inc({ action, outcome: 'changed' });
      await this.auditRead(caller, `alert.${action}`, [rec.patientId], route);
      return toAlertView(updated);
    }
    throw ProblemException.of('conflict', 'the alert kept changing; retry');
  }

  private async publishLifecycle(a: AlertRecord, status: 'acknowledged' | 'resolved', by: string, at: Date, note?: string): Promise<void> {
    const data: AlertLifecycleData = {
      alertId: a.alertId,
      patientId: a.patientId,
      tenantId: a.tenantId,
      careTeamId: a.careTeamId,
      status,
      by,
      at: at.toISOString(),
    };
    if (note !== undefined) data.note = note;
    await this.publisher.publish(
      TOPICS.alerts,
      createEvent({
        id: lifecycleEventId(a.alertId, status, at),
        source: EVENT_SOURCES.careApi,
        type: status === 'acknowledged' ? EVENT_TYPES.alertAcknowledged : EVENT_TYPES.alertResolved,
        subject: a.patientId,
        time: at.toISOString(),
        tenantid: a.tenantId,
        data,
        traceparent: currentTraceparent(),
      }),
    );
  }

  /**
   * The state is already what was asked. If its event never reached the stream (the publish after
   * the conditional write failed), publish it now under the same id; otherwise nothing.
   */
  private async healLifecycleEvent(a: AlertRecord, status: 'acknowledged' | 'resolved'): Promise<void> {
    const by = (status === 'acknowledged' ? a.acknowledgedBy : a.resolvedBy) ?? 'unknown';
    const at = (status === 'acknowledged' ? a.acknowledgedAt : a.resolvedAt) ?? new Date();
    if (await this.stream.storedCursor(a.tenantId, lifecycleEventId(a.alertId, status, at))) return;
    await this.publishLifecycle(a, status, by, at, status === 'acknowledged' ? a.acknowledgedNote : a.resolvedNote);
  }
}
