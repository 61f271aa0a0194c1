import { Client, types } from 'cassandra-driver';
import { CheckIn, VigilEvent } from '@vigil/contracts';
import { archiveShard, ARCHIVE_DAY_SHARDS, dayBuckets, monthBucket } from './buckets';
import { quoteIdent } from './client';
import { executeConcurrently, groupByPartition, KeyedStatement, READ_OPTIONS, Statement } from './execute';
import { checkRange, Page, RangeQuery, rangeStatements, readMonthBucketedRange } from './paging';

/**
 * A raw check-in as archived: the CloudEvents attributes, the data exactly as consumed, and its
 * Kafka position. PHI (notes, values): never log it.
 */
export interface ArchivedCheckIn {
  tenantId: string;
  patientId: string;
  checkInId: string;
  /** Device time. */
  recordedAt: Date;
  /** recordedAt as the device sent it (with its offset). */
  recordedAtText: string;
  eventId: string;
  eventSource: string;
  eventType: string;
  eventTime: string;
  dataSchemaVersion: string;
  traceparent?: string;
  /** The check-in JSON as the event carried it (PHI). */
  data: string;
  kafka?: { topic: string; partition: number; offset: string; timestamp?: Date };
  archivedAt?: Date;
}

export interface PatientArchiveQuery extends RangeQuery {
  tenantId: string;
  patientId: string;
}

export interface ArchiveScanOptions {
  /** Inclusive, device time. */
  from: Date;
  /** Exclusive, device time. */
  to: Date;
  /** Rows fetched per round trip from each shard; default 500. */
  fetchSize?: number;
}

const PAYLOAD_COLUMNS = [
  'recorded_at_text',
  'event_id',
  'event_source',
  'event_type',
  'event_time',
  'data_schema_version',
  'traceparent',
  'data',
  'kafka_topic',
  'kafka_partition',
  'kafka_offset',
  'kafka_timestamp',
  'archived_at',
];

/** Re-creates the CloudEvent of an archived check-in (replay's `--from-archive`). */
export function archivedToEvent(a: ArchivedCheckIn): VigilEvent<CheckIn> {
  const event: VigilEvent<CheckIn> = {
    specversion: '1.0',
    id: a.eventId,
    source: a.eventSource,
    type: a.eventType,
    subject: a.patientId,
    time: a.eventTime,
    datacontenttype: 'application/json',
    tenantid: a.tenantId,
    dataschemaversion: a.dataSchemaVersion,
    data: JSON.parse(a.data) as CheckIn,
  };
  if (a.traceparent) event.traceparent = a.traceparent;
  return event;
}

function rowToArchived(row: types.Row): ArchivedCheckIn {
  const a: ArchivedCheckIn = {
    tenantId: row['tenant_id'] as string,
    patientId: row['patient_id'] as string,
    checkInId: String(row['check_in_id']),
    recordedAt: row['recorded_at'] as Date,
    recordedAtText: row['recorded_at_text'] as string,
    eventId: row['event_id'] as string,
    eventSource: row['event_source'] as string,
    eventType: row['event_type'] as string,
    eventTime: row['event_time'] as string,
    dataSchemaVersion: row['data_schema_version'] as string,
    data: row['data'] as string,
  };
  if (row['traceparent']) a.traceparent = row['traceparent'] as string;
  if (row['kafka_topic']) {
    a.kafka = {
      topic: row['kafka_topic'] as string,
      partition: row['kafka_partition'] as number,
      offset: String(row['kafka_offset']),
      ...(row['kafka_timestamp'] ? { timestamp: row['kafka_timestamp'] as Date } : {}),
    };
  }
  if (row['archived_at']) a.archivedAt = row['archived_at'] as Date;
  return a;
}

/** Order of the all-patients scan: device time, then tenant, patient and check-in id (as clustered). */
function compareArchived(a: ArchivedCheckIn, b: ArchivedCheckIn): number {
  return (
    a.recordedAt.getTime() - b.recordedAt.getTime() ||
    (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0) ||
    (a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : 0) ||
    (a.checkInId < b.checkInId ? -1 : a.checkInId > b.checkInId ? 1 : 0)
  );
}

/**
 * checkins_by_patient (by patient and month) and checkins_by_day (all patients, by day and shard).
 * Both are written for every check-in; both are idempotent upserts keyed by the check-in id.
 */
export class CheckInArchiveRepository {
  private readonly insertByPatient: string;
  private readonly insertByDay: string;
  private readonly byPatient: ReturnType<typeof rangeStatements>;
  private readonly scanDayShard: string;
  private readonly concurrency: number;

  constructor(
    private readonly client: Client,
    keyspace: string,
    options: { concurrency?: number } = {},
  ) {
    const ks = quoteIdent(keyspace);
    this.concurrency = options.concurrency ?? 64;
    const payload = PAYLOAD_COLUMNS.join(', ');
    const marks = PAYLOAD_COLUMNS.map(() => '?').join(', ');
    this.insertByPatient = `INSERT INTO ${ks}.checkins_by_patient (tenant_id, patient_id, bucket, recorded_at, check_in_id, ${payload}) VALUES (?, ?, ?, ?, ?, ${marks})`;
    this.insertByDay = `INSERT INTO ${ks}.checkins_by_day (day, shard, recorded_at, tenant_id, patient_id, check_in_id, ${payload}) VALUES (?, ?, ?, ?, ?, ?, ${marks})`;
    this.byPatient = rangeStatements(`${ks}.checkins_by_patient`, `tenant_id, patient_id, recorded_at, check_in_id, ${payload}`, ['tenant_id', 'patient_id']);
    this.scanDayShard = `SELECT tenant_id, patient_id, recorded_at, check_in_id, ${payload} FROM ${ks}.checkins_by_day WHERE day = ? AND shard = ? AND recorded_at >= ? AND recorded_at < ?`;
  }

  /** Both archive rows of every record with their partitions ((tenant, patient, month) and (day, shard)). */
  keyedStatementsFor(records: readonly ArchivedCheckIn[]): KeyedStatement[] {
    const out: KeyedStatement[] = [];
    for (const a of records) {
      const id = types.Uuid.fromString(a.checkInId);
      const payload = [
        a.recordedAtText,
        a.eventId,
        a.eventSource,
        a.eventType,
        a.eventTime,
        a.dataSchemaVersion,
        a.traceparent ?? null,
        a.data,
        a.kafka?.topic ?? null,
        a.kafka?.partition ?? null,
        a.kafka ? types.Long.fromString(a.kafka.offset) : null,
        a.kafka?.timestamp ?? null,
        a.archivedAt ?? new Date(),
      ];
      const bytes = 400 + Buffer.byteLength(a.data);
      const bucket = monthBucket(a.recordedAt);
      const day = a.recordedAt.toISOString().slice(0, 10);
      const shard = archiveShard(a.tenantId, a.patientId);
      out.push({
        partition: `cbp|${a.tenantId}\u0000${a.patientId}\u0000${bucket}`,
        statement: { query: this.insertByPatient, params: [a.tenantId, a.patientId, bucket, a.recordedAt, id, ...payload] },
        bytes,
      });
      out.push({
        partition: `cbd|${day}\u0000${shard}`,
        statement: { query: this.insertByDay, params: [day, shard, a.recordedAt, a.tenantId, a.patientId, id, ...payload] },
        bytes,
      });
    }
    return out;
  }

  /** The requests that store `records`, rows of one partition grouped into single-partition batches. */
  statementsFor(records: readonly ArchivedCheckIn[]): Statement[] {
    return groupByPartition(this.keyedStatementsFor(records));
  }

  async write(records: readonly ArchivedCheckIn[], concurrency = this.concurrency): Promise<void> {
    await executeConcurrently(this.client, this.statementsFor(records), concurrency);
  }

  /** One patient's archive over [from, to) by device time, across month buckets, paged. */
  async readPatientRange(q: PatientArchiveQuery): Promise<Page<ArchivedCheckIn>> {
    return readMonthBucketedRange(this.client, q, this.byPatient, [q.tenantId, q.patientId], [], rowToArchived, (a) => a);
  }

  /**
   * Every patient's check-ins over [from, to) by device time, in one deterministic order
   * (recorded_at, tenant, patient, check-in id): each day's shards are read with driver paging and
   * merged, so memory stays at about shards x fetchSize rows whatever the range.
   */
  async *scanRange(options: ArchiveScanOptions): AsyncGenerator<ArchivedCheckIn> {
    checkRange({ from: options.from, to: options.to });
    const fetchSize = options.fetchSize ?? 500;
    for (const day of dayBuckets(options.from, options.to.getTime() - 1)) {
      const streams = await Promise.all(
        Array.from({ length: ARCHIVE_DAY_SHARDS }, async (_, shard) => {
          const rs = await this.client.execute(this.scanDayShard, [day, shard, options.from, options.to], { ...READ_OPTIONS, fetchSize });
          return rs[Symbol.asyncIterator]() as AsyncIterator<types.Row>;
        }),
      );
      const heads: (ArchivedCheckIn | undefined)[] = await Promise.all(
        streams.map(async (it) => {
          const r = await it.next();
          return r.done ? undefined : rowToArchived(r.value);
        }),
      );
      for (;;) {
        let min = -1;
        for (let i = 0; i < heads.length; i++) {
          const h = heads[i];
          if (h && (min < 0 || compareArchived(h, heads[min] as ArchivedCheckIn) < 0)) min = i;
        }
        if (min < 0) break;
        yield heads[min] as ArchivedCheckIn;
        const r = await streams[min].next();
        heads[min] = r.done ? undefined : rowToArchived(r.value);
      }
    }
  }
}
