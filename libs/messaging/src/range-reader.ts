/**
 * Reading a bounded range of a topic without touching any real consumer group: offsets for
 * timestamps, the end offsets as of now, and a reader that never commits.
 *
 * kafkajs has no group-less fetch in its public API, so the reader is a kafkajs consumer in a
 * THROWAWAY group (`<groupIdPrefix>-<random>`): it seeks every partition to its start offset, never
 * commits (autoCommit off; offsets are resolved only in kafkajs' memory, to move its fetch position),
 * stops at each partition's end offset,
 * leaves the group and deletes it. No existing group's offsets are read or written.
 */
import { randomBytes } from 'node:crypto';
import type { Admin, IHeaders, Kafka } from 'kafkajs';
import { withAdmin } from './with-admin';

/** Low and high watermark of one partition (offsets as decimal strings, kafkajs' convention). */
export interface PartitionWatermarks {
  partition: number;
  /** Earliest offset still retained. */
  low: string;
  /** Offset the next record will get (one past the last). */
  high: string;
}

/** Offsets of one partition to read: `[start, end)`. */
export interface PartitionRange {
  partition: number;
  start: string;
  end: string;
  /** The partition's watermarks when the range was planned. */
  low: string;
  high: string;
}

export interface TopicRange {
  /** Full topic name (prefix included). */
  topic: string;
  partitions: PartitionRange[];
}

/** One record as read: raw key, value, headers and timestamp, and where it was. */
export interface RangeRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: IHeaders;
  /** Record timestamp, ms since the epoch as a string. */
  timestamp: string;
}

export class TopicNotFoundError extends Error {
  override readonly name = 'TopicNotFoundError';
  constructor(readonly topic: string) {
    super(`topic ${topic} does not exist`);
  }
}

async function assertTopic(admin: Admin, topic: string): Promise<void> {
  const topics = await admin.listTopics();
  if (!topics.includes(topic)) throw new TopicNotFoundError(topic);
}

/** Low and high watermarks of every partition of a topic, by partition. */
export async function fetchTopicWatermarks(kafka: Kafka, topic: string): Promise<PartitionWatermarks[]> {
  return withAdmin(kafka, async (admin) => {
    await assertTopic(admin, topic);
    const offsets = await admin.fetchTopicOffsets(topic);
    return offsets.map((o) => ({ partition: o.partition, low: o.low, high: o.high })).sort((a, b) => a.partition - b.partition);
  });
}

/**
 * Per partition, the earliest offset whose record timestamp is at or after `timestampMs`
 * (Kafka's ListOffsets by time); the high watermark where there is none.
 */
export async function offsetsForTimestamp(kafka: Kafka, topic: string, timestampMs: number): Promise<{ partition: number; offset: string }[]> {
  return withAdmin(kafka, async (admin) => {
    await assertTopic(admin, topic);
    const offsets = await admin.fetchTopicOffsetsByTimestamp(topic, timestampMs);
    return offsets.map((o) => ({ partition: o.partition, offset: o.offset })).sort((a, b) => a.partition - b.partition);
  });
}

export interface PlanRangeOptions {
  /** Start at the earliest offset with a timestamp at or after this (ms); default: the low watermark. */
  fromTimestamp?: number;
  /**
   * Stop before the earliest offset with a timestamp at or after this (ms), if that comes before
   * the high watermark; default: the high watermark as of now.
   */
  untilTimestamp?: number;
}

/**
 * The offsets to read for a time range, per partition: `start` from the timestamp index, `end` the
 * high watermark captured now (records written later are never read), or earlier when a record at or
 * after `untilTimestamp` exists. Timestamps are the records' own (CreateTime unless the topic says
 * LogAppendTime); a caller whose timestamps are not monotonic should widen the range and filter.
 */
export async function planTopicRange(kafka: Kafka, topic: string, opts: PlanRangeOptions = {}): Promise<TopicRange> {
  return withAdmin(kafka, async (admin) => {
    await assertTopic(admin, topic);
    const marks = await admin.fetchTopicOffsets(topic);
    const starts = opts.fromTimestamp === undefined ? null : await admin.fetchTopicOffsetsByTimestamp(topic, opts.fromTimestamp);
    const ends = opts.untilTimestamp === undefined ? null : await admin.fetchTopicOffsetsByTimestamp(topic, opts.untilTimestamp);
    const partitions = marks
      .map((m): PartitionRange => {
        const low = BigInt(m.low);
        const high = BigInt(m.high);
        const s = starts?.find((x) => x.partition === m.partition)?.offset;
        const e = ends?.find((x) => x.partition === m.partition)?.offset;
        let start = s === undefined ? low : BigInt(s);
        let end = e === undefined ? high : BigInt(e);
        if (start < low) start = low;
        if (end > high || end < 0n) end = high;
        if (start > end) start = end;
        return { partition: m.partition, start: start.toString(), end: end.toString(), low: m.low, high: m.high };
      })
      .sort((a, b) => a.partition - b.partition);
    return { topic, partitions };
  });
}

/** Records a range holds at most (the sum of `end - start`). */
export function rangeSize(range: TopicRange): number {
  return range.partitions.reduce((n, p) => n + Number(BigInt(p.end) - BigInt(p.start)), 0);
}

export interface ReadRangeOptions {
  /** Called with each partition's records in offset order (never across partitions); awaited. */
  onBatch(records: RangeRecord[]): void | Promise<void>;
  /** Stops reading (the result says `complete: false`). */
  signal?: AbortSignal;
  /** Prefix of the throwaway group id. Default `vigil-range-reader`. */
  groupIdPrefix?: string;
  /** Fetch size per partition. Default 8 MiB. */
  maxBytesPerPartition?: number;
}

export interface ReadRangeResult {
  /** Every partition was read to its end. */
  complete: boolean;
  /** Records handed to onBatch. */
  records: number;
  /** Per partition, the next offset that would have been read. */
  positions: { partition: number; next: string; end: string }[];
  /** The throwaway group that was used (and deleted). */
  groupId: string;
  /** Times the consumer was started again after a retriable crash (at most 5). */
  restarts: number;
}

/** Restarts of the reader's consumer after retriable crashes, per read. */
const MAX_RESTARTS = 5;

/**
 * Reads `[start, end)` of every partition of a range. Never commits an offset. Resolves when every
 * partition reached its end, or when `signal` aborts; rejects when the consumer crashes for good (a
 * non-retriable error, or a retriable one after MAX_RESTARTS restarts) or onBatch throws.
 */
export async function readTopicRange(kafka: Kafka, range: TopicRange, opts: ReadRangeOptions): Promise<ReadRangeResult> {
  let restarts = 0;
  const next = new Map<number, bigint>();
  const ends = new Map<number, bigint>();
  for (const p of range.partitions) {
    next.set(p.partition, BigInt(p.start));
    ends.set(p.partition, BigInt(p.end));
  }
  const open = new Set(range.partitions.filter((p) => BigInt(p.start) < BigInt(p.end)).map((p) => p.partition));
  const groupId = `${opts.groupIdPrefix ?? 'vigil-range-reader'}-${randomBytes(8).toString('hex')}`;
  let records = 0;
  const positions = () => range.partitions.map((p) => ({ partition: p.partition, next: (next.get(p.partition) as bigint).toString(), end: p.end }));
  if (open.size === 0 || opts.signal?.aborted) return { complete: open.size === 0, records, positions: positions(), groupId, restarts };

  const consumer = kafka.consumer({
    groupId,
    maxWaitTimeInMs: 100,
    sessionTimeout: 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: opts.maxBytesPerPartition ?? 8 * 1024 * 1024,
    maxBytes: 64 * 1024 * 1024,
    allowAutoTopicCreation: false,
    // A retriable crash (e.g. "the coordinator is loading" at join, seen on a starved CI broker; or
    // the connection lost for longer than the retries) restarts the consumer a few times: it rejoins
    // and seeks back to where it was (GROUP_JOIN below). kafkajs asks this only for retriable errors.
    retry: {
      retries: 8,
      restartOnFailure: async () => {
        if (restarts >= MAX_RESTARTS) return false;
        restarts++;
        return true;
      },
    },
  });
  let finish: (complete: boolean) => void = () => undefined;
  let fail: (e: unknown) => void = () => undefined;
  const done = new Promise<boolean>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const onAbort = () => finish(false);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const removeCrash = consumer.on(consumer.events.CRASH, (e) => {
    const { error, restart } = e.payload as { error?: unknown; restart?: boolean };
    if (restart === true) return; // kafkajs starts it again
    fail(error instanceof Error ? error : new Error(`range reader crashed: ${String(error)}`));
  });
  // Every join (the first, and after a restart or a rebalance) resumes each open partition at the
  // next offset to read (nothing is committed: without a seek it would start at the beginning) and
  // pauses the others (a restarted consumer has forgotten its pauses; an empty range never had one).
  const removeJoin = consumer.on(consumer.events.GROUP_JOIN, () => {
    for (const p of open) consumer.seek({ topic: range.topic, partition: p, offset: (next.get(p) as bigint).toString() });
    const finished = range.partitions.map((p) => p.partition).filter((p) => !open.has(p));
    if (finished.length) consumer.pause([{ topic: range.topic, partitions: finished }]);
  });
  const close = (partition: number) => {
    if (!open.delete(partition)) return;
    consumer.pause([{ topic: range.topic, partitions: [partition] }]);
    if (open.size === 0) finish(true);
  };

  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [range.topic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async ({ batch, isRunning, isStale, resolveOffset }) => {
        const partition = batch.partition;
        if (!open.has(partition) || !isRunning() || isStale() || opts.signal?.aborted) return;
        const end = ends.get(partition) as bigint;
        let pos = next.get(partition) as bigint;
        const out: RangeRecord[] = [];
        let reachedEnd = false;
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (offset < pos) continue;
          if (offset >= end) {
            reachedEnd = true;
            break;
          }
          out.push({
            topic: range.topic,
            partition,
            offset: m.offset,
            key: m.key ?? null,
            value: m.value ?? null,
            headers: m.headers ?? {},
            timestamp: m.timestamp,
          });
          pos = offset + 1n;
        }
        if (out.length) {
          try {
            await opts.onBatch(out);
          } catch (e) {
            fail(e);
            return;
          }
          records += out.length;
        }
        // Offsets may have gaps (compaction, transaction markers): the fetched batch tells how far it went.
        if (!reachedEnd) {
          const last = BigInt(batch.lastOffset());
          if (last + 1n > pos) pos = last + 1n;
        }
        next.set(partition, pos < end ? pos : end);
        // Moves kafkajs' in-memory fetch position past this batch (without it, it fetches the same
        // batch again). Nothing is committed: autoCommit is off and commitOffsets is never called.
        if (pos > 0n) resolveOffset((pos - 1n).toString());
        if (reachedEnd || pos >= end) close(partition);
      },
    });
    const complete = await done;
    return { complete, records, positions: positions(), groupId, restarts };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
    removeCrash();
    removeJoin();
    await consumer.disconnect().catch(() => undefined);
    await deleteThrowawayGroup(kafka, groupId);
  }
}

/** Deletes a group this module created, retrying while the coordinator still sees the member leave. */
async function deleteThrowawayGroup(kafka: Kafka, groupId: string): Promise<void> {
  await withAdmin(kafka, async (admin) => {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        await admin.deleteGroups([groupId]);
        return;
      } catch (e) {
        const text = String((e as Error)?.message ?? e);
        if (/does not exist|GROUP_ID_NOT_FOUND/i.test(text)) return;
        await new Promise((r) => setTimeout(r, 200 * (attempt + 1)));
      }
    }
  }).catch(() => undefined);
}
