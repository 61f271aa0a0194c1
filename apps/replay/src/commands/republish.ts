import { allTopicSpecs, prefixedTopic, toKafkaRecord, type VigilEvent } from '@vigil/contracts';
import { createTopic, EventPublisher, topicPartitionCount, topicRetentionMs, type RawMessage } from '@vigil/messaging';
import type { CommandSpec, Opts } from '../cli/args';
import { InterruptedError, RefusedError } from '../cli/errors';
import type { ReplayContext } from '../context';
import { eventInstant, parseEventLine, passesFilter, serializeEvent, STREAM_KINDS, STREAM_TOPICS, timeSortKey, type StreamKind } from '../events/events';
import { readNdjsonLines } from '../io/ndjson';
import { lineSpool } from '../io/spool';
import { chooseSource, readRange } from '../sources/read';
import { FILTER_OPTIONS, parseFilter, parseLateGrace, parseRange, SOURCE_OPTIONS } from './common';

export const republishSpec: CommandSpec = {
  name: 'republish',
  summary: 'publish a range (or an exported file) into a sandbox topic at a rate limit',
  description: `
Publishes events into --to-topic (a full topic name) in event-time order (then tenant, patient,
check-in id, event id), each with its own id, time and key (the patient id) and the record timestamp
of its time, in the CloudEvents binary mode every Vigil service writes. Input: a range of a stream
(--stream, --from, --to, as export reads it) or an NDJSON file written by export (--input).

Refuses (exit 3) a production topic name (any topic of the contracts, with or without the configured
TOPIC_PREFIX) unless --force. Records carry their events' own (past) times and the broker's retention
counts from them: a topic created here keeps records forever (retention.ms=-1; delete it when done),
and an existing topic whose retention would delete the oldest event within a day is refused (exit 3)
unless --force. --rate caps events per second. Ctrl-C stops after the batch in flight
and prints the --skip that continues where it stopped.`,
  options: [
    {
      name: 'to-topic',
      type: 'string',
      required: true,
      valueName: 'TOPIC',
      description: 'target topic, full name (e.g. sandbox.checkins.v1: a scorer run with TOPIC_PREFIX=sandbox. reads it)',
    },
    { name: 'rate', type: 'string', default: '1000', valueName: 'N', description: 'events per second at most' },
    { name: 'input', short: 'i', type: 'string', valueName: 'FILE', description: 'NDJSON(.gz) file from export, instead of reading a range' },
    { name: 'stream', type: 'string', choices: STREAM_KINDS, default: 'checkins', description: 'stream to read when no --input is given' },
    { name: 'from', type: 'string', valueName: 'ISO', description: 'start of the range (inclusive); required without --input, optional filter with it' },
    { name: 'to', type: 'string', valueName: 'ISO', description: 'end of the range (exclusive); required without --input, optional filter with it' },
    ...FILTER_OPTIONS,
    ...SOURCE_OPTIONS,
    {
      name: 'skip',
      type: 'string',
      default: '0',
      valueName: 'N',
      description: 'skip the first N events of the ordered input (to continue an interrupted run)',
    },
    { name: 'create-topic', type: 'boolean', description: 'create --to-topic if it does not exist' },
    { name: 'partitions', type: 'string', valueName: 'N', description: 'partitions of a created topic (default: as many as the source stream topic, else 3)' },
    { name: 'force', type: 'boolean', description: 'allow a production topic name (you almost certainly do not want this)' },
  ],
  examples: [
    'replay republish --from 2026-01-01 --to 2026-01-08 --to-topic sandbox.checkins.v1 --create-topic --rate 500',
    'replay republish --input checkins-jan.ndjson.gz --to-topic sandbox.checkins.v1 --rate 2000',
  ],
};

/** Every topic name that production (or the configured environment) uses. */
export function productionTopicNames(prefix: string): Set<string> {
  const names = new Set<string>();
  for (const spec of allTopicSpecs()) {
    names.add(spec.name);
    names.add(prefixedTopic(spec.name, prefix));
  }
  return names;
}

/** Events per batch for a rate: about 20 batches a second, 1 to 500 events each. */
export function batchSizeFor(rate: number): number {
  return Math.max(1, Math.min(500, Math.floor(rate / 20)));
}

/** When (ms after the start) the batch that begins after `sent` events may go, at `rate` events/s. */
export function releaseAt(sent: number, rate: number): number {
  return (sent / rate) * 1000;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** Events this close to a topic's retention would be deleted too soon to be of use. */
const RETENTION_MARGIN_MS = 86_400_000;

/**
 * Refuses (unless forced) to publish events the target topic would delete at its next retention
 * check (every 5 min by default): retention counts from the record timestamp, the event's own time.
 */
export function refuseExpiringEvents(topic: string, retentionMs: number, oldestAt: number, force: boolean, now = Date.now()): void {
  if (force || retentionMs < 0 || !Number.isFinite(oldestAt) || oldestAt >= now - retentionMs + RETENTION_MARGIN_MS) return;
  const days = (retentionMs / 86_400_000).toFixed(1);
  throw new RefusedError(
    `refusing to publish into ${topic}: it deletes records older than ${days} days (retention.ms=${retentionMs}, counted from each record's timestamp, the event's own time), and the oldest event to publish is from ${new Date(oldestAt).toISOString()}: the broker would delete it within minutes, or within a day. Set retention.ms=-1 on the topic, or republish into a new topic with --create-topic (which does), or --force. Nothing was published.`,
  );
}

export async function runRepublish(ctx: ReplayContext, o: Opts): Promise<void> {
  const target = o.req('to-topic');
  if (!/^[a-zA-Z0-9._-]{1,249}$/.test(target)) throw o.usage('--to-topic must be a valid Kafka topic name (letters, digits, . _ -)');
  if (productionTopicNames(ctx.prefix).has(target) && !o.bool('force')) {
    throw new RefusedError(
      `refusing to publish into ${target}: it is a production topic name (TOPIC_PREFIX=${JSON.stringify(ctx.prefix)}). Use a sandbox topic, or --force if you really mean it. Nothing was published.`,
    );
  }
  const rate = o.num('rate', 0.001, 1_000_000) as number;
  const skip = o.int('skip', 0, Number.MAX_SAFE_INTEGER) ?? 0;
  const input = o.str('input');
  const kind = (o.str('stream') ?? 'checkins') as StreamKind;
  const filter = parseFilter(o);
  let range: { from: number; to: number } | null = null;
  if (!input || o.str('from') !== undefined || o.str('to') !== undefined) {
    if (o.str('from') === undefined || o.str('to') === undefined) throw o.usage(input ? '--from and --to go together' : 'give --from and --to, or --input');
    range = parseRange(o);
  }
  const partitionsOpt = o.int('partitions', 1, 10_000);

  const kafka = ctx.kafka();
  let partitions = await topicPartitionCount(kafka, target);
  let retentionMs: number;
  if (partitions === null) {
    if (!o.bool('create-topic')) throw new Error(`topic ${target} does not exist; pass --create-topic to create it`);
    partitions = partitionsOpt ?? (await topicPartitionCount(kafka, ctx.topic(STREAM_TOPICS[kind]))) ?? 3;
    await createTopic(kafka, { topic: target, partitions, replicationFactor: ctx.config.KAFKA_REPLICATION_FACTOR, config: { 'retention.ms': '-1' } });
    ctx.note(`created topic ${target} with ${partitions} partitions, retention unlimited (its records carry their events' past times); delete it when done`);
    retentionMs = -1;
  } else {
    retentionMs = await topicRetentionMs(kafka, target);
  }

  const spool = lineSpool({ maxInMemory: ctx.config.REPLAY_SORT_MEMORY_EVENTS, tmpDir: ctx.config.REPLAY_TMP_DIR });
  const publisher = new EventPublisher(kafka, { topicPrefix: '', ackTimeoutMs: 15_000 });
  let published = 0;
  let total = 0;
  let oldestAt = Infinity;
  try {
    if (input) {
      ctx.progress.start(`reading ${input}`, undefined, 'lines');
      let lineNo = 0;
      for await (const line of readNdjsonLines(input)) {
        lineNo++;
        let e: VigilEvent;
        try {
          e = parseEventLine(line);
        } catch (err) {
          throw o.usage(`${input}:${lineNo}: not an event line (${(err as Error).message})`);
        }
        const at = eventInstant(e);
        ctx.progress.tick();
        if (range && !(at >= range.from && at < range.to)) continue;
        if (!passesFilter(filter, e.tenantid, e.subject)) continue;
        if (at < oldestAt) oldestAt = at;
        const p = spool.add(timeSortKey(e, Number.isFinite(at) ? at : 0), serializeEvent(e));
        if (p) await p;
        if (ctx.signal.aborted) throw new InterruptedError(`interrupted while reading ${input} (line ${lineNo}); nothing published`);
      }
      ctx.progress.done();
    } else {
      const r = range as { from: number; to: number };
      const { source, reason } = await chooseSource(ctx, kind, r.from, o.str('source') ?? 'auto');
      ctx.note(`source: ${source} (${reason})`);
      const read = await readRange(ctx, { kind, from: r.from, to: r.to, filter, source, lateGraceMs: parseLateGrace(o) }, (e, at) => {
        if (at < oldestAt) oldestAt = at;
        return spool.add(timeSortKey(e, at), serializeEvent(e));
      });
      if (!read.complete) throw new InterruptedError(`interrupted while reading: ${read.stats.events} events read (${read.position}); nothing published`);
    }

    total = spool.size;
    refuseExpiringEvents(target, retentionMs, oldestAt, o.bool('force'));
    const batchSize = batchSizeFor(rate);
    await publisher.connect();
    ctx.progress.start(`publishing to ${target} at ${rate}/s`, Math.max(0, total - skip));
    let index = 0;
    let batch: RawMessage[] = [];
    const t0 = Date.now();
    let sent = 0;
    const send = async () => {
      if (batch.length === 0) return;
      await sleep(t0 + releaseAt(sent, rate) - Date.now(), ctx.signal);
      if (ctx.signal.aborted) return;
      await publisher.publishRaw(target, batch);
      sent += batch.length;
      published = skip + sent;
      ctx.progress.tick(batch.length);
      batch = [];
    };
    for await (const { item } of spool.drain({ dedupe: true })) {
      if (index++ < skip) continue;
      batch.push(toKafkaRecord(parseEventLine(item)));
      if (batch.length >= batchSize) await send();
      if (ctx.signal.aborted) break;
    }
    if (!ctx.signal.aborted) await send();
    if (ctx.signal.aborted) {
      throw new InterruptedError(`interrupted: published ${published} of ${total} events to ${target}; run again with --skip ${published} to continue`);
    }
    ctx.progress.done();
    const secs = (Date.now() - t0) / 1000;
    ctx.note(
      `published ${sent} events to ${target}${skip ? ` (after skipping ${skip})` : ''} in ${secs.toFixed(1)} s (${(sent / Math.max(secs, 0.001)).toFixed(1)}/s, limit ${rate}/s)`,
    );
    ctx.out(JSON.stringify({ topic: target, published: sent, skipped: Math.min(skip, total), total, rateLimit: rate }));
  } finally {
    await publisher.disconnect().catch(() => undefined);
    await spool.dispose();
  }
}
