import { Client, types } from 'cassandra-driver';
import { CheckIn, observationsOf } from '@vigil/contracts';
import { fnv1a32, monthBucket } from './buckets';
import { quoteIdent } from './client';
import { executeConcurrently, groupByPartition, KeyedStatement, READ_OPTIONS, Statement } from './execute';
import { Page, RangeQuery, rangeStatements, readMonthBucketedRange } from './paging';

/** One numeric observation of one check-in, as stored. */
export interface ObservationRow {
  tenantId: string;
  patientId: string;
  metric: string;
  /** Device time. */
  recordedAt: Date;
  checkInId: string;
  value: number;
}

export interface ObservationPoint {
  recordedAt: Date;
  checkInId: string;
  value: number;
}

export interface LatestObservation extends ObservationPoint {
  metric: string;
}

export interface SeriesQuery extends RangeQuery {
  tenantId: string;
  patientId: string;
  metric: string;
}

/** The rows a check-in contributes (one per metric of observationsOf; notes are never among them). */
export function observationRowsOf(tenantId: string, patientId: string, checkIn: CheckIn): ObservationRow[] {
  const recordedAt = new Date(checkIn.recordedAt);
  return observationsOf(checkIn).map((o) => ({ tenantId, patientId, metric: o.metric, recordedAt, checkInId: checkIn.checkInId, value: o.value }));
}

/**
 * Cell timestamp (µs) of a latest_observations write: the device time, so the newest reading wins
 * whatever the arrival order, with the sub-millisecond digits taken from the check-in id so equal
 * device times resolve the same way everywhere (see 0001_observations_and_archive.cql).
 */
export function latestWriteTimestamp(recordedAt: Date, checkInId: string): types.Long {
  return types.Long.fromNumber(latestWriteMicros(recordedAt, checkInId));
}

/** latestWriteTimestamp as a number (exact: µs since 1970 stay below 2^53 until the year 2255). */
function latestWriteMicros(recordedAt: Date, checkInId: string): number {
  return recordedAt.getTime() * 1000 + (fnv1a32(checkInId.toLowerCase()) % 1000);
}

function rowBytes(r: ObservationRow): number {
  return 64 + r.tenantId.length + r.patientId.length + r.metric.length;
}

export interface ObservationRepositoryOptions {
  /** Statements in flight at once per writeObservations call; default 64. */
  concurrency?: number;
}

/**
 * observations_by_patient and latest_observations. Writes are idempotent upserts keyed by
 * (patient, metric, month, device time, check-in id); all statements are prepared.
 */
export class ObservationRepository {
  private readonly insertSeries: string;
  private readonly upsertLatest: string;
  private readonly selectLatest: string;
  private readonly series: ReturnType<typeof rangeStatements>;
  private readonly concurrency: number;

  constructor(
    private readonly client: Client,
    keyspace: string,
    options: ObservationRepositoryOptions = {},
  ) {
    const ks = quoteIdent(keyspace);
    this.concurrency = options.concurrency ?? 64;
    this.insertSeries = `INSERT INTO ${ks}.observations_by_patient (tenant_id, patient_id, bucket, metric, recorded_at, check_in_id, value) VALUES (?, ?, ?, ?, ?, ?, ?)`;
    this.upsertLatest = `INSERT INTO ${ks}.latest_observations (tenant_id, patient_id, metric, value, recorded_at, check_in_id) VALUES (?, ?, ?, ?, ?, ?) USING TIMESTAMP ?`;
    this.selectLatest = `SELECT metric, value, recorded_at, check_in_id FROM ${ks}.latest_observations WHERE tenant_id = ? AND patient_id = ?`;
    this.series = rangeStatements(`${ks}.observations_by_patient`, 'recorded_at, check_in_id, value', ['tenant_id', 'patient_id'], ['metric']);
  }

  /**
   * Every row's statements with their partitions (series: tenant, patient, month; latest: tenant,
   * patient). Of the latest-value upserts of one patient and metric, only those with the highest
   * write timestamp are sent: Cassandra would keep exactly those anyway (last write wins by that
   * timestamp), and a backlog batch holds many check-ins per patient. Ties are all sent, so
   * Cassandra settles them as before.
   */
  keyedStatementsFor(rows: readonly ObservationRow[]): KeyedStatement[] {
    const out: KeyedStatement[] = [];
    const newest = new Map<string, { micros: number; rows: ObservationRow[] }>();
    // A check-in's rows come one after another and share its id, device time and partitions: what
    // is derived from those (the Uuid, the month, the write timestamp) is worked out once per check-in.
    let last: { r: ObservationRow; id: types.Uuid; bucket: string; partition: string; micros: number } | null = null;
    for (const r of rows) {
      if (
        !last ||
        last.r.checkInId !== r.checkInId ||
        last.r.recordedAt !== r.recordedAt ||
        last.r.tenantId !== r.tenantId ||
        last.r.patientId !== r.patientId
      ) {
        const bucket = monthBucket(r.recordedAt);
        last = {
          r,
          id: types.Uuid.fromString(r.checkInId),
          bucket,
          partition: `obs|${r.tenantId}\u0000${r.patientId}\u0000${bucket}`,
          micros: latestWriteMicros(r.recordedAt, r.checkInId),
        };
      }
      out.push({
        partition: last.partition,
        statement: { query: this.insertSeries, params: [r.tenantId, r.patientId, last.bucket, r.metric, r.recordedAt, last.id, r.value] },
        bytes: rowBytes(r),
      });
      const key = `${r.tenantId}\u0000${r.patientId}\u0000${r.metric}`;
      const seen = newest.get(key);
      if (!seen || last.micros > seen.micros) newest.set(key, { micros: last.micros, rows: [r] });
      else if (last.micros === seen.micros) seen.rows.push(r);
    }
    for (const { micros, rows: winners } of newest.values()) {
      const ts = types.Long.fromNumber(micros);
      for (const r of winners) {
        out.push({
          partition: `latest|${r.tenantId}\u0000${r.patientId}`,
          statement: { query: this.upsertLatest, params: [r.tenantId, r.patientId, r.metric, r.value, r.recordedAt, types.Uuid.fromString(r.checkInId), ts] },
          bytes: rowBytes(r),
        });
      }
    }
    return out;
  }

  /**
   * The requests that store `rows`: rows of the same partition (all observations of a check-in, and
   * of other check-ins of the same patient and month in the same call) go in one UNLOGGED
   * single-partition batch, one mutation per table and replica (see groupByPartition).
   */
  statementsFor(rows: readonly ObservationRow[]): Statement[] {
    return groupByPartition(this.keyedStatementsFor(rows));
  }

  /** Writes every row (series and latest) with bounded concurrency; rejects if any write failed. */
  async writeObservations(rows: readonly ObservationRow[], concurrency = this.concurrency): Promise<void> {
    await executeConcurrently(this.client, this.statementsFor(rows), concurrency);
  }

  /** A patient's series of one metric over [from, to), across month buckets, in device-time order, paged. */
  async querySeries(q: SeriesQuery): Promise<Page<ObservationPoint>> {
    return readMonthBucketedRange(
      this.client,
      q,
      this.series,
      [q.tenantId, q.patientId],
      [q.metric],
      (row) => ({ recordedAt: row['recorded_at'] as Date, checkInId: String(row['check_in_id']), value: row['value'] as number }),
      (p) => p,
    );
  }

  /** The newest value of every metric of a patient (by device time). */
  async latest(tenantId: string, patientId: string): Promise<LatestObservation[]> {
    const rs = await this.client.execute(this.selectLatest, [tenantId, patientId], READ_OPTIONS);
    return rs.rows.map((row) => ({
      metric: row['metric'] as string,
      value: row['value'] as number,
      recordedAt: row['recorded_at'] as Date,
      checkInId: String(row['check_in_id']),
    }));
  }
}
