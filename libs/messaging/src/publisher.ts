import { prefixedTopic, toKafkaRecord, type VigilEvent } from '@vigil/contracts';
import { Partitioners, type IHeaders, type Kafka, type Message, type Producer, type ProducerConfig, type TopicMessages } from 'kafkajs';
import { backoffDelay, type BackoffOptions } from './backoff';
import { describeError, KafkaUnavailableError } from './errors';
import { loggerFor, settingsPrefix } from './settings';
import type { MessagingLogger } from './log';

/** A record as it is written: used for dead letters and for replaying recorded bytes. */
export interface RawMessage {
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers?: IHeaders;
  /** Milliseconds since the epoch, as a string (kafkajs' convention). */
  timestamp?: string;
}

export interface EventPublisherOptions {
  /** Prefix added to base topic names in publish()/publishMany(). Default: the prefix of the settings the client was created from, else none. */
  topicPrefix?: string;
  /** How long the first queued record waits for others before a batch is sent. Default 2 ms. */
  lingerMs?: number;
  /** A batch is sent at once when this many records are queued. Default 500. */
  maxBatchRecords?: number;
  /** ... or this many bytes (keeps each partition's record batch under the broker's 1 MiB limit). Default 512 KiB. */
  maxBatchBytes?: number;
  /** A caller whose records are not acknowledged within this time gets KafkaUnavailableError. Default 5000 ms. */
  ackTimeoutMs?: number;
  /** Backoff of the background reconnection while Kafka is down. Default 100 ms doubling to 2 s (back within about 2 s of the broker answering). */
  reconnect?: BackoffOptions;
}

export interface PublisherStats {
  /** publish / publishMany / publishRaw calls. */
  publishCalls: number;
  /** Records handed to publish*. */
  recordsPublished: number;
  /** `producer.sendBatch` calls: far fewer than publishCalls under concurrency (coalescing). */
  sendBatchCalls: number;
  /** Records acknowledged by Kafka. */
  recordsAcked: number;
  /** sendBatch calls that failed or were not acknowledged in time. */
  failedBatches: number;
  /** Callers rejected because their ack deadline passed. */
  timeouts: number;
  /** Callers rejected at once because Kafka was known to be down. */
  rejectedWhileDown: number;
  /** kafkajs producers created (1 + recreations after failures). */
  producersCreated: number;
  queuedRecords: number;
  inFlightBatch: boolean;
  connected: boolean;
}

type ProducerLike = Pick<Producer, 'connect' | 'disconnect' | 'sendBatch'>;
/** What the publisher needs from the client (a kafkajs `Kafka`; tests pass a fake). */
export type ProducerFactory = { producer(config?: ProducerConfig): ProducerLike };

interface Pending {
  topic: string;
  messages: Message[];
  bytes: number;
  resolve: () => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout> | null;
  settled: boolean;
}

type State = 'idle' | 'connecting' | 'ready' | 'down';

/**
 * Producer settings. Idempotence needs acks=-1 (kafkajs refuses anything else), at least one
 * retry, and at most one request in flight per broker: kafkajs tracks sequence numbers itself
 * and (unlike the Java client) cannot re-sequence after an out-of-order failure, so
 * `maxInFlightRequests: 1` keeps retries in order (its per-broker lock serialises them anyway).
 * kafkajs defaults the idempotent producer to infinite retries; we bound them instead, because a
 * caller is answered within `ackTimeoutMs` anyway and endless retries in the background would pile
 * up while Kafka is down. After any failed or timed-out batch the producer is thrown away and a new
 * one (new producer id, fresh sequence numbers) takes over, as the Java client bumps its epoch.
 */
export const PRODUCER_CONFIG: ProducerConfig = {
  idempotent: true,
  maxInFlightRequests: 1,
  allowAutoTopicCreation: false,
  createPartitioner: Partitioners.DefaultPartitioner,
  retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
};

function recordBytes(m: Message): number {
  let n = 70;
  if (m.key) n += m.key.length;
  if (m.value) n += m.value.length;
  for (const [k, v] of Object.entries(m.headers ?? {})) {
    n += k.length + 8;
    if (Array.isArray(v)) for (const x of v) n += x.length;
    else if (v) n += v.length;
  }
  return n;
}

function toMessage(r: RawMessage): Message {
  const m: Message = { key: r.key, value: r.value, headers: r.headers };
  if (r.timestamp !== undefined && /^\d+$/.test(r.timestamp)) m.timestamp = r.timestamp;
  return m;
}

/**
 * Publishes CloudEvents to Kafka. Concurrent calls are coalesced: records queued within `lingerMs`
 * (or until `maxBatchRecords`) go out as one `sendBatch`, one batch in flight at a time, and every
 * caller's promise settles with its batch. A call resolves once all in-sync replicas have the
 * records (acks -1) and rejects with KafkaUnavailableError within `ackTimeoutMs` otherwise.
 */
export class EventPublisher {
  private readonly prefix: string;
  private readonly lingerMs: number;
  private readonly maxBatchRecords: number;
  private readonly maxBatchBytes: number;
  private readonly ackTimeoutMs: number;
  private readonly reconnectBackoff: BackoffOptions;
  private readonly log: MessagingLogger;

  private queue: Pending[] = [];
  private queuedRecords = 0;
  private queuedBytes = 0;
  private lingerTimer: ReturnType<typeof setTimeout> | null = null;
  private flushScheduled = false;
  private inFlight = false;

  private state: State = 'idle';
  private producer: ProducerLike | null = null;
  private connecting: Promise<boolean> | null = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectAttempt = 0;
  private nextAttemptAt = 0;
  private lastError = '';
  private closing = false;
  private closed = false;
  private idleWaiters: (() => void)[] = [];

  private readonly counters = {
    publishCalls: 0,
    recordsPublished: 0,
    sendBatchCalls: 0,
    recordsAcked: 0,
    failedBatches: 0,
    timeouts: 0,
    rejectedWhileDown: 0,
    producersCreated: 0,
  };

  constructor(
    private readonly kafka: Kafka | ProducerFactory,
    opts: EventPublisherOptions = {},
  ) {
    this.prefix = opts.topicPrefix ?? settingsPrefix(kafka) ?? '';
    this.lingerMs = Math.max(0, opts.lingerMs ?? 2);
    this.maxBatchRecords = Math.max(1, opts.maxBatchRecords ?? 500);
    this.maxBatchBytes = Math.max(1024, opts.maxBatchBytes ?? 512 * 1024);
    this.ackTimeoutMs = Math.max(1, opts.ackTimeoutMs ?? 5000);
    this.reconnectBackoff = { initialMs: opts.reconnect?.initialMs ?? 100, maxMs: opts.reconnect?.maxMs ?? 2_000 };
    this.log = loggerFor(kafka, 'vigil.messaging.publisher');
  }

  /** Connects (bounded by ackTimeoutMs). On failure rejects with KafkaUnavailableError and keeps reconnecting in the background. */
  async connect(): Promise<void> {
    if (this.closing || this.closed) throw new KafkaUnavailableError('publisher is closed');
    if (this.state === 'ready') return;
    const ok = await this.openProducer();
    if (!ok) throw new KafkaUnavailableError(`cannot connect to Kafka: ${this.lastError}`, this.retryAfterSeconds());
  }

  isConnected(): boolean {
    return this.state === 'ready' && !this.closed;
  }

  /** Publishes one event to a base topic (`TOPICS.checkins`); the message key is the patient id. */
  publish<T>(topic: string, event: VigilEvent<T>): Promise<void> {
    return this.publishMany(topic, [event]);
  }

  /** Publishes events in the given order (per partition) as one unit of one batch. */
  publishMany<T>(topic: string, events: VigilEvent<T>[]): Promise<void> {
    let messages: Message[];
    try {
      messages = events.map((e) => toMessage(toKafkaRecord(e)));
    } catch (e) {
      return Promise.reject(e);
    }
    return this.enqueue(prefixedTopic(topic, this.prefix), messages);
  }

  /** Writes records as they are to a full topic name (no prefix added): dead letters, replay. */
  publishRaw(topic: string, messages: RawMessage[]): Promise<void> {
    return this.enqueue(topic, messages.map(toMessage));
  }

  stats(): PublisherStats {
    return {
      ...this.counters,
      queuedRecords: this.queuedRecords,
      inFlightBatch: this.inFlight,
      connected: this.isConnected(),
    };
  }

  /** Sends what is queued, waits for it (bounded by ackTimeoutMs), then disconnects. */
  async disconnect(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    if (this.queue.length || this.inFlight) {
      if (this.state !== 'ready' && this.state !== 'connecting') {
        this.rejectQueued(new KafkaUnavailableError('publisher closed while Kafka is unavailable'));
      } else {
        this.scheduleFlush(true);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.ackTimeoutMs + 100);
          this.idleWaiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    }
    this.rejectQueued(new KafkaUnavailableError('publisher is closed'));
    this.closed = true;
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    const p = this.producer;
    this.producer = null;
    this.state = 'idle';
    if (p) await p.disconnect().catch(() => undefined);
  }

  // --- queueing -----------------------------------------------------------------------------

  private enqueue(topic: string, messages: Message[]): Promise<void> {
    this.counters.publishCalls++;
    this.counters.recordsPublished += messages.length;
    if (this.closing || this.closed) return Promise.reject(new KafkaUnavailableError('publisher is closed'));
    if (!topic) return Promise.reject(new Error('topic is required'));
    if (messages.length === 0) return Promise.resolve();
    if (this.state === 'down') {
      this.counters.rejectedWhileDown++;
      return Promise.reject(new KafkaUnavailableError(`Kafka unavailable: ${this.lastError}`, this.retryAfterSeconds()));
    }
    if (this.state === 'idle') void this.openProducer();
    return new Promise<void>((resolve, reject) => {
      const p: Pending = { topic, messages, bytes: messages.reduce((n, m) => n + recordBytes(m), 0), resolve, reject, timer: null, settled: false };
      p.timer = setTimeout(() => this.expire(p), this.ackTimeoutMs);
      this.queue.push(p);
      this.queuedRecords += messages.length;
      this.queuedBytes += p.bytes;
      this.scheduleFlush(false);
    });
  }

  private expire(p: Pending): void {
    p.timer = null;
    if (p.settled) return;
    const i = this.queue.indexOf(p);
    if (i >= 0) {
      this.queue.splice(i, 1);
      this.queuedRecords -= p.messages.length;
      this.queuedBytes -= p.bytes;
    }
    this.counters.timeouts++;
    this.settle(p, new KafkaUnavailableError(`Kafka did not acknowledge within ${this.ackTimeoutMs} ms`, this.retryAfterSeconds()));
    this.notifyIfIdle();
  }

  private settle(p: Pending, error?: Error): void {
    if (p.settled) return;
    p.settled = true;
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    if (error) p.reject(error);
    else p.resolve();
  }

  private scheduleFlush(now: boolean): void {
    const full = this.queuedRecords >= this.maxBatchRecords || this.queuedBytes >= this.maxBatchBytes;
    if (now || full || this.closing || this.lingerMs === 0) {
      if (this.lingerTimer) clearTimeout(this.lingerTimer);
      this.lingerTimer = null;
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => {
          this.flushScheduled = false;
          this.flush();
        });
      }
      return;
    }
    if (!this.lingerTimer) {
      this.lingerTimer = setTimeout(() => {
        this.lingerTimer = null;
        this.flush();
      }, this.lingerMs);
    }
  }

  /** Takes whole calls from the head of the queue up to the batch limits (a single large call goes alone). */
  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let records = 0;
    let bytes = 0;
    while (this.queue.length) {
      const p = this.queue[0];
      if (batch.length && (records + p.messages.length > this.maxBatchRecords || bytes + p.bytes > this.maxBatchBytes)) break;
      this.queue.shift();
      this.queuedRecords -= p.messages.length;
      this.queuedBytes -= p.bytes;
      if (p.settled) continue;
      batch.push(p);
      records += p.messages.length;
      bytes += p.bytes;
    }
    return batch;
  }

  private flush(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
    this.lingerTimer = null;
    if (this.inFlight || this.state !== 'ready' || !this.producer) return;
    const batch = this.takeBatch();
    if (batch.length === 0) {
      this.notifyIfIdle();
      return;
    }
    this.inFlight = true;
    void this.send(this.producer, batch).finally(() => {
      this.inFlight = false;
      if (this.queue.length) this.scheduleFlush(true);
      else this.notifyIfIdle();
    });
  }

  private async send(producer: ProducerLike, batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    let records = 0;
    for (const p of batch) {
      let list = byTopic.get(p.topic);
      if (!list) byTopic.set(p.topic, (list = []));
      for (const m of p.messages) list.push(m);
      records += p.messages.length;
    }
    const topicMessages: TopicMessages[] = [...byTopic.entries()].map(([topic, messages]) => ({ topic, messages }));
    this.counters.sendBatchCalls++;
    let watchdog: ReturnType<typeof setTimeout> | undefined;
    const sent = producer.sendBatch({ acks: -1, timeout: this.ackTimeoutMs, topicMessages }).then(
      () => null,
      (e: unknown) => e ?? new Error('sendBatch failed'),
    );
    const outcome = await Promise.race([
      sent,
      new Promise<'timeout'>((resolve) => {
        watchdog = setTimeout(() => resolve('timeout'), this.ackTimeoutMs);
      }),
    ]);
    if (watchdog) clearTimeout(watchdog);
    if (outcome === null) {
      this.counters.recordsAcked += records;
      for (const p of batch) this.settle(p);
      return;
    }
    this.counters.failedBatches++;
    const reason = outcome === 'timeout' ? `no acknowledgement within ${this.ackTimeoutMs} ms` : describeError(outcome);
    this.lastError = reason;
    this.log.warn({ error: reason, size: records }, 'produce failed; recreating the producer');
    const err = new KafkaUnavailableError(`Kafka produce failed: ${reason}`, this.retryAfterSeconds(), outcome === 'timeout' ? undefined : { cause: outcome });
    for (const p of batch) this.settle(p, err);
    this.recycle(producer, sent);
  }

  private notifyIfIdle(): void {
    if (this.queue.length || this.inFlight) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) w();
  }

  private rejectQueued(err: Error): void {
    const q = this.queue;
    this.queue = [];
    this.queuedRecords = 0;
    this.queuedBytes = 0;
    for (const p of q) this.settle(p, err);
    this.notifyIfIdle();
  }

  private retryAfterSeconds(): number {
    return Math.max(1, Math.ceil((this.nextAttemptAt - Date.now()) / 1000));
  }

  // --- producer lifecycle --------------------------------------------------------------------

  /**
   * Drops a producer that failed (it may be stuck after a broker loss) and opens a fresh one. The
   * old one is disconnected now and again once its abandoned sendBatch settles: kafkajs' retry loop
   * reconnects a disconnected cluster by itself, which would otherwise leave its sockets open.
   */
  private recycle(old: ProducerLike, abandoned: Promise<unknown>): void {
    if (this.producer !== old) return;
    this.producer = null;
    this.state = 'connecting';
    old.disconnect().catch(() => undefined);
    void abandoned.finally(() => old.disconnect().catch(() => undefined));
    void this.openProducer();
  }

  private openProducer(): Promise<boolean> {
    if (this.connecting) return this.connecting;
    if (this.closed) return Promise.resolve(false);
    this.state = 'connecting';
    this.connecting = this.attemptConnect().finally(() => {
      this.connecting = null;
    });
    return this.connecting;
  }

  private async attemptConnect(): Promise<boolean> {
    let p: ProducerLike;
    try {
      p = this.kafka.producer(PRODUCER_CONFIG);
    } catch (e) {
      return this.connectFailed(describeError(e));
    }
    this.counters.producersCreated++;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let abandoned = false;
    const connected = p.connect().then(
      () => {
        if (abandoned) p.disconnect().catch(() => undefined);
        return null;
      },
      (e: unknown) => describeError(e),
    );
    const outcome = await Promise.race([
      connected,
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve(`connect timed out after ${this.ackTimeoutMs} ms`), this.ackTimeoutMs);
      }),
    ]);
    if (timer) clearTimeout(timer);
    if (outcome !== null) {
      abandoned = true;
      p.disconnect().catch(() => undefined);
      return this.connectFailed(outcome);
    }
    if (this.closed) {
      await p.disconnect().catch(() => undefined);
      return false;
    }
    if (this.state !== 'ready' && this.reconnectAttempt > 0) this.log.warn({ retryCount: this.reconnectAttempt }, 'Kafka producer reconnected');
    this.producer = p;
    this.state = 'ready';
    this.reconnectAttempt = 0;
    this.lastError = '';
    if (this.queue.length) this.scheduleFlush(true);
    return true;
  }

  private connectFailed(reason: string): false {
    this.lastError = reason;
    this.state = 'down';
    this.rejectQueued(new KafkaUnavailableError(`cannot connect to Kafka: ${reason}`, 1));
    if (!this.closing && !this.closed) {
      const delay = backoffDelay(this.reconnectAttempt++, this.reconnectBackoff);
      this.nextAttemptAt = Date.now() + delay;
      if (this.reconnectAttempt === 1 || this.reconnectAttempt % 10 === 0) {
        this.log.warn({ error: reason, retryCount: this.reconnectAttempt, retryTime: delay }, 'cannot connect to Kafka; retrying in the background');
      }
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        void this.openProducer();
      }, delay);
      this.reconnectTimer.unref?.();
    }
    return false;
  }
}
