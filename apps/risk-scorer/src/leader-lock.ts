import { randomUUID } from 'node:crypto';
import type Redis from 'ioredis';

// Extend only if we still hold it (compare the holder token, then PEXPIRE), atomically.
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
// Release only our own lock.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * "Only one instance runs the engagement tick": a Redis lease, `SET key token NX PX ttl`, renewed by
 * its holder on every tick (compare-and-PEXPIRE) and released on shutdown (compare-and-DEL). If the
 * holder dies, the lease expires after `ttlMs` and another instance takes over.
 *
 * A lease is not a fence (a paused holder can outlive it), so correctness never rests on it: the
 * scorer's state writes are conditional (LWT on the state version) and the engagement alert id is
 * derived from the silence it reports, so two ticks that overlap still raise one alert id and
 * record it once. The lock only stops every replica doing the same work.
 */
export class LeaderLock {
  readonly token = randomUUID();
  private held = false;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** True when this instance holds the lease after the call (acquired now, or renewed). */
  async acquireOrRenew(): Promise<boolean> {
    if (this.held) {
      const renewed = Number(await this.redis.eval(RENEW, 1, this.key, this.token, String(this.ttlMs)));
      if (renewed === 1) return true;
      this.held = false;
    }
    const set = await this.redis.set(this.key, this.token, 'PX', this.ttlMs, 'NX');
    this.held = set === 'OK';
    return this.held;
  }

  get isHeld(): boolean {
    return this.held;
  }

  /** Gives the lease up (shutdown), so another instance need not wait for the TTL. */
  async release(): Promise<void> {
    if (!this.held) return;
    this.held = false;
    await this.redis.eval(RELEASE, 1, this.key, this.token);
  }
}
