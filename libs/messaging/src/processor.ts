/**
 * The consuming loop of one partition's batch, free of kafkajs and Nest so it can be unit tested:
 * decode, call the handler, retry transient errors forever, dead-letter poison, commit after the work.
 */
import { DLQ_HEADERS, EventDecodeError, fromKafkaRecord } from '@vigil/contracts';
import type { IHeaders } from 'kafkajs';
import { backoffDelay, type BackoffOptions } from './backoff';
import type { BatchHandlerResult, ConsumedEvent, DeadLetterRequest } from './consumed-event';
import { describeError, isPoisonMessageError } from './errors';
import type { RawMessage } from './publisher';

/** A fetched record (the fields of a kafkajs message we use). */
export interface FetchedRecord {
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  headers?: IHeaders;
  timestamp: string;
}

export interface DeadLetter {
  record: FetchedRecord;
  reason: string;
  error: string;
}

export interface PartitionBatch {
  /** Full topic name (with prefix). */
  topic: string;
  /** Topic name without the prefix, as handlers see it. */
  baseTopic: string;
  partition: number;
  /** The consumer group, passed on to handlers (span attributes). */
  groupId?: string;
  records: FetchedRecord[];
}

export interface BatchHandlerSpec {
  batch: boolean;
  /** Calls the handler; resolves with what it returned, rejects with what it threw. */
  invoke(payload: ConsumedEvent | ConsumedEvent[]): Promise<unknown>;
}

export interface ProcessorDeps {
  handler: BatchHandlerSpec;
  /** Writes dead letters (acks -1); rejects when it could not, which is retried like a handler error. */
  deadLetter(items: DeadLetter[]): Promise<void>;
  resolveOffset(offset: string): void;
  /** Commits `nextOffset` (the offset after the last one done) for this partition. */
  commit(nextOffset: string): Promise<void>;
  /** True once the consumer is stopping, the partition is revoked or a rebalance is pending. */
  shouldStop(): boolean;
  /** An abortable sleep (the transport keeps heartbeating meanwhile). */
  sleep(ms: number): Promise<void>;
  backoff: BackoffOptions;
  /** Largest slice of a batch given to a batch handler at once. */
  chunkSize: number;
  /** In per-message mode, commit at least this often within a long batch. */
  commitIntervalMs: number;
  random?: () => number;
  onProcessed?(count: number, lastOffset: string): void;
  onRetry?(error: unknown, attempt: number, delayMs: number): void;
  onDeadLettered?(items: DeadLetter[]): void;
}

export interface ProcessOutcome {
  /** The next offset committed by this call, or null when nothing was. */
  committed: string | null;
  /** Number of records done (handled or dead-lettered). */
  done: number;
  /** Whether the loop stopped before the end of the batch. */
  stopped: boolean;
}

const STOPPED = Symbol('stopped');

export function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

type Decoded = { ok: true; consumed: ConsumedEvent } | { ok: false; dead: DeadLetter };

/** `source`: the broker's topic name and the consumer group, copied onto the ConsumedEvent. */
export function decodeRecord(record: FetchedRecord, baseTopic: string, partition: number, source: { kafkaTopic?: string; groupId?: string } = {}): Decoded {
  try {
    const event = fromKafkaRecord({ key: record.key, value: record.value, headers: record.headers, timestamp: record.timestamp });
    return {
      ok: true,
      consumed: {
        event,
        topic: baseTopic,
        ...source,
        partition,
        offset: record.offset,
        key: record.key === null ? null : record.key.toString(),
        timestamp: record.timestamp,
      },
    };
  } catch (e) {
    if (e instanceof EventDecodeError) return { ok: false, dead: { record, reason: e.reason, error: e.message } };
    return { ok: false, dead: { record, reason: 'decode-failed', error: describeError(e) } };
  }
}

/** Dead letters a handler returned, wherever they sit in what it returned (Nest joins several handlers of one pattern as `{ current, next }`). */
export function collectDeadLetters(result: unknown, depth = 0): DeadLetterRequest[] {
  if (depth > 8 || typeof result !== 'object' || result === null) return [];
  const out: DeadLetterRequest[] = [];
  const r = result as BatchHandlerResult & { current?: unknown; next?: unknown };
  if (Array.isArray(r.deadLetters)) {
    for (const d of r.deadLetters) {
      if (d && typeof d === 'object') out.push({ offset: String(d.offset), reason: String(d.reason ?? 'handler-rejected'), error: String(d.error ?? '') });
    }
  }
  if ('current' in r) out.push(...collectDeadLetters(r.current, depth + 1));
  if ('next' in r) out.push(...collectDeadLetters(r.next, depth + 1));
  return out;
}

type Invocation = { kind: 'ok'; deadLetters: DeadLetterRequest[] } | { kind: 'poison'; reason: string; error: string };

async function invoke(deps: ProcessorDeps, payload: ConsumedEvent | ConsumedEvent[]): Promise<Invocation> {
  try {
    const result = await deps.handler.invoke(payload);
    return { kind: 'ok', deadLetters: collectDeadLetters(result) };
  } catch (e) {
    if (isPoisonMessageError(e)) return { kind: 'poison', reason: e.reason, error: describeError(e) };
    throw e;
  }
}

/** Runs `fn` until it succeeds, with backoff between attempts; gives up only when told to stop. */
async function retrying<T>(deps: ProcessorDeps, fn: () => Promise<T>): Promise<T | typeof STOPPED> {
  for (let attempt = 0; ; attempt++) {
    if (deps.shouldStop()) return STOPPED;
    try {
      return await fn();
    } catch (e) {
      const delay = backoffDelay(attempt, deps.backoff, deps.random);
      deps.onRetry?.(e, attempt, delay);
      if (deps.shouldStop()) return STOPPED;
      await deps.sleep(delay);
    }
  }
}

async function writeDeadLetters(deps: ProcessorDeps, items: DeadLetter[]): Promise<boolean> {
  if (items.length === 0) return true;
  const r = await retrying(deps, () => deps.deadLetter(items));
  if (r === STOPPED) return false;
  deps.onDeadLettered?.(items);
  return true;
}

/**
 * Processes one partition's batch in offset order. Offsets are resolved and committed only after
 * the handler's work (and any dead-letter write) succeeded; on stop, what is done is committed and
 * the rest stays for the next fetch or the next owner of the partition.
 */
export async function processPartitionBatch(batch: PartitionBatch, deps: ProcessorDeps): Promise<ProcessOutcome> {
  return deps.handler.batch ? processBatchMode(batch, deps) : processPerMessage(batch, deps);
}

async function processPerMessage(batch: PartitionBatch, deps: ProcessorDeps): Promise<ProcessOutcome> {
  let lastDone: string | null = null;
  let lastCommitted: string | null = null;
  let lastCommitAt = Date.now();
  let done = 0;
  let stopped = false;
  const commit = async () => {
    if (lastDone === null) return;
    const next = nextOffset(lastDone);
    if (next === lastCommitted) return;
    await deps.commit(next);
    lastCommitted = next;
    lastCommitAt = Date.now();
  };

  for (const record of batch.records) {
    if (deps.shouldStop()) {
      stopped = true;
      break;
    }
    const decoded = decodeRecord(record, batch.baseTopic, batch.partition, { kafkaTopic: batch.topic, groupId: batch.groupId });
    let dead: DeadLetter | null = null;
    if (!decoded.ok) {
      dead = decoded.dead;
    } else {
      const r = await retrying(deps, () => invoke(deps, decoded.consumed));
      if (r === STOPPED) {
        stopped = true;
        break;
      }
      if (r.kind === 'poison') dead = { record, reason: r.reason, error: r.error };
      else if (r.deadLetters.length) dead = { record, reason: r.deadLetters[0].reason, error: r.deadLetters[0].error };
    }
    if (dead && !(await writeDeadLetters(deps, [dead]))) {
      stopped = true;
      break;
    }
    deps.resolveOffset(record.offset);
    lastDone = record.offset;
    done++;
    deps.onProcessed?.(1, record.offset);
    if (Date.now() - lastCommitAt >= deps.commitIntervalMs) await commit();
  }
  await commit();
  return { committed: lastCommitted, done, stopped };
}

async function processBatchMode(batch: PartitionBatch, deps: ProcessorDeps): Promise<ProcessOutcome> {
  let lastCommitted: string | null = null;
  let done = 0;
  const chunkSize = Math.max(1, deps.chunkSize);
  for (let start = 0; start < batch.records.length; start += chunkSize) {
    if (deps.shouldStop()) return { committed: lastCommitted, done, stopped: true };
    const chunk = batch.records.slice(start, start + chunkSize);
    const r = await processChunk(batch, chunk, deps);
    if (r.doneCount > 0) {
      const last = chunk[r.doneCount - 1].offset;
      deps.resolveOffset(last);
      const next = nextOffset(last);
      await deps.commit(next);
      lastCommitted = next;
      done += r.doneCount;
      deps.onProcessed?.(r.doneCount, last);
    }
    if (r.doneCount < chunk.length) return { committed: lastCommitted, done, stopped: true };
  }
  return { committed: lastCommitted, done, stopped: false };
}

/** Handles a chunk; returns how many leading records of it are done (all, unless stopped). */
async function processChunk(batch: PartitionBatch, chunk: FetchedRecord[], deps: ProcessorDeps): Promise<{ doneCount: number }> {
  const decoded = chunk.map((record) => decodeRecord(record, batch.baseTopic, batch.partition, { kafkaTopic: batch.topic, groupId: batch.groupId }));
  const dead: DeadLetter[] = [];
  for (const d of decoded) if (!d.ok) dead.push(d.dead);
  const events = decoded.flatMap((d) => (d.ok ? [d.consumed] : []));
  const byOffset = new Map(chunk.map((r) => [r.offset, r]));

  let doneCount = chunk.length;
  if (events.length) {
    const r = await retrying(deps, () => invoke(deps, events));
    if (r === STOPPED) return { doneCount: 0 };
    if (r.kind === 'ok') {
      for (const d of r.deadLetters) {
        const record = byOffset.get(d.offset);
        if (record) dead.push({ record, reason: d.reason, error: d.error });
      }
    } else {
      // The batch as a whole is poisoned: find the culprit(s) by handing the events over one at a time.
      // Handlers are idempotent (at-least-once), so repeating the good ones is harmless.
      doneCount = 0;
      for (let i = 0; i < chunk.length; i++) {
        const d = decoded[i];
        if (d.ok) {
          const one = await retrying(deps, () => invoke(deps, [d.consumed]));
          if (one === STOPPED) break;
          if (one.kind === 'poison') dead.push({ record: chunk[i], reason: one.reason, error: one.error });
          else for (const x of one.deadLetters) if (x.offset === chunk[i].offset) dead.push({ record: chunk[i], reason: x.reason, error: x.error });
        }
        doneCount = i + 1;
      }
    }
  }
  const limit = doneCount > 0 ? BigInt(chunk[doneCount - 1].offset) : -1n;
  const toWrite = dead.filter((d) => BigInt(d.record.offset) <= limit).sort((a, b) => (BigInt(a.record.offset) < BigInt(b.record.offset) ? -1 : 1));
  if (!(await writeDeadLetters(deps, toWrite))) return { doneCount: 0 };
  return { doneCount };
}

export interface DeadLetterContext {
  sourceTopic: string;
  partition: number;
  groupId: string;
  now?: Date;
}

/**
 * The dead-letter record: the original key, bytes and headers, plus the DLQ_HEADERS. It is stamped
 * with the time it failed, the original timestamp kept in a header: DLQ retention counts from the
 * record timestamp, and an event's is its own time (a check-in's, when it was measured), so a
 * check-in measured 29 days ago would otherwise be deleted from a 30-day DLQ within a day of failing,
 * and one older than 30 days at the next retention check, minutes later.
 */
export function deadLetterRecord(d: DeadLetter, ctx: DeadLetterContext): RawMessage {
  const headers: IHeaders = {};
  const ours = new Set<string>(Object.values(DLQ_HEADERS));
  for (const [k, v] of Object.entries(d.record.headers ?? {})) if (!ours.has(k) && v !== undefined) headers[k] = v;
  headers[DLQ_HEADERS.reason] = d.reason;
  headers[DLQ_HEADERS.error] = d.error.slice(0, 500);
  headers[DLQ_HEADERS.sourceTopic] = ctx.sourceTopic;
  headers[DLQ_HEADERS.sourcePartition] = String(ctx.partition);
  headers[DLQ_HEADERS.sourceOffset] = d.record.offset;
  headers[DLQ_HEADERS.consumerGroup] = ctx.groupId;
  const failedAt = ctx.now ?? new Date();
  headers[DLQ_HEADERS.failedAt] = failedAt.toISOString();
  headers[DLQ_HEADERS.sourceTimestamp] = d.record.timestamp;
  return { key: d.record.key, value: d.record.value, headers, timestamp: String(failedAt.getTime()) };
}
