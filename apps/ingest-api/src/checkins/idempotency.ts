import { createHash, randomBytes } from 'crypto';
import type Redis from 'ioredis';
import { keyPart } from '../redis';

/**
 * checkInId idempotency in Redis.
 *
 * Key `idem:{org}:{patient}:{checkInId}` (under REDIS_KEY_PREFIX). Value:
 *   `p|<fingerprint>|<token>`       pending: a request is producing it (short TTL, so a crashed
 *                                    instance cannot block retries for days)
 *   `d|<fingerprint>|<receivedAt>`  done: Kafka acknowledged it (TTL IDEMPOTENCY_TTL_SECONDS >= 7 days)
 * The fingerprint is the SHA-256 of the canonical JSON of the validated check-in, so key order or
 * whitespace in the body does not matter, but any value does.
 */
export type Reservation =
  /** Ours to produce; complete() or release() it. */
  | { kind: 'new'; token: string }
  /** Already accepted with the same body: answer the same 202. */
  | { kind: 'done'; receivedAt: string }
  /** The same checkInId with a different body. */
  | { kind: 'conflict' }
  /** Another request is producing it right now. */
  | { kind: 'pending' };

export interface IdempotencyItem {
  key: string;
  fingerprint: string;
}

/** Canonical JSON: object keys sorted at every level, arrays in order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url');
}

export function idempotencyKey(org: string, patient: string, checkInId: string): string {
  return `idem:${keyPart(org)}:${keyPart(patient)}:${checkInId}`;
}

// complete: the key becomes done unless someone else's value is there (our pending expired and
// another request took it: leave theirs).
const COMPLETE_LUA = `
local v = redis.call('GET', KEYS[1])
if v == false or v == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0`;

// release: drop our pending value (the produce failed) so a retry can succeed.
const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

type ScriptedRedis = Redis & {
  idemComplete(key: string, pending: string, done: string, ttl: number): Promise<number>;
  idemRelease(key: string, pending: string): Promise<number>;
};

export interface IdempotencyOptions {
  ttlSeconds: number;
  /** TTL of a pending reservation: longer than a produce can take. */
  pendingTtlMs: number;
  /** Poll interval while waiting for another request's pending reservation. */
  pollMs?: number;
}

export class IdempotencyStore {
  private readonly redis: ScriptedRedis;
  private readonly pollMs: number;

  constructor(
    redis: Redis,
    private readonly options: IdempotencyOptions,
  ) {
    if (!('idemComplete' in redis)) {
      redis.defineCommand('idemComplete', { numberOfKeys: 1, lua: COMPLETE_LUA });
      redis.defineCommand('idemRelease', { numberOfKeys: 1, lua: RELEASE_LUA });
    }
    this.redis = redis as ScriptedRedis;
    this.pollMs = options.pollMs ?? 20;
  }

  /** One round trip for any number of items: SET NX GET each key to pending. Throws if Redis is unavailable. */
  async reserve(items: IdempotencyItem[]): Promise<Reservation[]> {
    const tokens = items.map(() => randomBytes(9).toString('base64url'));
    const replies = await Promise.all(
      items.map(
        (it, i) =>
          this.redis.call('SET', it.key, `p|${it.fingerprint}|${tokens[i]}`, 'PX', String(this.options.pendingTtlMs), 'NX', 'GET') as Promise<string | null>,
      ),
    );
    return replies.map((old, i) => (old === null ? { kind: 'new', token: tokens[i] } : classify(old, items[i].fingerprint)));
  }

  async complete(items: (IdempotencyItem & { token: string; receivedAt: string })[]): Promise<void> {
    await Promise.all(
      items.map((it) => this.redis.idemComplete(it.key, `p|${it.fingerprint}|${it.token}`, `d|${it.fingerprint}|${it.receivedAt}`, this.options.ttlSeconds)),
    );
  }

  async release(items: (IdempotencyItem & { token: string })[]): Promise<void> {
    await Promise.all(items.map((it) => this.redis.idemRelease(it.key, `p|${it.fingerprint}|${it.token}`)));
  }

  /**
   * Waits while another request holds the key pending. Resolves `done`/`conflict` when it
   * finishes, a fresh `new` reservation of our own if it gave up (its produce failed), or `pending`
   * if it is still not finished at the deadline.
   */
  async awaitPending(item: IdempotencyItem, deadline: number): Promise<Reservation> {
    while (Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, this.pollMs));
      const v = await this.redis.get(item.key);
      if (v === null) {
        const [again] = await this.reserve([item]);
        if (again.kind !== 'pending') return again;
        continue;
      }
      const r = classify(v, item.fingerprint);
      if (r.kind !== 'pending') return r;
    }
    return { kind: 'pending' };
  }
}

function classify(value: string, fp: string): Reservation {
  const [state, storedFp, rest] = value.split('|');
  if (storedFp !== fp) return { kind: 'conflict' };
  if (state === 'd') return { kind: 'done', receivedAt: rest ?? '' };
  return { kind: 'pending' };
}
