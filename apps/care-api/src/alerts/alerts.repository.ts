import { Client, QueryOptions, types } from 'cassandra-driver';
import type { AlertRaisedData, AlertStatus, RiskFactorData } from '@vigil/contracts';
import type { VigilMetrics } from '@vigil/observability';
import { monthBucket, PROFILES, quoteIdent, READ_OPTIONS, WRITE_OPTIONS } from '@vigil/storage';

/** An alert as stored in alerts_by_id (0002): the truth of its status. */
export interface AlertRecord {
  alertId: string;
  tenantId: string;
  patientId: string;
  careTeamId: string;
  modelVersion: string;
  ruleCode: string;
  severity: string;
  level: string;
  score: number;
  checkInId?: string;
  triggeredAt: Date;
  summary: string;
  reasons: RiskFactorData[];
  status: AlertStatus;
  acknowledgedBy?: string;
  acknowledgedAt?: Date;
  /** The note given with the acknowledgement (PHI). */
  acknowledgedNote?: string;
  resolvedBy?: string;
  resolvedAt?: Date;
  /** The note given with the resolution, or of the contact that resolved it (PHI). */
  resolvedNote?: string;
  createdAt?: Date;
}

/** An index row: enough to order, page and then read the alert itself. */
export interface AlertKey {
  triggeredAt: Date;
  alertId: string;
}

export const STATUS_RANK: Record<AlertStatus, number> = { open: 0, acknowledged: 1, resolved: 2 };
export const ALERT_STATUSES: readonly AlertStatus[] = ['open', 'acknowledged', 'resolved'];

/** Partition bucket of alerts_by_team_status: active alerts in one partition per team, resolved ones by month. */
export function statusBucket(status: AlertStatus, triggeredAt: Date): string {
  return status === 'resolved' ? monthBucket(triggeredAt) : '-';
}

/** Conditional writes: prepared, never retried blindly by the driver. */
const LWT_OPTIONS: QueryOptions = { prepare: true, isIdempotent: false, executionProfile: PROFILES.write };
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const COLUMNS =
  'alert_id, tenant_id, patient_id, care_team_id, model_version, rule_code, severity, level, score, check_in_id, triggered_at, summary, reasons, status, acknowledged_by, acknowledged_at, acknowledged_note, resolved_by, resolved_at, resolved_note, created_at';

function toRecord(row: types.Row): AlertRecord {
  const r: AlertRecord = {
    alertId: row['alert_id'] as string,
    tenantId: row['tenant_id'] as string,
    patientId: row['patient_id'] as string,
    careTeamId: row['care_team_id'] as string,
    modelVersion: (row['model_version'] as string | null) ?? '',
    ruleCode: (row['rule_code'] as string | null) ?? '',
    severity: (row['severity'] as string | null) ?? '',
    level: (row['level'] as string | null) ?? '',
    score: (row['score'] as number | null) ?? 0,
    triggeredAt: row['triggered_at'] as Date,
    summary: (row['summary'] as string | null) ?? '',
    reasons: row['reasons'] ? (JSON.parse(row['reasons'] as string) as RiskFactorData[]) : [],
    status: ((row['status'] as string | null) ?? 'open') as AlertStatus,
  };
  if (row['check_in_id']) r.checkInId = String(row['check_in_id']);
  if (row['acknowledged_by']) r.acknowledgedBy = row['acknowledged_by'] as string;
  if (row['acknowledged_at']) r.acknowledgedAt = row['acknowledged_at'] as Date;
  if (row['acknowledged_note']) r.acknowledgedNote = row['acknowledged_note'] as string;
  if (row['resolved_by']) r.resolvedBy = row['resolved_by'] as string;
  if (row['resolved_at']) r.resolvedAt = row['resolved_at'] as Date;
  if (row['resolved_note']) r.resolvedNote = row['resolved_note'] as string;
  if (row['created_at']) r.createdAt = row['created_at'] as Date;
  return r;
}

/** One page, newest first: strictly before the keyset position `before`, within [from, to) of triggered_at when given. */
export interface PageBounds {
  before?: AlertKey;
  from?: Date;
  to?: Date;
  limit: number;
}

/** Adds a page's bounds on (triggered_at, alert_id) to a query's WHERE clauses and parameters, then the LIMIT parameter. */
function pushPageBounds(where: string[], params: unknown[], opts: PageBounds): void {
  if (opts.before) {
    where.push('(triggered_at, alert_id) < (?, ?)');
    params.push(opts.before.triggeredAt, opts.before.alertId);
  } else if (opts.to) {
    // (a cursor already lies before `to`; Cassandra takes one end bound per column)
    where.push('(triggered_at) < (?)');
    params.push(opts.to);
  }
  if (opts.from) {
    where.push('(triggered_at) >= (?)');
    params.push(opts.from);
  }
  params.push(opts.limit);
}

export class AlertsRepository {
  private readonly t: { byId: string; byTeam: string; byPatient: string };

  constructor(
    private readonly client: Client,
    keyspace: string,
    private readonly metrics?: VigilMetrics,
  ) {
    const ks = quoteIdent(keyspace);
    this.t = { byId: `${ks}.alerts_by_id`, byTeam: `${ks}.alerts_by_team_status`, byPatient: `${ks}.alerts_by_patient` };
  }

  private time<T>(op: string, table: string, fn: () => Promise<T>): Promise<T> {
    return this.metrics ? this.metrics.timeCassandra(op, table, fn) : fn();
  }

  async get(alertId: string): Promise<AlertRecord | null> {
    const rs = await this.time('select', 'alerts_by_id', () =>
      this.client.execute(`SELECT ${COLUMNS} FROM ${this.t.byId} WHERE alert_id = ?`, [alertId], READ_OPTIONS),
    );
    const row = rs.first();
    return row && row['tenant_id'] ? toRecord(row) : null;
  }

  /**
   * Stores a raised alert. Its status cell is written with the lowest possible write timestamp, so
   * a raise stored again (a redelivery, or two consumers during a rebalance) rewrites the alert's
   * immutable fields but can never reset a status a conditional update has moved on: every later
   * status write has a real timestamp and wins. No read, no Paxos round: one single-partition batch.
   */
  async insertRaised(a: AlertRaisedData): Promise<AlertRecord> {
    const triggeredAt = new Date(a.triggeredAt);
    await this.time('batch', 'alerts_by_id', () =>
      this.client.batch(
        [
          {
            query: `INSERT INTO ${this.t.byId} (alert_id, tenant_id, patient_id, care_team_id, model_version, rule_code, severity, level, score,
               check_in_id, triggered_at, summary, reasons, alert, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            params: [
              a.alertId,
              a.tenantId,
              a.patientId,
              a.careTeamId,
              a.modelVersion,
              a.ruleCode,
              a.severity,
              a.level,
              Math.round(a.score),
              a.checkInId && UUID.test(a.checkInId) ? types.Uuid.fromString(a.checkInId) : null,
              triggeredAt,
              a.summary,
              JSON.stringify(a.reasons),
              JSON.stringify(a),
              new Date(),
            ],
          },
          { query: `UPDATE ${this.t.byId} USING TIMESTAMP 1 SET status = 'open' WHERE alert_id = ?`, params: [a.alertId] },
        ],
        { ...WRITE_OPTIONS, logged: false },
      ),
    );
    const rec: AlertRecord = {
      alertId: a.alertId,
      tenantId: a.tenantId,
      patientId: a.patientId,
      careTeamId: a.careTeamId,
      modelVersion: a.modelVersion,
      ruleCode: a.ruleCode,
      severity: a.severity,
      level: a.level,
      score: Math.round(a.score),
      triggeredAt,
      summary: a.summary,
      reasons: a.reasons,
      status: 'open',
    };
    if (a.checkInId) rec.checkInId = a.checkInId;
    return rec;
  }

  /**
   * Moves an alert from `from` to `to` if nobody else moved it first (LWT `IF status = from`), with
   * who, when and the note (0005's acknowledged_note / resolved_note). True if this call changed it.
   */
  async transition(alertId: string, from: AlertStatus, to: 'acknowledged' | 'resolved', by: string, at: Date, note?: string): Promise<boolean> {
    const set =
      to === 'acknowledged' ? 'acknowledged_by = ?, acknowledged_at = ?, acknowledged_note = ?' : 'resolved_by = ?, resolved_at = ?, resolved_note = ?';
    const rs = await this.time('update', 'alerts_by_id', () =>
      this.client.execute(
        `UPDATE ${this.t.byId} SET status = ?, ${set} WHERE alert_id = ? IF status = ?`,
        [to, by, at, note ?? null, alertId, from],
        LWT_OPTIONS,
      ),
    );
    return rs.wasApplied();
  }

  /**
   * New evidence for a stored alert (alert.updated): the severity, level, score, summary and the
   * grown reasons. Plain writes of cells no conditional update touches (status is left alone).
   */
  async applyEvidence(alertId: string, e: Pick<AlertRecord, 'severity' | 'level' | 'score' | 'summary' | 'reasons'>): Promise<void> {
    await this.time('update', 'alerts_by_id', () =>
      this.client.execute(
        `UPDATE ${this.t.byId} SET severity = ?, level = ?, score = ?, summary = ?, reasons = ? WHERE alert_id = ?`,
        [e.severity, e.level, Math.round(e.score), e.summary, JSON.stringify(e.reasons), alertId],
        WRITE_OPTIONS,
      ),
    );
  }

  /**
   * Re-opens an acknowledged alert (an interrupting update: its severity rose above what the team
   * acknowledged) if nobody moved it meanwhile (LWT `IF status = 'acknowledged'`). Who acknowledged
   * it and when stay stored: they say the acknowledgement was applied (see AlertIngestor).
   */
  async reopen(alertId: string): Promise<boolean> {
    const rs = await this.time('update', 'alerts_by_id', () =>
      this.client.execute(`UPDATE ${this.t.byId} SET status = 'open' WHERE alert_id = ? IF status = 'acknowledged'`, [alertId], LWT_OPTIONS),
    );
    return rs.wasApplied();
  }

  /**
   * Puts the alert's index rows where its status says: the row in its status partition, none in
   * the others, and the patient index row's status. Idempotent; only the consumer calls it, and a
   * patient's events reach it in order.
   */
  async syncIndexes(a: AlertRecord): Promise<void> {
    const writes: Promise<unknown>[] = [];
    const key = [a.triggeredAt, a.alertId];
    for (const s of ALERT_STATUSES) {
      const part = [a.tenantId, a.careTeamId, s, statusBucket(s, a.triggeredAt)];
      if (s === a.status) {
        writes.push(
          this.client.execute(
            `INSERT INTO ${this.t.byTeam} (tenant_id, care_team_id, status, bucket, triggered_at, alert_id, patient_id, severity) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
            [...part, ...key, a.patientId, a.severity],
            WRITE_OPTIONS,
          ),
        );
      } else if (STATUS_RANK[s] < STATUS_RANK[a.status] || s === 'acknowledged') {
        // Only statuses it has left can hold a row: lower ones, or `acknowledged` of a re-opened alert.
        writes.push(
          this.client.execute(
            `DELETE FROM ${this.t.byTeam} WHERE tenant_id = ? AND care_team_id = ? AND status = ? AND bucket = ? AND triggered_at = ? AND alert_id = ?`,
            [...part, ...key],
            WRITE_OPTIONS,
          ),
        );
      }
    }
    writes.push(
      this.client.execute(
        `INSERT INTO ${this.t.byPatient} (tenant_id, patient_id, triggered_at, alert_id, care_team_id, status) VALUES (?, ?, ?, ?, ?, ?)`,
        [a.tenantId, a.patientId, ...key, a.careTeamId, a.status],
        WRITE_OPTIONS,
      ),
    );
    await this.time('batch', 'alerts_indexes', () => Promise.all(writes));
  }

  /**
   * One page of one team-status partition, newest first, strictly before `before` (a keyset
   * position), within [from, to) of triggered_at when given.
   */
  async pageTeamStatus(tenantId: string, teamId: string, status: AlertStatus, bucket: string, opts: PageBounds): Promise<(AlertKey & { patientId: string })[]> {
    const where = ['tenant_id = ?', 'care_team_id = ?', 'status = ?', 'bucket = ?'];
    const params: unknown[] = [tenantId, teamId, status, bucket];
    pushPageBounds(where, params, opts);
    const rs = await this.time('select', 'alerts_by_team_status', () =>
      this.client.execute(`SELECT triggered_at, alert_id, patient_id FROM ${this.t.byTeam} WHERE ${where.join(' AND ')} LIMIT ?`, params, {
        ...READ_OPTIONS,
        fetchSize: opts.limit,
      }),
    );
    return rs.rows.map((r) => ({ triggeredAt: r['triggered_at'] as Date, alertId: r['alert_id'] as string, patientId: r['patient_id'] as string }));
  }

  /** One page of a patient's alerts, newest first, strictly before `before`. */
  async pagePatient(tenantId: string, patientId: string, opts: PageBounds): Promise<(AlertKey & { status: AlertStatus; careTeamId: string })[]> {
    const where = ['tenant_id = ?', 'patient_id = ?'];
    const params: unknown[] = [tenantId, patientId];
    pushPageBounds(where, params, opts);
    const rs = await this.time('select', 'alerts_by_patient', () =>
      this.client.execute(`SELECT triggered_at, alert_id, status, care_team_id FROM ${this.t.byPatient} WHERE ${where.join(' AND ')} LIMIT ?`, params, {
        ...READ_OPTIONS,
        fetchSize: opts.limit,
      }),
    );
    return rs.rows.map((r) => ({
      triggeredAt: r['triggered_at'] as Date,
      alertId: r['alert_id'] as string,
      status: r['status'] as AlertStatus,
      careTeamId: r['care_team_id'] as string,
    }));
  }
}
