import type { ServerResponse } from 'http';
import type Redis from 'ioredis';
import type { AlertStreamData, AlertStreamReadyData } from '@vigil/contracts';
import { formatSseComment, formatSseMessage } from '@vigil/http';
import { type Logger, type VigilMetrics, withEventSpan } from '@vigil/observability';
import type { CareMetrics } from '../common/metrics';
import type { CassandraAlertStream } from './cassandra-alert-stream';
import { compareCursors, ZERO_CURSOR } from './cursor';
import { RedisEventStream, type RedisAlertStream, type StreamEntryOf, type StreamInfo } from './redis-alert-stream';

const DAY_MS = 86_400_000;
/** Entries a connection may hold back while it catches up; beyond it the client is too slow: it reconnects. */
const MAX_CATCHUP_BUFFER = 50_000;
const RANGE_PAGE = 500;

export type CloseReason = 'client' | 'slow' | 'shutdown' | 'error' | 'expired';

/**
 * What a fan-out streams: a tenant's live Redis stream, its durable copy for older resumes, the SSE
 * event name, and what a client of some teams is sent of an entry (null: nothing, not its teams).
 */
export interface FanoutStreams<D> {
  live: Pick<RedisEventStream<D>, 'channel' | 'lastId' | 'rangeAfter' | 'info'>;
  durable: { readAfter(tenantId: string, teams: readonly string[], after: string, upTo: string | null, notBeforeMs: number): AsyncIterable<StreamEntryOf<D>> };
  eventName: string;
  select(data: D, teams: ReadonlySet<string>): object | null;
}

/**
 * One SSE client. Everything it is sent goes through `pos`, the greatest stream cursor it has
 * processed: an entry at or before `pos` is never written again, entries are written in cursor
 * order, and `pos` only moves forward. That is the whole "exactly once, in order, per connection"
 * argument; StreamFanout.open explains why nothing is skipped.
 */
export class StreamConnection<D> {
  pos = ZERO_CURSOR;
  phase: 'catchup' | 'live' | 'closed' = 'catchup';
  private buffer: StreamEntryOf<D>[] = [];
  sent = 0;

  constructor(
    readonly id: number,
    private readonly raw: ServerResponse,
    readonly tenantId: string,
    readonly teams: ReadonlySet<string>,
    private readonly hub: StreamFanout<D>,
    private readonly maxBufferedBytes: number,
    private readonly streams: Pick<FanoutStreams<D>, 'eventName' | 'select'>,
  ) {}

  get closed(): boolean {
    return this.phase === 'closed';
  }

  private write(text: string): boolean {
    if (this.closed || this.raw.destroyed || this.raw.writableEnded) return false;
    return this.raw.write(text);
  }

  /** Catch-up writes wait for the socket to drain (a long resume must not buffer without bound). */
  private async writeWaiting(text: string): Promise<void> {
    if (this.write(text) || this.closed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.raw.off('drain', done);
        this.raw.off('close', done);
        resolve();
      };
      this.raw.once('drain', done);
      this.raw.once('close', done);
    });
  }

  /** The SSE message of an entry for this client, or null when it is not for its teams. */
  private format(entry: StreamEntryOf<D>): string | null {
    const data = this.streams.select(entry.data, this.teams);
    return data ? formatSseMessage({ id: entry.cursor, event: this.streams.eventName, data: { ...data, cursor: entry.cursor } }) : null;
  }

  /** During catch-up (resume): written in order, waiting on backpressure. */
  async sendCatchup(entry: StreamEntryOf<D>): Promise<boolean> {
    if (compareCursors(entry.cursor, this.pos) <= 0) return false;
    this.pos = entry.cursor;
    const text = this.format(entry);
    if (text === null) return false;
    await this.writeWaiting(text);
    this.sent++;
    this.hub.countSent('resume');
    return true;
  }

  /** From the tenant's tail, in cursor order. Held back while catching up. */
  deliver(entry: StreamEntryOf<D>): void {
    if (this.phase === 'catchup') {
      this.buffer.push(entry);
      if (this.buffer.length > MAX_CATCHUP_BUFFER) this.close('slow');
      return;
    }
    this.sendLive(entry);
  }

  private sendLive(entry: StreamEntryOf<D>): void {
    if (this.closed || compareCursors(entry.cursor, this.pos) <= 0) return;
    this.pos = entry.cursor;
    const text = this.format(entry);
    if (text === null) return;
    this.write(text);
    this.sent++;
    this.hub.countSent('live');
    // A client that cannot keep up is dropped rather than buffered without bound; it resumes.
    if (this.raw.writableLength > this.maxBufferedBytes) this.close('slow');
  }

  /** Announces the position (so a client that saw no alert yet can resume from here), then goes live. */
  goLive(ready: Omit<AlertStreamReadyData, 'cursor'>): void {
    if (this.closed) return;
    const data: AlertStreamReadyData = { cursor: this.pos, ...ready };
    this.write(formatSseMessage({ id: this.pos, event: 'ready', data }));
    this.phase = 'live';
    const held = this.buffer;
    this.buffer = [];
    for (const e of held) this.sendLive(e);
  }

  heartbeat(): void {
    this.write(formatSseComment(`heartbeat ${new Date().toISOString()}`));
  }

  close(reason: CloseReason, comment?: string): void {
    if (this.closed) return;
    this.phase = 'closed';
    this.buffer = [];
    if (!this.raw.destroyed && !this.raw.writableEnded) {
      if (comment) this.raw.write(formatSseComment(comment));
      this.raw.end();
    }
    this.hub.detach(this, reason);
  }
}

/** The alert stream's connection (kept for its readers). */
export type AlertStreamConnection = StreamConnection<AlertStreamData>;

class TenantTail<D> {
  lastId = ZERO_CURSOR;
  readonly conns = new Set<StreamConnection<D>>();
  ready!: Promise<void>;
  started = false;
  fetching = false;
  dirty = false;
  idleTimer: NodeJS.Timeout | null = null;
  constructor(
    readonly tenantId: string,
    readonly channel: string,
  ) {}
}

/** What every fan-out needs besides its streams. */
export interface FanoutSettings {
  /** A dedicated connection in subscriber mode. */
  subscriber: Redis;
  logger: Logger;
  metrics: CareMetrics;
  vigil: VigilMetrics;
  heartbeatMs: number;
  retryMs: number;
  maxBufferedBytes: number;
  resumeMaxDays: number;
  /** Safety poll of every tailed stream (pub/sub is at-most-once). Default 5 s. */
  pollMs?: number;
  /** How long a tenant's tail outlives its last client (avoids subscribe churn). Default 30 s. */
  tailLingerMs?: number;
  /** Bound on subscribing / reading the stream head when a client connects. */
  commandTimeoutMs: number;
}

export interface StreamFanoutDeps<D> extends FanoutSettings {
  streams: FanoutStreams<D>;
}

export interface AlertFanoutDeps extends FanoutSettings {
  redisStream: RedisAlertStream;
  cassandraStream: CassandraAlertStream;
}

export class RedisUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RedisUnavailableError';
  }
}

/**
 * Fan-out of the tenants' streams (alerts, worklist) to this instance's SSE clients.
 *
 * Per tenant with clients here: one subscription to the tenant's notify channel and one "tail"
 * position. A notification (or the safety poll) makes the tail read the stream after its position
 * (XRANGE) and hand each entry, in cursor order, to every client of the tenant. Whichever
 * instance stored an alert, every instance's clients get it from the same stream in the same order.
 */
export class StreamFanout<D> {
  private readonly tails = new Map<string, TenantTail<D>>();
  private readonly byChannel = new Map<string, TenantTail<D>>();
  readonly connections = new Set<StreamConnection<D>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private nextId = 1;
  private closing = false;

  constructor(private readonly deps: StreamFanoutDeps<D>) {
    deps.subscriber.on('message', (channel: string) => {
      const tail = this.byChannel.get(channel);
      if (tail) this.poke(tail);
    });
    // After a reconnect (ioredis resubscribes by itself) anything published meanwhile was lost: read.
    deps.subscriber.on('ready', () => {
      for (const t of this.tails.values()) this.poke(t);
    });
    this.timers.push(setInterval(() => this.heartbeatAll(), deps.heartbeatMs));
    this.timers.push(
      setInterval(() => {
        for (const t of this.tails.values()) this.poke(t);
      }, deps.pollMs ?? 5000),
    );
    for (const t of this.timers) t.unref();
  }

  get size(): number {
    return this.connections.size;
  }

  countSent(phase: 'resume' | 'live'): void {
    this.deps.metrics.sseEvents.inc({ phase });
  }

  private heartbeatAll(): void {
    for (const c of this.connections) c.heartbeat();
  }

  private withTimeout<T>(p: Promise<T>, what: string): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      p,
      new Promise<T>((_, reject) => {
        timer = setTimeout(
          () => reject(new RedisUnavailableError(`Redis did not answer (${what}) within ${this.deps.commandTimeoutMs} ms`)),
          this.deps.commandTimeoutMs,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  }

  /**
   * The tenant's tail, subscribed and positioned. Call before writing any SSE header, so that a
   * Redis outage is a clean 503.
   */
  async acquire(tenantId: string): Promise<void> {
    let tail = this.tails.get(tenantId);
    if (tail?.idleTimer) {
      clearTimeout(tail.idleTimer);
      tail.idleTimer = null;
    }
    if (!tail) {
      const t = new TenantTail<D>(tenantId, this.deps.streams.live.channel(tenantId));
      this.tails.set(tenantId, t);
      this.byChannel.set(t.channel, t);
      // Subscribe FIRST, then read the head: anything appended after the head read is notified.
      t.ready = (async () => {
        await this.deps.subscriber.subscribe(t.channel);
        t.lastId = await this.deps.streams.live.lastId(tenantId);
        t.started = true;
        this.poke(t);
      })();
      t.ready.catch(() => this.dropTail(t));
      tail = t;
    }
    await this.withTimeout(tail.ready, 'subscribe');
  }

  /**
   * Starts streaming to an already hijacked response (headers written by the caller) after
   * `acquire(tenantId)`. Nothing is missed or doubled, across instances and reconnects:
   *
   * - The connection joins the tail synchronously: from then on every entry after the tail's
   *   position P0 reaches it (held back while it catches up).
   * - Without a cursor it starts at P0. With one, it sends everything of its teams after the cursor
   *   from Redis (and first from Cassandra if Redis no longer holds the cursor) up to the end of the
   *   stream as read then, which is at or after P0: the held-back entries start after P0, so
   *   together they cover everything.
   * - Overlap is dropped by cursor (`pos`): cursors are one total order per tenant (Redis assigns
   *   them atomically with the append), so "after pos" is exact.
   */
  async open(raw: ServerResponse, tenantId: string, teams: ReadonlySet<string>, cursor: string | null, expiresAtMs?: number): Promise<StreamConnection<D>> {
    const tail = this.tails.get(tenantId);
    if (!tail?.started) throw new Error('acquire(tenantId) first');
    const conn = new StreamConnection<D>(this.nextId++, raw, tenantId, teams, this, this.deps.maxBufferedBytes, this.deps.streams);
    this.connections.add(conn);
    this.deps.vigil.sseConnections.inc();
    tail.conns.add(conn);
    // A stream is authorised once, at connect: it ends when the token expires (the client
    // reconnects with a fresh token and Last-Event-ID, losing nothing).
    let expiry: NodeJS.Timeout | undefined;
    if (expiresAtMs !== undefined) {
      expiry = setTimeout(
        () => conn.close('expired', 'token expired; reconnect with a fresh token and Last-Event-ID'),
        Math.max(0, Math.min(expiresAtMs - Date.now(), 2 ** 31 - 1)),
      );
      expiry.unref();
    }
    raw.on('close', () => {
      if (expiry) clearTimeout(expiry);
      conn.close('client');
    });
    raw.write(formatSseMessage({ retry: this.deps.retryMs }) + formatSseComment('connected'));
    try {
      if (cursor === null) {
        conn.pos = tail.lastId;
        conn.goLive({ resumed: 0 });
      } else {
        const { sent, source } = await this.resume(conn, cursor);
        conn.goLive({ resumed: sent, source });
      }
    } catch (e) {
      this.deps.logger.warn({ error: (e as Error).message, tenantId }, 'SSE catch-up failed; closing the stream (the client resumes)');
      conn.close('error');
    }
    return conn;
  }

  private async resume(conn: StreamConnection<D>, cursor: string): Promise<{ sent: number; source: 'redis' | 'cassandra' }> {
    const { metrics } = this.deps;
    const { live, durable } = this.deps.streams;
    const info: StreamInfo = await live.info(conn.tenantId);
    conn.pos = cursor;
    let source: 'redis' | 'cassandra' = 'redis';
    const before = conn.sent;
    if (!RedisEventStream.covers(info, cursor)) {
      // Redis no longer holds the position: Cassandra up to what Redis trimmed (entries that old were
      // stored long ago), then Redis. Without the key at all (Redis lost it): Cassandra, then Redis.
      source = 'cassandra';
      const notBefore = Date.now() - this.deps.resumeMaxDays * DAY_MS;
      const upTo = info.exists ? info.maxDeletedId : null;
      for await (const entry of durable.readAfter(conn.tenantId, [...conn.teams], cursor, upTo, notBefore)) {
        if (conn.closed) return { sent: conn.sent - before, source };
        await conn.sendCatchup(entry);
      }
      if (upTo && compareCursors(upTo, conn.pos) > 0) conn.pos = upTo;
    }
    metrics.sseResumes.inc({ source });
    for (;;) {
      const page = await live.rangeAfter(conn.tenantId, conn.pos, RANGE_PAGE);
      for (const entry of page) {
        if (conn.closed) return { sent: conn.sent - before, source };
        await conn.sendCatchup(entry);
      }
      if (page.length < RANGE_PAGE) break;
    }
    return { sent: conn.sent - before, source };
  }

  detach(conn: StreamConnection<D>, reason: CloseReason): void {
    if (!this.connections.delete(conn)) return;
    this.deps.vigil.sseConnections.dec();
    this.deps.metrics.sseDisconnects.inc({ reason });
    const tail = this.tails.get(conn.tenantId);
    if (!tail) return;
    tail.conns.delete(conn);
    if (tail.conns.size === 0 && !tail.idleTimer && !this.closing) {
      tail.idleTimer = setTimeout(() => {
        if (tail.conns.size === 0) this.dropTail(tail);
      }, this.deps.tailLingerMs ?? 30_000);
      tail.idleTimer.unref();
    }
  }

  private dropTail(tail: TenantTail<D>): void {
    if (this.tails.get(tail.tenantId) !== tail) return;
    if (tail.idleTimer) clearTimeout(tail.idleTimer);
    this.tails.delete(tail.tenantId);
    this.byChannel.delete(tail.channel);
    this.deps.subscriber.unsubscribe(tail.channel).catch(() => undefined);
  }

  /**
   * Hands one entry to the tenant's clients here, in an `sse.push` span continuing the trace that
   * stored the entry (its traceparent rode along in Redis): check-in -> ... -> care-api -> push.
   */
  private push(tail: TenantTail<D>, entry: StreamEntryOf<D>): void {
    withEventSpan('sse.push', entry.traceparent, (span) => {
      let written = 0;
      for (const c of tail.conns) {
        const before = c.sent;
        c.deliver(entry);
        written += c.sent - before;
      }
      // Counts only: clients written to now (a client still catching up gets it from its buffer later).
      span.setAttribute('vigil.sse.clients', written);
    });
  }

  /** Reads the tail's stream after its position; coalesces notifications that arrive meanwhile. */
  private poke(tail: TenantTail<D>): void {
    if (!tail.started) return;
    if (tail.fetching) {
      tail.dirty = true;
      return;
    }
    tail.fetching = true;
    void (async () => {
      try {
        do {
          tail.dirty = false;
          for (;;) {
            const page = await this.deps.streams.live.rangeAfter(tail.tenantId, tail.lastId, RANGE_PAGE);
            for (const entry of page) {
              tail.lastId = entry.cursor;
              this.push(tail, entry);
            }
            if (page.length < RANGE_PAGE) break;
          }
        } while (tail.dirty && this.tails.get(tail.tenantId) === tail);
      } catch (e) {
        // Redis hiccup: the safety poll (or the next notification) tries again.
        this.deps.logger.warn({ error: (e as Error).message, tenantId: tail.tenantId, stream: this.deps.streams.eventName }, 'reading the stream failed');
      } finally {
        tail.fetching = false;
      }
    })();
  }

  /** Shutdown: every stream ends cleanly (clients reconnect elsewhere with Last-Event-ID). */
  async close(): Promise<void> {
    this.closing = true;
    for (const t of this.timers) clearInterval(t);
    for (const c of [...this.connections]) c.close('shutdown', 'server shutting down; reconnect with Last-Event-ID');
    for (const t of [...this.tails.values()]) this.dropTail(t);
  }
}

/** The alert stream's fan-out: `alert` events of the caller's teams. */
export class AlertFanout extends StreamFanout<AlertStreamData> {
  constructor({ redisStream, cassandraStream, ...settings }: AlertFanoutDeps) {
    super({
      ...settings,
      streams: { live: redisStream, durable: cassandraStream, eventName: 'alert', select: (data, teams) => (teams.has(data.careTeamId) ? data : null) },
    });
  }
}
