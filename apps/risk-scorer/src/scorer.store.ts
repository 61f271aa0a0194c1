import { Client, QueryOptions, types } from 'cassandra-driver';
import { CheckIn, PatientProfile as ProfileData, VigilEvent } from '@vigil/contracts';
import type { PatientState, RiskScore } from '@vigil/risk-engine';
import { decodeStateRow, encodeStateRow, isPackedState } from '@vigil/scoring';
import {
  monthBucket,
  PATIENT_PROFILE_COLUMNS,
  profileFromPatientColumns,
  PROFILES,
  quoteIdent,
  READ_OPTIONS,
  upsertPatientStatement,
  WRITE_OPTIONS,
} from '@vigil/storage';

/**
 * The scorer's Cassandra access (tables of migrations 0002 and 0003). Cassandra is the durable
 * truth of everything the scorer knows; nothing lives only in memory or in Redis.
 */

/** A Kafka position: topic (base name), partition, offset (int64 as a decimal string). */
export interface Position {
  topic: string;
  partition: number;
  offset: string;
}

export interface StateRecord {
  tenantId: string;
  patientId: string;
  /** null: no row yet. */
  version: number | null;
  state: PatientState | null;
  applied: Position | null;
  /** Check-in ids applied most recently, oldest first. */
  recentCheckIns: string[];
  enrolledAt: number | null;
  /** When the check-in that last moved the newest device time forward was received (silence-clock.ts); null before migration 0007. */
  heardAt: number | null;
  dueAt: number | null;
  dueHour: number | null;
}

export interface StateWrite {
  state: PatientState;
  modelVersion: string;
  applied: Position | null;
  recentCheckIns: string[];
  enrolledAt: number | null;
  heardAt: number | null;
  dueAt: number | null;
  dueHour: number | null;
}

export interface PendingCheckIn {
  tenantId: string;
  patientId: string;
  recordedAt: number;
  checkInId: string;
  /** The check-in event without notes. */
  event: VigilEvent<CheckIn>;
  position: Position;
}

export interface DueRow {
  hour: number;
  dueAt: number;
  tenantId: string;
  patientId: string;
}

export interface StoredScore {
  score: RiskScore;
  eventId: string;
}

/** Conditional writes: prepared, never retried blindly by the driver (an LWT retry is not idempotent). */
const LWT_OPTIONS: QueryOptions = { prepare: true, isIdempotent: false, executionProfile: PROFILES.write };

const ENGAGEMENT_WATERMARK = 'engagement-watermark';

const toMs = (d: unknown): number | null => (d instanceof Date ? d.getTime() : null);
const toNum = (x: unknown): number | null => (x === null || x === undefined ? null : typeof x === 'number' ? x : Number(String(x)));

export class ScorerStore {
  private readonly t: Record<'state' | 'patients' | 'scores' | 'pending' | 'due' | 'schedule', string>;

  constructor(
    private readonly client: Client,
    keyspace: string,
  ) {
    const ks = quoteIdent(keyspace);
    this.t = {
      state: `${ks}.scorer_state`,
      patients: `${ks}.patients`,
      scores: `${ks}.risk_scores_by_patient`,
      pending: `${ks}.scorer_pending`,
      due: `${ks}.scorer_engagement_due`,
      schedule: `${ks}.scorer_schedule`,
    };
  }

  // --- profiles (patients.v1 mirrored into `patients`) ------------------------------------------

  /**
   * The profile as last mirrored from patients.v1 (the `profile` JSON). care-api writes the same row
   * on PUT; should its row lack the JSON, the profile is rebuilt from the typed columns.
   */
  async getProfile(tenantId: string, patientId: string): Promise<ProfileData | null> {
    const rs = await this.client.execute(
      `SELECT ${PATIENT_PROFILE_COLUMNS} FROM ${this.t.patients} WHERE tenant_id = ? AND patient_id = ?`,
      [tenantId, patientId],
      READ_OPTIONS,
    );
    const row = rs.first();
    if (!row) return null;
    const text = row['profile'] as string | null;
    if (text) return JSON.parse(text) as ProfileData;
    return profileFromPatientColumns(tenantId, patientId, row);
  }

  /**
   * Upserts the profile with the write timestamp of its own `updatedAt`: care-api writes the same
   * row on PUT, and a profile event consumed late (or replayed from the compacted topic) can then
   * never overwrite a newer profile.
   */
  async upsertProfile(p: ProfileData): Promise<void> {
    const updated = Date.parse(p.updatedAt);
    const at = Number.isFinite(updated) ? updated : Date.now();
    const row = upsertPatientStatement(this.t.patients, p, at);
    await this.client.execute(row.query, row.params, WRITE_OPTIONS);
  }

  // --- per-patient state (optimistic concurrency on `version`) ------------------------------------

  /**
   * The state row. Written packed (`state_packed`, libs/scoring state-codec) since migration 0007;
   * a row written before it has only the JSON columns (`state`, `recent_check_ins`) and loads from them.
   */
  async loadState(tenantId: string, patientId: string): Promise<StateRecord> {
    const rs = await this.client.execute(
      `SELECT state_packed, state, applied_topic, applied_partition, applied_offset, version, recent_check_ins, enrolled_at,
         heard_at, engagement_due_at, engagement_due_hour FROM ${this.t.state} WHERE tenant_id = ? AND patient_id = ?`,
      [tenantId, patientId],
      READ_OPTIONS,
    );
    const row = rs.first();
    if (!row) {
      return {
        tenantId,
        patientId,
        version: null,
        state: null,
        applied: null,
        recentCheckIns: [],
        enrolledAt: null,
        heardAt: null,
        dueAt: null,
        dueHour: null,
      };
    }
    const offset = row['applied_offset'] as types.Long | null;
    const packed = row['state_packed'] as Buffer | null;
    let state: PatientState | null;
    let recentCheckIns: string[];
    if (isPackedState(packed)) {
      ({ state, recentCheckIns } = decodeStateRow<PatientState>(packed));
    } else {
      state = row['state'] ? (JSON.parse(row['state'] as string) as PatientState) : null;
      recentCheckIns = row['recent_check_ins'] ? (JSON.parse(row['recent_check_ins'] as string) as string[]) : [];
    }
    return {
      tenantId,
      patientId,
      version: toNum(row['version']) ?? 0,
      state,
      applied:
        offset !== null && row['applied_topic']
          ? { topic: row['applied_topic'] as string, partition: row['applied_partition'] as number, offset: offset.toString() }
          : null,
      recentCheckIns,
      enrolledAt: toMs(row['enrolled_at']),
      heardAt: toMs(row['heard_at']),
      dueAt: toMs(row['engagement_due_at']),
      dueHour: toNum(row['engagement_due_hour']),
    };
  }

  /**
   * Writes the state if nobody else wrote it since `prev` was read (LWT: INSERT IF NOT EXISTS, or
   * UPDATE IF version = prev.version). False: someone did; reload and redo. Always packed; the JSON
   * columns are cleared, so a row never holds two versions of its state.
   */
  async saveState(prev: StateRecord, next: StateWrite): Promise<boolean> {
    const values = [
      encodeStateRow({ state: next.state, recentCheckIns: next.recentCheckIns }),
      null,
      next.modelVersion,
      next.applied?.topic ?? null,
      next.applied?.partition ?? null,
      next.applied ? types.Long.fromString(next.applied.offset) : null,
      new Date(),
      null,
      next.enrolledAt === null ? null : new Date(next.enrolledAt),
      next.heardAt === null ? null : new Date(next.heardAt),
      next.dueAt === null ? null : new Date(next.dueAt),
      next.dueHour === null ? null : types.Long.fromNumber(next.dueHour),
    ];
    if (prev.version === null) {
      const rs = await this.client.execute(
        `INSERT INTO ${this.t.state} (state_packed, state, model_version, applied_topic, applied_partition, applied_offset, updated_at,
           recent_check_ins, enrolled_at, heard_at, engagement_due_at, engagement_due_hour, version, tenant_id, patient_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
        [...values, types.Long.fromNumber(1), prev.tenantId, prev.patientId],
        LWT_OPTIONS,
      );
      return rs.wasApplied();
    }
    const rs = await this.client.execute(
      `UPDATE ${this.t.state} SET state_packed = ?, state = ?, model_version = ?, applied_topic = ?, applied_partition = ?, applied_offset = ?,
         updated_at = ?, recent_check_ins = ?, enrolled_at = ?, heard_at = ?, engagement_due_at = ?, engagement_due_hour = ?, version = ?
       WHERE tenant_id = ? AND patient_id = ? IF version = ?`,
      [...values, types.Long.fromNumber(prev.version + 1), prev.tenantId, prev.patientId, types.Long.fromNumber(prev.version)],
      LWT_OPTIONS,
    );
    return rs.wasApplied();
  }

  // --- scores ----------------------------------------------------------------------------------

  async saveScores(scores: readonly StoredScore[]): Promise<void> {
    const now = new Date();
    await Promise.all(
      scores.map(({ score: s, eventId }) => {
        const at = Date.parse(s.recordedAt);
        return this.client.execute(
          `INSERT INTO ${this.t.scores} (tenant_id, patient_id, bucket, recorded_at, check_in_id, model_version, score, level,
             factors, news2, late, event_id, scored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            s.tenantId,
            s.patientId,
            monthBucket(at),
            new Date(at),
            s.checkInId,
            s.modelVersion,
            s.score,
            s.level,
            JSON.stringify(s.factors),
            s.news2 ? JSON.stringify(s.news2) : null,
            s.late,
            eventId,
            now,
          ],
          WRITE_OPTIONS,
        );
      }),
    );
  }

  // --- check-ins waiting for an enrolment --------------------------------------------------------

  async park(items: readonly PendingCheckIn[]): Promise<void> {
    const now = new Date();
    await Promise.all(
      items.map((p) =>
        this.client.execute(
          `INSERT INTO ${this.t.pending} (tenant_id, patient_id, recorded_at, check_in_id, event, topic, partition, offset, parked_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            p.tenantId,
            p.patientId,
            new Date(p.recordedAt),
            p.checkInId,
            JSON.stringify(p.event),
            p.position.topic,
            p.position.partition,
            types.Long.fromString(p.position.offset),
            now,
          ],
          WRITE_OPTIONS,
        ),
      ),
    );
  }

  /** A patient's parked check-ins in device-time order. */
  async listPending(tenantId: string, patientId: string): Promise<PendingCheckIn[]> {
    const rs = await this.client.execute(
      `SELECT recorded_at, check_in_id, event, topic, partition, offset FROM ${this.t.pending} WHERE tenant_id = ? AND patient_id = ?`,
      [tenantId, patientId],
      { ...READ_OPTIONS, fetchSize: 10_000 },
    );
    return rs.rows.map((r) => ({
      tenantId,
      patientId,
      recordedAt: (r['recorded_at'] as Date).getTime(),
      checkInId: r['check_in_id'] as string,
      event: JSON.parse(r['event'] as string) as VigilEvent<CheckIn>,
      position: { topic: r['topic'] as string, partition: r['partition'] as number, offset: (r['offset'] as types.Long).toString() },
    }));
  }

  async deletePending(items: readonly Pick<PendingCheckIn, 'tenantId' | 'patientId' | 'recordedAt' | 'checkInId'>[]): Promise<void> {
    await Promise.all(
      items.map((p) =>
        this.client.execute(
          `DELETE FROM ${this.t.pending} WHERE tenant_id = ? AND patient_id = ? AND recorded_at = ? AND check_in_id = ?`,
          [p.tenantId, p.patientId, new Date(p.recordedAt), p.checkInId],
          WRITE_OPTIONS,
        ),
      ),
    );
  }

  // --- engagement schedule -------------------------------------------------------------------

  async insertDue(row: DueRow): Promise<void> {
    await this.client.execute(
      `INSERT INTO ${this.t.due} (hour, due_at, tenant_id, patient_id) VALUES (?, ?, ?, ?)`,
      [types.Long.fromNumber(row.hour), new Date(row.dueAt), row.tenantId, row.patientId],
      WRITE_OPTIONS,
    );
  }

  async deleteDue(row: DueRow): Promise<void> {
    await this.client.execute(
      `DELETE FROM ${this.t.due} WHERE hour = ? AND due_at = ? AND tenant_id = ? AND patient_id = ?`,
      [types.Long.fromNumber(row.hour), new Date(row.dueAt), row.tenantId, row.patientId],
      WRITE_OPTIONS,
    );
  }

  /** Rows of one hour partition due at or before `nowMs`, in due order, fetched a page at a time. */
  async *listDue(hour: number, nowMs: number, pageSize = 500): AsyncGenerator<DueRow> {
    let pageState: string | undefined;
    do {
      const rs = await this.client.execute(
        `SELECT due_at, tenant_id, patient_id FROM ${this.t.due} WHERE hour = ? AND due_at <= ?`,
        [types.Long.fromNumber(hour), new Date(nowMs)],
        { ...READ_OPTIONS, fetchSize: pageSize, pageState },
      );
      for (const r of rs.rows) {
        yield { hour, dueAt: (r['due_at'] as Date).getTime(), tenantId: r['tenant_id'] as string, patientId: r['patient_id'] as string };
      }
      pageState = rs.pageState ?? undefined;
    } while (pageState);
  }

  async getWatermark(): Promise<number | null> {
    const rs = await this.client.execute(`SELECT value FROM ${this.t.schedule} WHERE name = ?`, [ENGAGEMENT_WATERMARK], READ_OPTIONS);
    return toNum(rs.first()?.['value']);
  }

  async setWatermark(hour: number): Promise<void> {
    await this.client.execute(
      `INSERT INTO ${this.t.schedule} (name, value, updated_at) VALUES (?, ?, ?)`,
      [ENGAGEMENT_WATERMARK, types.Long.fromNumber(hour), new Date()],
      WRITE_OPTIONS,
    );
  }

  /** Readiness: a trivial read on the cluster. */
  async ping(): Promise<void> {
    await this.client.execute('SELECT release_version FROM system.local', [], READ_OPTIONS);
  }
}
