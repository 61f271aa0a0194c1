import { randomUUID } from 'crypto';
import { Client, types } from 'cassandra-driver';
import { type AuditOutcome, type AuditRecordedData, createEvent, EVENT_SOURCES, EVENT_TYPES, type Role, TOPICS, type VigilEvent } from '@vigil/contracts';
import type { EventPublisher } from '@vigil/messaging';
import type { Logger } from '@vigil/observability';
import { dayBucket, quoteIdent, WRITE_OPTIONS } from '@vigil/storage';
import type { Caller } from '../common/caller';
import type { CareMetrics } from '../common/metrics';

/** What a care-team user did. Ids and names of things only: never a value, a note or a token. */
export interface AuditRecord {
  actor: string;
  actorRole: Role;
  tenantId: string;
  /** e.g. `patient.observations.read`. */
  action: string;
  /** One row per patient whose data was read; none for actions about no patient (stream subscription). */
  patientIds: readonly string[];
  /** The route pattern and the non-PHI selectors, e.g. `GET /v1/patients/:id/observations metric=weightKg`. */
  resource: string;
  /** The care team the record is about, where one is (a move between teams writes one record per team). */
  careTeamId?: string;
  requestId: string;
  outcome: AuditOutcome;
}

/** The record of what a caller did: who and from which request come from the caller. */
export function auditRecordOf(caller: Caller, action: string, patientIds: readonly string[], resource: string, outcome: AuditOutcome = 'success'): AuditRecord {
  return { actor: caller.sub, actorRole: caller.role, tenantId: caller.tenantId, action, patientIds, resource, requestId: caller.requestId, outcome };
}

export class AuditUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the audit trail could not be written', { cause });
    this.name = 'AuditUnavailableError';
  }
}

/** Where the audit trail goes: the audit_log table and the audit.v1 topic. */
export interface AuditSinks {
  client: Client;
  keyspace: string;
  /** The service's coalescing publisher: audit events ride in the same batches as everything else. */
  publisher: Pick<EventPublisher, 'publishMany'>;
}

/**
 * The audit trail: who read or changed which patient's data, when, from which request. Each record
 * goes to two places, written side by side and both awaited:
 *  - `audit_log` (migration 0002), for queries ("who read patient X this month"): one row per patient;
 *    the rows of one call share the (tenant, day) partition and go as one unlogged single-partition
 *    batch, written USING TIMESTAMP of `at` (see 0002 on TWCS);
 *  - `audit.v1`, one `audit.recorded` event per row with the same id, for the SIEM / export: acked
 *    by all in-sync replicas before the read is answered.
 * Fail closed: a read whose record is not durable in BOTH is not answered (AuditUnavailableError ->
 * 503). A failed attempt may have landed in one of them; the client's retry writes a new record
 * (with the same request id when it resends x-request-id), so the trail errs on the side of "read".
 */
export class AuditService {
  private readonly insert: string;

  constructor(
    private readonly sinks: AuditSinks,
    private readonly logger: Logger,
    private readonly metrics: CareMetrics,
  ) {
    this.insert = `INSERT INTO ${quoteIdent(sinks.keyspace)}.audit_log (tenant_id, day, at, id, actor, actor_role, action, patient_id, resource, care_team_id, request_id, outcome)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`;
  }

  async record(r: AuditRecord): Promise<void> {
    const at = new Date();
    const ts = types.Long.fromNumber(at.getTime() * 1000);
    const ids = r.patientIds.length ? [...new Set(r.patientIds)] : [null];
    const records: AuditRecordedData[] = ids.map((patientId) => ({
      auditId: randomUUID(),
      tenantId: r.tenantId,
      at: at.toISOString(),
      actor: r.actor,
      actorRole: r.actorRole,
      action: r.action,
      patientId,
      resource: r.resource,
      ...(r.careTeamId !== undefined ? { careTeamId: r.careTeamId } : {}),
      requestId: r.requestId,
      outcome: r.outcome,
    }));
    try {
      await Promise.all([this.writeTable(records, at, ts), this.publish(records)]);
      this.metrics.auditWrites.inc({ outcome: 'ok' });
    } catch (e) {
      this.metrics.auditWrites.inc({ outcome: 'error' });
      this.logger.error({ action: r.action, error: (e as Error).message }, 'audit write failed');
      throw new AuditUnavailableError(e);
    }
  }

  /** For outcomes that disclose nothing (a 404): logged on failure, never fails the request. */
  async recordBestEffort(r: AuditRecord): Promise<void> {
    await this.record(r).catch(() => undefined);
  }

  private async writeTable(records: AuditRecordedData[], at: Date, ts: types.Long): Promise<void> {
    const statements = records.map((x) => ({
      query: this.insert,
      params: [
        x.tenantId,
        dayBucket(at),
        at,
        x.auditId,
        x.actor,
        x.actorRole,
        x.action,
        x.patientId,
        x.resource,
        x.careTeamId ?? null,
        x.requestId,
        x.outcome,
        ts,
      ],
    }));
    // Batches of at most 40 rows stay far below Cassandra's batch size limits.
    const chunks: (typeof statements)[] = [];
    for (let i = 0; i < statements.length; i += 40) chunks.push(statements.slice(i, i + 40));
    await this.metrics.vigil.timeCassandra('insert', 'audit_log', () =>
      Promise.all(
        chunks.map((c) =>
          c.length === 1 ? this.sinks.client.execute(c[0].query, c[0].params, WRITE_OPTIONS) : this.sinks.client.batch(c, { ...WRITE_OPTIONS, logged: false }),
        ),
      ),
    );
  }

  private publish(records: AuditRecordedData[]): Promise<void> {
    return this.sinks.publisher.publishMany(TOPICS.audit, records.map(auditEvent));
  }
}

/** Keyed by the patient (a patient's trail stays in order); a record about no patient by the actor. */
function auditEvent(x: AuditRecordedData): VigilEvent<AuditRecordedData> {
  return createEvent({
    id: x.auditId,
    source: EVENT_SOURCES.careApi,
    type: EVENT_TYPES.auditRecorded,
    subject: x.patientId ?? x.actor,
    time: x.at,
    tenantid: x.tenantId,
    data: x,
  });
}
