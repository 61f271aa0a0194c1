import type Redis from 'ioredis';
import { currentTraceparent, type VigilMetrics } from '@vigil/observability';
import type { AlertStreamData } from '@vigil/contracts';
import { compareCursors, isCursor, ZERO_CURSOR } from './cursor';

/**
 * The live part of the alert stream: one Redis stream per tenant. Redis assigns each entry its id
 * (`<ms>-<seq>`) atomically with the append, so the id order IS the visibility order: whoever reads
 * after cursor X sees every entry after X, whichever care-api instance appended it. That is what
 * makes "resume after Last-Event-ID" exact with several instances storing concurrently (see README).
 *
 * Keys use a `{tenant}` hash tag so that the stream and its dedupe keys share a cluster slot (the
 * append script touches both).
 */

/**
 * XADD only if the event id is new; remember the id; notify every instance. Atomic (one script).
 *
 * A stream that did not exist (first alert ever, or Redis lost its data: FLUSHALL, a restart without
 * persistence) holds nothing before its first entry, so the script marks everything before it as
 * trimmed (XSETID MAXDELETEDID = the id just below it). Without that mark the new stream would
 * report nothing ever deleted and a resume from a cursor older than the loss would be served from
 * Redis alone, silently skipping what was stored between the cursor and the loss (it is in Cassandra).
 */
const APPEND_LUA = `
local existing = redis.call('GET', KEYS[2])
if existing then return {existing, 0} end
local fresh = redis.call('EXISTS', KEYS[1]) == 0
local args = {'XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*'}
for i = 4, #ARGV do args[#args + 1] = ARGV[i] end
local id = redis.call(unpack(args))
if fresh then
  local ms, seq = string.match(id, '^(%d+)-(%d+)$')
  local below
  if seq == '0' then below = string.format('%d', tonumber(ms) - 1) .. '-9999999999999999999'
  else below = ms .. '-' .. string.format('%d', tonumber(seq) - 1) end
  redis.call('XSETID', KEYS[1], id, 'ENTRIESADDED', 1, 'MAXDELETEDID', below)
end
redis.call('SET', KEYS[2], id, 'EX', ARGV[2])
redis.call('PUBLISH', ARGV[3], id)
return {id, 1}
`;

interface AppendCommand {
  careStreamAppend(streamKey: string, dedupeKey: string, maxLen: number, ttl: number, channel: string, ...fields: string[]): Promise<[string, number]>;
}

export interface StreamInfo {
  /** False: the key does not exist (never written, or Redis lost it). */
  exists: boolean;
  /** Greatest id ever trimmed away: everything after it is still in the stream. */
  maxDeletedId: string;
  lastId: string;
}

export interface RedisStreamOptions {
  keyPrefix: string;
  /** Key namespace of the stream (`alerts`, `worklist`): `<prefix>care:<name>:{tenant}:stream`. */
  name?: string;
  maxLen: number;
  dedupeTtlSeconds: number;
  metrics?: VigilMetrics;
}

type RawEntry = [string, string[]];

/** One entry of a tenant's stream: its position (the Redis id) and its data. */
export interface StreamEntryOf<D> {
  cursor: string;
  tenantId: string;
  data: D;
  /** W3C traceparent of the span that stored the entry (Redis entries only): the SSE push continues that trace. */
  traceparent?: string;
}

/** A per-tenant Redis stream of JSON entries, each appended once per dedupe id (the alert and the worklist streams). */
export class RedisEventStream<D> {
  private readonly ns: string;

  constructor(
    private readonly redis: Redis,
    private readonly opts: RedisStreamOptions,
  ) {
    this.ns = `${opts.keyPrefix}care:${opts.name ?? 'alerts'}`;
    redis.defineCommand('careStreamAppend', { numberOfKeys: 2, lua: APPEND_LUA });
  }

  streamKey(tenantId: string): string {
    return `${this.ns}:{${tenantId}}:stream`;
  }

  channel(tenantId: string): string {
    return `${this.ns}:{${tenantId}}:notify`;
  }

  private dedupeKey(tenantId: string, dedupeId: string): string {
    return `${this.ns}:{${tenantId}}:evid:${dedupeId}`;
  }

  private time<T>(command: string, fn: () => Promise<T>): Promise<T> {
    return this.opts.metrics ? this.opts.metrics.timeRedis(command, fn) : fn();
  }

  /** Appends `data` unless `dedupeId` was appended before (within the dedupe TTL); either way returns its cursor. */
  async appendOnce(tenantId: string, dedupeId: string, careTeamId: string, data: D): Promise<{ cursor: string; created: boolean }> {
    // The storing span's traceparent rides along (field `t`): every instance's SSE push joins its trace.
    const traceparent = currentTraceparent();
    const [cursor, created] = await this.time('evalsha', () =>
      (this.redis as unknown as AppendCommand).careStreamAppend(
        this.streamKey(tenantId),
        this.dedupeKey(tenantId, dedupeId),
        this.opts.maxLen,
        this.opts.dedupeTtlSeconds,
        this.channel(tenantId),
        'k',
        careTeamId,
        'p',
        JSON.stringify(data),
        ...(traceparent ? ['t', traceparent] : []),
      ),
    );
    return { cursor: String(cursor), created: Number(created) === 1 };
  }

  /** Entries strictly after `after`, oldest first, at most `count`. */
  async rangeAfter(tenantId: string, after: string, count: number): Promise<StreamEntryOf<D>[]> {
    const start = after === ZERO_CURSOR ? '-' : `(${after}`;
    const raw = (await this.time('xrange', () => this.redis.xrange(this.streamKey(tenantId), start, '+', 'COUNT', count))) as RawEntry[];
    const out: StreamEntryOf<D>[] = [];
    for (const [id, fields] of raw) {
      const f: Record<string, string> = {};
      for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
      if (!f['p']) continue;
      try {
        const entry: StreamEntryOf<D> = { cursor: id, tenantId, data: JSON.parse(f['p']) as D };
        if (f['t']) entry.traceparent = f['t'];
        out.push(entry);
      } catch {
        // not ours / corrupt: skipped (never expected: only the append script writes here)
      }
    }
    return out;
  }

  /** The newest id in the stream, or 0-0 when there is none. */
  async lastId(tenantId: string): Promise<string> {
    const info = await this.info(tenantId);
    return info.lastId;
  }

  async info(tenantId: string): Promise<StreamInfo> {
    let reply: unknown[];
    try {
      reply = (await this.time('xinfo', () => this.redis.xinfo('STREAM', this.streamKey(tenantId)))) as unknown[];
    } catch (e) {
      if (/no such key/i.test((e as Error).message)) return { exists: false, maxDeletedId: ZERO_CURSOR, lastId: ZERO_CURSOR };
      throw e;
    }
    const m: Record<string, unknown> = {};
    for (let i = 0; i + 1 < reply.length; i += 2) m[String(reply[i])] = reply[i + 1];
    const lastGenerated = String(m['last-generated-id'] ?? ZERO_CURSOR);
    // Redis 7 reports the greatest id ever trimmed. (Redis 6 does not: then nothing is assumed to be
    // held, every resume reads Cassandra up to the newest id, and the README's Redis 7 requirement applies.)
    const maxDeleted = m['max-deleted-entry-id'] === undefined ? lastGenerated : String(m['max-deleted-entry-id']);
    return {
      exists: true,
      maxDeletedId: isCursor(maxDeleted) ? maxDeleted : ZERO_CURSOR,
      lastId: isCursor(lastGenerated) ? lastGenerated : ZERO_CURSOR,
    };
  }

  /** True when Redis still holds every entry after `cursor` (no resume from Cassandra needed). */
  static covers(info: StreamInfo, cursor: string): boolean {
    return info.exists && compareCursors(cursor, info.maxDeletedId) >= 0;
  }
}

/** The alert stream: alert events, each appended once per event id. */
export class RedisAlertStream extends RedisEventStream<AlertStreamData> {
  constructor(redis: Redis, opts: RedisStreamOptions) {
    super(redis, { ...opts, name: 'alerts' });
  }

  /** Appends the event unless its id was appended before; either way returns its cursor. */
  append(tenantId: string, data: AlertStreamData): Promise<{ cursor: string; created: boolean }> {
    return this.appendOnce(tenantId, data.eventId, data.careTeamId, data);
  }
}
