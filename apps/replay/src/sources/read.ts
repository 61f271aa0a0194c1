/**
 * Reading a time range of one stream, from Kafka or from the Cassandra archive, as decoded events.
 *
 * Kafka. Record timestamps are the events' own time (toKafkaRecord sets them; CreateTime), but they
 * are not monotonic in a partition: phones send check-ins late (up to 30 days, the ingest limit).
 * So, per partition:
 *   start = the first offset with a timestamp >= from - 5 min (the clock skew ingest accepts, and
 *           enough for a topic on LogAppendTime). Every earlier record has an earlier timestamp.
 *   end   = the high watermark captured at start (nothing written later is read), or earlier: the
 *           first offset with a timestamp >= to + late grace (default 30 days 5 min). A check-in
 *           recorded before `to` reaches Kafka within 30 days (ingest refuses older), so before any
 *           record stamped later than to + 30 days 5 min: the range is complete.
 * Records in between are filtered on the event's own time, type, tenant and patient. The reader is
 * a throwaway consumer group that never commits (see @vigil/messaging range-reader).
 *
 * Archive. Check-ins only (scores and alerts have no all-patient table): `checkins_by_day` scanned
 * for the range, or `checkins_by_patient` when tenant and patients are given.
 */
import { fromKafkaRecord, type VigilEvent } from '@vigil/contracts';
import { planTopicRange, rangeSize, readTopicRange, fetchTopicWatermarks, offsetsForTimestamp, type RangeRecord, type TopicRange } from '@vigil/messaging';
import { archivedToEvent, CheckInArchiveRepository, type ArchivedCheckIn } from '@vigil/storage';
import type { ReplayContext } from '../context';
import { acceptsType, eventInstant, passesFilter, STREAM_TOPICS, type EventFilter, type StreamKind } from '../events/events';
import { iso } from '../cli/time';
import { shardLabel, shardOf, shardRange, type ShardSpec } from '../shards/shard';

export type SourceName = 'kafka' | 'archive';

/** Device clocks may run this far ahead (ingest accepts check-ins up to 5 minutes in the future). */
export const CLOCK_SKEW_MS = 5 * 60_000;
/** Default late grace: the ingest age limit (30 days) plus the skew. */
export const DEFAULT_LATE_GRACE_MS = 30 * 86_400_000 + CLOCK_SKEW_MS;

export interface ReadRequest {
  kind: StreamKind;
  from: number;
  to: number;
  filter: EventFilter;
  source: SourceName;
  /** Kafka: how far past `to` to look for late records; Infinity reads to the high watermark. */
  lateGraceMs: number;
  /** Only this shard's patients (shards/shard.ts). */
  shard?: ShardSpec;
  /** Kafka: these offsets instead of planning them now (a shard reads what its coordinator planned). */
  range?: TopicRange;
}

export interface ReadStats {
  /** Kafka records or archive rows looked at. */
  scanned: number;
  /** Events handed on (in range, right type, passing the filters). */
  events: number;
  outOfRange: number;
  otherTypes: number;
  filteredOut: number;
  undecodable: number;
  /** Records of other shards' patients skipped. */
  otherShards: number;
}

export interface ReadOutcome {
  source: SourceName;
  complete: boolean;
  stats: ReadStats;
  /** Where reading stopped, for "how far it got" after Ctrl-C. */
  position: string;
}

export type EventSink = (event: VigilEvent, at: number) => void | Promise<void>;

const emptyStats = (): ReadStats => ({ scanned: 0, events: 0, outOfRange: 0, otherTypes: 0, filteredOut: 0, undecodable: 0, otherShards: 0 });

export async function readRange(ctx: ReplayContext, req: ReadRequest, sink: EventSink, label = `reading ${req.kind}`): Promise<ReadOutcome> {
  if (req.source === 'archive') return readArchive(ctx, req, sink, label);
  return readKafka(ctx, req, sink, label);
}

/** The Kafka offsets a request would read. */
export async function planKafkaRange(ctx: ReplayContext, req: Pick<ReadRequest, 'kind' | 'from' | 'to' | 'lateGraceMs'>): Promise<TopicRange> {
  return planTopicRange(ctx.kafka(), ctx.topic(STREAM_TOPICS[req.kind]), {
    fromTimestamp: req.from - CLOCK_SKEW_MS,
    ...(Number.isFinite(req.lateGraceMs) ? { untilTimestamp: req.to + req.lateGraceMs } : {}),
  });
}

async function readKafka(ctx: ReplayContext, req: ReadRequest, sink: EventSink, label: string): Promise<ReadOutcome> {
  const planned = req.range ?? (await planKafkaRange(ctx, req));
  const shard = req.shard;
  const range = shard ? shardRange(planned, shard) : planned;
  const stats = emptyStats();
  // Records of another shard's patient on a partition this shard reads alone (`--shard-by partition`).
  let strays = 0;
  let strayPartition = -1;
  ctx.progress.start(label, rangeSize(range), 'records');
  const onRecord = (r: RangeRecord): void | Promise<void> => {
    stats.scanned++;
    // The key is the patient id: a shard skips other patients before decoding them.
    if (shard && r.key !== null && shardOf(r.key, shard.count, shard.partitions) !== shard.index) {
      stats.otherShards++;
      if (shard.by === 'partition') {
        strays++;
        strayPartition = r.partition;
      }
      return;
    }
    let e: VigilEvent;
    try {
      e = fromKafkaRecord({ key: r.key, value: r.value, headers: r.headers });
    } catch {
      stats.undecodable++;
      return;
    }
    if (shard && r.key === null && shardOf(e.subject, shard.count, shard.partitions) !== shard.index) {
      stats.otherShards++;
      if (shard.by === 'partition') {
        strays++;
        strayPartition = r.partition;
      }
      return;
    }
    if (!acceptsType(req.kind, e.type)) {
      stats.otherTypes++;
      return;
    }
    const at = eventInstant(e);
    if (!(at >= req.from && at < req.to)) {
      stats.outOfRange++;
      return;
    }
    if (!passesFilter(req.filter, e.tenantid, e.subject)) {
      stats.filteredOut++;
      return;
    }
    stats.events++;
    return sink(e, at);
  };
  const result = await readTopicRange(ctx.kafka(), range, {
    signal: ctx.signal,
    groupIdPrefix: 'vigil-replay',
    onBatch: async (records) => {
      for (const r of records) {
        const p = onRecord(r);
        if (p) await p;
      }
      ctx.progress.tick(records.length);
    },
  });
  ctx.progress.done(`${stats.events.toLocaleString('en-US')} in range`);
  if (shard && strays > 0) {
    throw new Error(
      `${shardLabel(shard)}: ${strays} record(s) of other shards' patients on its partitions (e.g. partition ${strayPartition}): ` +
        `the topic's partition count changed since they were written; run with --shard-by key`,
    );
  }
  const position = result.positions.map((p) => `partition ${p.partition} at offset ${p.next} of ${p.end}`).join('; ');
  return { source: 'kafka', complete: result.complete, stats, position: `${range.topic}: ${position}` };
}

async function readArchive(ctx: ReplayContext, req: ReadRequest, sink: EventSink, label: string): Promise<ReadOutcome> {
  if (req.kind !== 'checkins') throw new Error(`the archive holds check-ins only; read ${req.kind} from Kafka (--source kafka)`);
  const repo = new CheckInArchiveRepository(await ctx.cassandraClient(), ctx.keyspace);
  const stats = emptyStats();
  const from = new Date(req.from);
  const to = new Date(req.to);
  let lastAt = req.from;
  ctx.progress.start(label, undefined, 'rows');
  const handle = async (a: ArchivedCheckIn): Promise<void> => {
    stats.scanned++;
    ctx.progress.tick();
    lastAt = a.recordedAt.getTime();
    if (req.shard && shardOf(a.patientId, req.shard.count, req.shard.partitions) !== req.shard.index) {
      stats.otherShards++;
      return;
    }
    if (!passesFilter(req.filter, a.tenantId, a.patientId)) {
      stats.filteredOut++;
      return;
    }
    let e: VigilEvent;
    try {
      e = archivedToEvent(a);
    } catch {
      stats.undecodable++;
      return;
    }
    if (!acceptsType(req.kind, e.type)) {
      stats.otherTypes++;
      return;
    }
    stats.events++;
    await sink(e, a.recordedAt.getTime());
  };
  let complete = true;
  const { tenants, patients } = req.filter;
  if (tenants && patients) {
    // Direct per-patient reads: no scan of other patients' days.
    outer: for (const tenantId of [...tenants].sort()) {
      for (const patientId of [...patients].sort()) {
        let cursor: string | null = null;
        do {
          if (ctx.signal.aborted) {
            complete = false;
            break outer;
          }
          const page = await repo.readPatientRange({ tenantId, patientId, from, to, pageSize: 1000, cursor });
          for (const a of page.items) await handle(a);
          cursor = page.nextCursor;
        } while (cursor);
      }
    }
  } else {
    for await (const a of repo.scanRange({ from, to, fetchSize: 1000 })) {
      if (ctx.signal.aborted) {
        complete = false;
        break;
      }
      await handle(a);
    }
  }
  ctx.progress.done(`${stats.events.toLocaleString('en-US')} in range`);
  return { source: 'archive', complete, stats, position: `archive up to device time ${iso(lastAt)}` };
}

/**
 * `--source auto`: Kafka, unless the range may start before what Kafka still keeps (a partition
 * whose retained data begins at or after the range start, with older data deleted); then the archive
 * (check-ins only). Scores and alerts always come from Kafka.
 */
export async function chooseSource(ctx: ReplayContext, kind: StreamKind, from: number, asked: string): Promise<{ source: SourceName; reason: string }> {
  if (asked === 'kafka' || asked === 'archive') return { source: asked, reason: `--source ${asked}` };
  if (kind !== 'checkins') return { source: 'kafka', reason: `${kind} are only in Kafka` };
  const topic = ctx.topic(STREAM_TOPICS[kind]);
  const [marks, starts] = await Promise.all([fetchTopicWatermarks(ctx.kafka(), topic), offsetsForTimestamp(ctx.kafka(), topic, from - CLOCK_SKEW_MS)]);
  const truncated = marks.filter((m) => BigInt(m.low) > 0n && starts.find((s) => s.partition === m.partition)?.offset === m.low);
  if (truncated.length) {
    return {
      source: 'archive',
      reason: `Kafka may no longer hold the start of the range (retention on partition(s) ${truncated.map((m) => m.partition).join(', ')})`,
    };
  }
  return { source: 'kafka', reason: 'Kafka holds the range' };
}
