import type Redis from 'ioredis';
import { keyPart } from '../redis';

/**
 * Per-patient fixed-window rate limit in Redis: `rl:{org}:{patient}:{window}` counts check-ins
 * (a batch counts its items). One atomic INCRBY per request; the key expires with its window.
 * A fixed window lets a patient send up to twice the limit across a window boundary: fine for a
 * limit that only protects the system from a runaway app.
 */
const TAKE_LUA = `
local c = redis.call('INCRBY', KEYS[1], ARGV[1])
if c == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return c`;

type ScriptedRedis = Redis & { rateTake(key: string, n: number, ttlMs: number): Promise<number> };

export interface RateDecision {
  /** How many of the requested check-ins may go ahead (0..n). */
  granted: number;
  /** Seconds until the window resets (for Retry-After). */
  retryAfterSeconds: number;
}

export class RateLimiter {
  private readonly redis: ScriptedRedis;
  private readonly windowMs = 60_000;

  constructor(
    redis: Redis,
    private readonly limitPerMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!('rateTake' in redis)) redis.defineCommand('rateTake', { numberOfKeys: 1, lua: TAKE_LUA });
    this.redis = redis as ScriptedRedis;
  }

  /** Takes up to n from the patient's budget. Throws if Redis is unavailable (the caller decides). */
  async take(org: string, patient: string, n: number): Promise<RateDecision> {
    const now = this.now();
    const window = Math.floor(now / this.windowMs);
    const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * this.windowMs - now) / 1000));
    if (n <= 0) return { granted: 0, retryAfterSeconds };
    const count = await this.redis.rateTake(`rl:${keyPart(org)}:${keyPart(patient)}:${window}`, n, this.windowMs + 5000);
    const before = count - n;
    const granted = Math.max(0, Math.min(n, this.limitPerMinute - before));
    return { granted, retryAfterSeconds };
  }
}
