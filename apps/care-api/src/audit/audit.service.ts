import { randomUUID } from 'crypto';
import { Client, types } from 'cassandra-driver';
import type { Role } from '@vigil/contracts';
import type { Logger } from '@vigil/observability';
import { dayBucket, quoteIdent, WRITE_OPTIONS } from '@vigil/storage';
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
  requestId: string;
  outcome: 'success' | 'denied' | 'not_found';
}

export class AuditUnavailableError extends Error {
  constructor(cause: unknown) {
    super('the audit trail could not be written', { cause });
    this.name = 'AuditUnavailableError';
  }
}

/**
 * The audit trail (audit_log, migration 0002): who read or changed which patient's data, when, from
 * which request. Written synchronously, and a read whose audit write fails is not answered (fail
 * closed: AuditUnavailableError -> 503). One row per patient; rows of one call share the
 * (tenant, day) partition and go as one unlogged single-partition batch, written USING TIMESTAMP
 * of `at` (see 0002 on TWCS).
 */
export class AuditService {
  private readonly insert: string;

  constructor(
    private readonly client: Client,
    keyspace: string,
    private readonly logger: Logger,
    private readonly metrics: CareMetrics,
  ) {
    this.insert = `INSERT INTO ${quoteIdent(keyspace)}.audit_log (tenant_id, day, at, id, actor, actor_role, action, patient_id, resource, request_id, outcome)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`;
  }

  async record(r: AuditRecord): Promise<void> {
    const at = new Date();
    const ts = types.Long.fromNumber(at.getTime() * 1000);
    const ids = r.patientIds.length ? [...new Set(r.patientIds)] : [null];
    const statements = ids.map((patientId) => ({
      query: this.insert,
      params: [r.tenantId, dayBucket(at), at, randomUUID(), r.actor, r.actorRole, r.action, patientId, r.resource, r.requestId, r.outcome, ts],
    }));
    try {
      // Batches of at most 40 rows stay far below Cassandra's batch size limits.
      const chunks: (typeof statements)[] = [];
      for (let i = 0; i < statements.length; i += 40) chunks.push(statements.slice(i, i + 40));
      await this.metrics.vigil.timeCassandra('insert', 'audit_log', () =>
        Promise.all(
          chunks.map((c) => (c.length === 1 ? this.client.execute(c[0].query, c[0].params, WRITE_OPTIONS) : this.client.batch(c, { ...WRITE_OPTIONS, logged: false }))),
        ),
      );
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
}
