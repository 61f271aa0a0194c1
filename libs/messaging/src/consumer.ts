import { DLQ_SUFFIX, TOPIC_SPECS, dlqTopic, prefixedTopic } from '@vigil/contracts';
import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { backoffDelay, sleep, type BackoffOptions } from './backoff';
import { KafkaEventContext, type ConsumedEvent } from './consumed-event';
import { describeError } from './errors';
import type { MessagingLogger } from './log';
import { deadLetterRecord, nextOffset, processPartitionBatch, type DeadLetter, type FetchedRecord } from './processor';
import { GROUP_DEFAULTS } from './group-settings';
import { EventPublisher } from './publisher';
import { createKafka, isKafkaClient, loggerFor, settingsPrefix, type KafkaSettings } from './settings';

export interface BatchConsumerOptions {
  /** Settings (a client is created and owned) or a client made by createKafka (shared, not disconnected). */
  kafka: KafkaSettings | Kafka;
  groupId: string;
  /** Default: the prefix in the settings. */
  topicPrefix?: string;
  /** Where a group without committed offsets starts. Default true (nothing is skipped). */
  fromBeginning?: boolean;
  /** Partitions processed at once (kafkajs partitionsConsumedConcurrently). Default 3. */
  partitionsConcurrently?: number;
  /** Backoff of transient handler failures. Default 200 ms doubling to 30 s, with jitter, forever. */
  retry?: BackoffOptions;
  /** Default 8000 ms (GROUP_DEFAULTS). */
  sessionTimeoutMs?: number;
  /** Default 1000 ms (GROUP_DEFAULTS). */
  heartbeatIntervalMs?: number;
  /** How long a rebalance waits for the live members to rejoin. Default 20000 ms (GROUP_DEFAULTS). */
  rebalanceTimeoutMs?: number;
  /** Dead-letter poison messages to `<topic>.dlq`. Default true. Topics whose TopicSpec has no DLQ, or dlq false: logged and skipped. */
  dlq?: boolean;
  /** Longest a fetch waits for data (also bounds how fast an idle consumer stops). Default 500 ms. */
  maxWaitTimeMs?: number;
  /** Largest slice of a batch handed to a BATCH handler. Default 500. */
  maxBatchSize?: number;
  /** Per-message handlers: commit at least this often within a long batch. Default 5000 ms. */
  commitIntervalMs?: number;
  /** How long close() waits for in-flight handlers before disconnecting anyway. Default 25000 ms. */
  shutdownTimeoutMs?: number;
  /** Producer acknowledgement timeout for dead letters. Default 5000 ms. */
  dlqAckTimeoutMs?: number;
  /**
   * How often the high watermarks of this member's partitions are read from the broker, so the lag
   * keeps growing while a partition is held (retrying, paused) and kafkajs fetches nothing. 0: never. Default 5000 ms.
   */
  lagRefreshMs?: number;
}

/** A handler of one base topic. */
export interface TopicHandler {
  batch?: boolean;
  handle(payload: ConsumedEvent | ConsumedEvent[], ctx: KafkaEventContext): unknown;
}

export interface PartitionStats {
  topic: string;
  partition: number;
  /** Last committed next-offset (what the group resumes from), or null if none committed in this process. */
  committedOffset: string | null;
  lastProcessedOffset: string | null;
  highWatermark: string | null;
  /** highWatermark minus the next offset to process, when known. */
  lag: number | null;
  retrying: boolean;
}

export interface ConsumerStats {
  groupId: string;
  ready: boolean;
  processed: number;
  failed: number;
  deadLettered: number;
  /** Poison messages logged and skipped because the topic has no dead-letter topic. */
  skipped: number;
  inFlightBatches: number;
  partitions: PartitionStats[];
}

interface PartitionState {
  topic: string;
  partition: number;
  committed: string | null;
  lastProcessed: string | null;
  /** First offset of the last fetched batch: the position when nothing was processed here yet. */
  fetchedFrom: string | null;
  highWatermark: string | null;
  retrying: boolean;
}

/** The next offset this member will process: the furthest of what it processed, committed or fetched. */
function position(p: PartitionState): bigint | null {
  let best: bigint | null = null;
  for (const o of [p.lastProcessed !== null ? nextOffset(p.lastProcessed) : null, p.committed, p.fetchedFrom]) {
    if (o !== null && (best === null || BigInt(o) > best)) best = BigInt(o);
  }
  return best;
}

const TOPICS_WITHOUT_DLQ = new Set<string>(TOPIC_SPECS.filter((s) => !s.hasDlq).map((s) => s.name));

/** kafkajs marks errors a rejoin fixes. */
function isRebalanceError(e: unknown): boolean {
  const t = (e as { type?: string } | null)?.type;
  return t === 'REBALANCE_IN_PROGRESS' || t === 'NOT_COORDINATOR_FOR_GROUP' || t === 'ILLEGAL_GENERATION' || t === 'UNKNOWN_MEMBER_ID';
}

function isKafkaJsError(e: unknown): boolean {
  const n = (e as { name?: string } | null)?.name;
  return typeof n === 'string' && n.startsWith('KafkaJS');
}

/**
 * A consumer-group member over kafkajs `eachBatch` with the delivery semantics of DESIGN.md
 * "Delivery" (see README.md). KafkaBatchServer is its NestJS face (every
 * service uses it through that; `new BatchConsumer(options, handlers)` outside Nest).
 */
export class BatchConsumer {
  private readonly kafka: Kafka;
  private readonly prefix: string;
  private readonly log: MessagingLogger;
  private readonly publisher: EventPublisher;
  private readonly handlers = new Map<string, TopicHandler>();
  private consumer: Consumer | null = null;
  private ready = false;
  private started = false;
  private stopping = false;
  private readonly abort = new AbortController();
  private restartTimer: ReturnType<typeof setTimeout> | null = null;
  private restartAttempt = 0;
  private readonly partitions = new Map<string, PartitionState>();
  private inFlight = 0;
  private readonly counters = { processed: 0, failed: 0, deadLettered: 0, skipped: 0 };
  private readonly listeners: [string, (e: unknown) => void][] = [];
  private lagTimer: ReturnType<typeof setInterval> | null = null;
  private admin: { client: Admin; connected: Promise<void> } | null = null;
  private refreshingLag = false;

  constructor(
    private readonly opts: BatchConsumerOptions,
    handlers: Map<string, TopicHandler> | Record<string, TopicHandler> = {},
  ) {
    this.kafka = isKafkaClient(opts.kafka) ? opts.kafka : createKafka(opts.kafka);
    this.prefix = opts.topicPrefix ?? (isKafkaClient(opts.kafka) ? settingsPrefix(opts.kafka) : opts.kafka.topicPrefix) ?? '';
    this.log = loggerFor(this.kafka, 'vigil.messaging.consumer');
    this.publisher = new EventPublisher(this.kafka, { topicPrefix: this.prefix, lingerMs: 0, ackTimeoutMs: opts.dlqAckTimeoutMs ?? 5000 });
    const entries = handlers instanceof Map ? [...handlers.entries()] : Object.entries(handlers);
    for (const [topic, h] of entries) this.setHandler(topic, h);
  }

  /** Registers the handler of a base topic (before start). */
  setHandler(baseTopic: string, handler: TopicHandler): void {
    if (this.started) throw new Error('handlers must be registered before start()');
    this.handlers.set(baseTopic, handler);
  }

  topics(): string[] {
    return [...this.handlers.keys()];
  }

  /** Connects, subscribes and starts consuming. Rejects if Kafka cannot be reached (call again to retry). */
  async start(): Promise<void> {
    if (this.stopping) throw new Error('consumer is stopped');
    if (this.handlers.size === 0) throw new Error('no topics to consume: register at least one handler');
    this.started = true;
    await this.publisher.connect().catch((e: unknown) => {
      // Dead letters are rare; the publisher keeps reconnecting on its own.
      this.log.warn({ error: describeError(e) }, 'dead-letter producer not connected yet');
    });
    const consumer = this.kafka.consumer({
      groupId: this.opts.groupId,
      sessionTimeout: this.opts.sessionTimeoutMs ?? GROUP_DEFAULTS.sessionTimeoutMs,
      heartbeatInterval: this.heartbeatIntervalMs(),
      rebalanceTimeout: this.opts.rebalanceTimeoutMs ?? GROUP_DEFAULTS.rebalanceTimeoutMs,
      maxWaitTimeInMs: this.opts.maxWaitTimeMs ?? 500,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    this.attachInstrumentation(consumer);
    try {
      await consumer.connect();
      await consumer.subscribe({ topics: this.topics().map((t) => prefixedTopic(t, this.prefix)), fromBeginning: this.opts.fromBeginning ?? true });
      await consumer.run({
        autoCommit: false,
        eachBatchAutoResolve: false,
        partitionsConsumedConcurrently: Math.max(1, this.opts.partitionsConcurrently ?? 3),
        eachBatch: (payload) => this.eachBatch(payload),
      });
    } catch (e) {
      this.consumer = null;
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    this.restartAttempt = 0;
  }

  /** Starts, retrying with backoff in the background until it works or stop() is called. Resolves after the first attempt. */
  async startInBackground(): Promise<void> {
    try {
      await this.start();
    } catch (e) {
      if (this.stopping) return;
      this.log.warn({ groupId: this.opts.groupId, error: describeError(e) }, 'cannot start the consumer yet; retrying in the background');
      this.scheduleRestart();
    }
  }

  /** True once the consumer has joined its group (readiness). */
  isReady(): boolean {
    return this.ready && !this.stopping;
  }

  /** Resolves when isReady(), rejects after timeoutMs. */
  async whenReady(timeoutMs = 30_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!this.isReady()) {
      if (Date.now() > until) throw new Error(`consumer group ${this.opts.groupId} not joined within ${timeoutMs} ms`);
      await sleep(20);
    }
  }

  stats(): ConsumerStats {
    return {
      groupId: this.opts.groupId,
      ready: this.isReady(),
      ...this.counters,
      inFlightBatches: this.inFlight,
      partitions: [...this.partitions.values()].map((p) => {
        const next = position(p);
        return {
          topic: p.topic,
          partition: p.partition,
          committedOffset: p.committed,
          lastProcessedOffset: p.lastProcessed,
          highWatermark: p.highWatermark,
          lag: p.highWatermark !== null && next !== null ? Math.max(0, Number(BigInt(p.highWatermark) - next)) : null,
          retrying: p.retrying,
        };
      }),
    };
  }

  /** Stops fetching a base topic (all its partitions) until resume(). */
  pause(baseTopic: string): void {
    this.consumer?.pause([{ topic: prefixedTopic(baseTopic, this.prefix) }]);
  }

  resume(baseTopic: string): void {
    this.consumer?.resume([{ topic: prefixedTopic(baseTopic, this.prefix) }]);
  }

  /** kafkajs instrumentation events (`consumer.events.*` names), kept across internal restarts. */
  on(event: string, listener: (e: unknown) => void): void {
    this.listeners.push([event, listener]);
    this.consumer?.on(event as never, listener as never); // kafkajs throws on an unknown event name
  }

  unwrap(): Consumer | null {
    return this.consumer;
  }

  /**
   * Graceful drain: stop fetching, let in-flight handlers finish (no new message is started, retry
   * loops give up without committing past the failure), commit what is done, leave the group, disconnect.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.abort.abort();
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.lagTimer) clearInterval(this.lagTimer);
    const consumer = this.consumer;
    const timeoutMs = this.opts.shutdownTimeoutMs ?? 25_000;
    if (consumer) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timedOut = await Promise.race([
        consumer.disconnect().then(() => false),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(true), timeoutMs);
        }),
      ]).catch((e: unknown) => {
        this.log.warn({ error: describeError(e) }, 'error while stopping the consumer');
        return false;
      });
      if (timer) clearTimeout(timer);
      if (timedOut)
        this.log.warn(
          { groupId: this.opts.groupId, duration: timeoutMs },
          'in-flight handlers did not finish in time; uncommitted messages will be redelivered',
        );
    }
    this.ready = false;
    await this.admin?.client.disconnect().catch(() => undefined);
    await this.publisher.disconnect();
  }

  // --- internals -----------------------------------------------------------------------------

  private heartbeatIntervalMs(): number {
    return this.opts.heartbeatIntervalMs ?? GROUP_DEFAULTS.heartbeatIntervalMs;
  }

  private attachInstrumentation(consumer: Consumer): void {
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      this.ready = true;
      this.restartAttempt = 0;
      this.forgetRevoked(e.payload.memberAssignment);
      this.startLagRefresh();
    });
    consumer.on(consumer.events.STOP, () => {
      this.ready = false;
    });
    consumer.on(consumer.events.CRASH, (e) => {
      this.ready = false;
      const { error, restart } = e.payload;
      const fields = { groupId: this.opts.groupId, error: describeError(error), restart };
      if (restart) this.log.warn(fields, 'consumer crashed; kafkajs restarts it');
      else this.log.error(fields, 'consumer crashed; recreating it');
      // kafkajs restarts by itself after retriable errors; otherwise the consumer is dead: recreate it.
      if (!restart && !this.stopping && this.consumer === consumer) {
        this.consumer = null;
        consumer.disconnect().catch(() => undefined);
        this.scheduleRestart();
      }
    });
    for (const [event, listener] of this.listeners) {
      try {
        consumer.on(event as never, listener as never);
      } catch (e) {
        this.log.error({ type: event, error: describeError(e) }, 'cannot listen to consumer event');
      }
    }
  }

  private scheduleRestart(): void {
    if (this.stopping || this.restartTimer) return;
    const delay = backoffDelay(this.restartAttempt++, GROUP_DEFAULTS.restart);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (this.stopping) return;
      this.start().catch((e: unknown) => {
        this.log.warn({ groupId: this.opts.groupId, error: describeError(e), retryCount: this.restartAttempt }, 'consumer restart failed; retrying');
        this.scheduleRestart();
      });
    }, delay);
    this.restartTimer.unref?.();
  }

  /** Drops the state of partitions another member owns now (their lag is that member's to report). */
  private forgetRevoked(assignment: Record<string, number[]>): void {
    const owned = new Set(Object.entries(assignment).flatMap(([topic, ps]) => ps.map((p) => `${this.baseTopic(topic)}|${p}`)));
    for (const key of this.partitions.keys()) if (!owned.has(key)) this.partitions.delete(key);
  }

  private startLagRefresh(): void {
    const every = this.opts.lagRefreshMs ?? 5000;
    if (every <= 0 || this.lagTimer || this.stopping) return;
    this.lagTimer = setInterval(() => void this.refreshHighWatermarks(), every);
    this.lagTimer.unref?.();
  }

  /** One ListOffsets request per topic: raises the known partitions' high watermarks. */
  private async refreshHighWatermarks(): Promise<void> {
    if (this.refreshingLag || !this.isReady() || this.partitions.size === 0) return;
    this.refreshingLag = true;
    try {
      if (!this.admin) {
        const client = this.kafka.admin();
        this.admin = { client, connected: client.connect() };
      }
      const admin = this.admin;
      await admin.connected.catch((e: unknown) => {
        if (this.admin === admin) this.admin = null; // reconnect on the next tick
        throw e;
      });
      for (const base of new Set([...this.partitions.values()].map((p) => p.topic))) {
        for (const o of await admin.client.fetchTopicOffsets(prefixedTopic(base, this.prefix))) {
          const s = this.partitions.get(`${base}|${o.partition}`);
          if (s && (s.highWatermark === null || BigInt(o.high) > BigInt(s.highWatermark))) s.highWatermark = o.high;
        }
      }
    } catch (e) {
      this.log.debug({ groupId: this.opts.groupId, error: describeError(e) }, 'cannot read high watermarks (lag not refreshed)');
    } finally {
      this.refreshingLag = false;
    }
  }

  private baseTopic(fullTopic: string): string {
    return this.prefix && fullTopic.startsWith(this.prefix) ? fullTopic.slice(this.prefix.length) : fullTopic;
  }

  private partitionState(topic: string, partition: number): PartitionState {
    const key = `${topic}|${partition}`;
    let s = this.partitions.get(key);
    if (!s) this.partitions.set(key, (s = { topic, partition, committed: null, lastProcessed: null, fetchedFrom: null, highWatermark: null, retrying: false }));
    return s;
  }

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, commitOffsetsIfNecessary, isRunning, isStale } = payload;
    const baseTopic = this.baseTopic(batch.topic);
    const handler = this.handlers.get(baseTopic);
    const state = this.partitionState(baseTopic, batch.partition);
    if (state.highWatermark === null || BigInt(batch.highWatermark) > BigInt(state.highWatermark)) state.highWatermark = batch.highWatermark;
    if (!handler || batch.messages.length === 0) return;
    state.fetchedFrom = batch.messages[0].offset;

    this.inFlight++;
    const group: { rebalance: unknown } = { rebalance: null };
    const beat = () =>
      heartbeat().catch((e: unknown) => {
        if (isRebalanceError(e)) group.rebalance = e;
      });
    const heartbeatTimer = setInterval(() => void beat(), Math.max(100, Math.floor(this.heartbeatIntervalMs() / 2)));
    const ctx = new KafkaEventContext([baseTopic, batch.partition, async () => void (await beat())]);
    const dlqEnabled = (this.opts.dlq ?? true) && !TOPICS_WITHOUT_DLQ.has(baseTopic) && !baseTopic.endsWith(DLQ_SUFFIX);
    try {
      await processPartitionBatch(
        { topic: batch.topic, baseTopic, partition: batch.partition, groupId: this.opts.groupId, records: batch.messages as FetchedRecord[] },
        {
          handler: { batch: handler.batch ?? false, invoke: async (p) => handler.handle(p, ctx) },
          deadLetter: (items) => this.deadLetter(batch.topic, batch.partition, items, dlqEnabled),
          resolveOffset: (offset) => resolveOffset(offset),
          commit: async (next) => {
            await commitOffsetsIfNecessary({ topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: next }] }] });
            state.committed = next;
          },
          shouldStop: () => this.stopping || !isRunning() || isStale() || group.rebalance !== null,
          sleep: (ms) => sleep(ms, this.abort.signal),
          backoff: { initialMs: this.opts.retry?.initialMs ?? 200, maxMs: this.opts.retry?.maxMs ?? 30_000 },
          chunkSize: this.opts.maxBatchSize ?? 500,
          commitIntervalMs: this.opts.commitIntervalMs ?? 5000,
          onProcessed: (count, last) => {
            this.counters.processed += count;
            state.lastProcessed = last;
            state.retrying = false;
          },
          onRetry: (error, attempt, delayMs) => {
            this.counters.failed++;
            state.retrying = true;
            const fields = {
              topic: baseTopic,
              partition: batch.partition,
              groupId: this.opts.groupId,
              error: describeError(error),
              retryCount: attempt + 1,
              retryTime: delayMs,
            };
            if (attempt === 0 || attempt % 10 === 9) this.log.warn(fields, 'handler failed; retrying (offset not committed)');
            else this.log.debug(fields, 'handler failed; retrying');
          },
          onDeadLettered: (items) => {
            if (dlqEnabled) this.counters.deadLettered += items.length;
            else this.counters.skipped += items.length;
          },
        },
      );
    } catch (e) {
      // kafkajs errors (commit during a rebalance, broker loss) go back to kafkajs, which rejoins or
      // restarts. Anything else is a bug of ours: log it and let the batch be fetched again.
      if (isKafkaJsError(e)) throw e;
      this.log.error(
        { topic: baseTopic, partition: batch.partition, error: describeError(e) },
        'unexpected error while processing a batch; it will be fetched again',
      );
      await sleep(backoffDelay(0, { initialMs: 1000 }), this.abort.signal);
    } finally {
      clearInterval(heartbeatTimer);
      this.inFlight--;
    }
    if (group.rebalance) throw group.rebalance;
  }

  private async deadLetter(fullTopic: string, partition: number, items: DeadLetter[], enabled: boolean): Promise<void> {
    if (!enabled) {
      for (const d of items) {
        this.log.error(
          { topic: this.baseTopic(fullTopic), partition, offset: d.record.offset, type: d.reason, error: d.error },
          'poison message skipped (topic has no dead-letter topic)',
        );
      }
      return;
    }
    const now = new Date();
    const records = items.map((d) => deadLetterRecord(d, { sourceTopic: fullTopic, partition, groupId: this.opts.groupId, now }));
    await this.publisher.publishRaw(dlqTopic(fullTopic), records);
    for (const d of items) {
      this.log.warn({ topic: this.baseTopic(fullTopic), partition, offset: d.record.offset, type: d.reason, error: d.error }, 'message dead-lettered');
    }
  }

  /** For tests and owners that need the client (e.g. to check offsets). */
  client(): Kafka {
    return this.kafka;
  }
}
