import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import type Redis from 'ioredis';

/**
 * One atomic step of the lease: renew it if we hold it (1), take it if nobody does (2, with a new
 * generation number from the fence counter), else 0. KEYS: lease, fence counter; ARGV: token, ttl.
 */
const ACQUIRE_OR_RENEW = `
local v = redis.call('get', KEYS[1])
if v == ARGV[1] then redis.call('pexpire', KEYS[1], ARGV[2]) return {1, tonumber(redis.call('get', KEYS[2]) or '0')} end
if not v then redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2]) return {2, redis.call('incr', KEYS[2])} end
return {0, 0}`;
// Release only our own lease.
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface LeaderLeaseOptions {
  /** Lease length in Redis: how long a dead holder keeps others out. */
  ttlMs: number;
  /** How often the holder renews and the others try to take over (well under ttlMs). */
  renewEveryMs: number;
  /** Monotonic milliseconds (tests). */
  clock?: () => number;
}

export interface LeaseHandlers {
  /** This instance (re)gained the lease after not holding it. */
  onAcquired?: (generation: number) => void;
  /** This instance found it no longer holds the lease (renewal refused, failed or answered too late). */
  onLost?: (reason: string) => void;
}

/**
 * "Only one instance runs the engagement tick", decoupled from how often the tick runs: a Redis
 * lease (`SET key token NX PX ttl`) that its holder renews on its own timer every `renewEveryMs`,
 * while the others try to take it on the same timer. A holder that dies without releasing keeps it
 * for at most `ttlMs`; someone else holds it at most `renewEveryMs` after that.
 *
 * The holder counts its lease from the moment it SENT the command that set or renewed it, minus a
 * drift margin, on its own monotonic clock (`validUntil`). Redis starts the TTL later than that, so
 * the holder's own deadline always falls before anyone else can take the lease: a holder that is
 * paused, partitioned from Redis or slow to hear back stops being the leader by its own clock first
 * (`isValid()` is false), and the tick checks it before every unit of work. Work already started
 * when the deadline passes is finished; it is safe twice (state writes are LWT, alert ids come
 * from their cause). The generation (a Redis counter bumped on every take-over) names each reign in logs.
 */
export class LeaderLease {
  readonly token = randomUUID();
  private validUntil = 0;
  private generationHeld = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private inFlight: Promise<boolean> | null = null;
  private running = false;
  private handlers: LeaseHandlers = {};
  private readonly clock: () => number;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly opts: LeaderLeaseOptions,
  ) {
    if (!(opts.renewEveryMs > 0 && opts.renewEveryMs * 2 <= opts.ttlMs)) throw new Error('the lease must be renewed at least twice per TTL');
    this.clock = opts.clock ?? (() => performance.now());
  }

  /** Safety margin for clock-rate drift between this process and Redis (as Redlock: 1% + 2 ms), and a floor. */
  get driftMs(): number {
    return Math.max(50, Math.ceil(this.opts.ttlMs * 0.01) + 2);
  }

  /** True while this instance holds the lease by its own clock. */
  isValid(): boolean {
    return this.clock() < this.validUntil;
  }

  /** Milliseconds of the lease left by this instance's clock (0 when not held). */
  remainingMs(): number {
    return Math.max(0, this.validUntil - this.clock());
  }

  get generation(): number {
    return this.isValid() ? this.generationHeld : 0;
  }

  /** Starts renewing / contending now and every `renewEveryMs`. */
  start(handlers: LeaseHandlers = {}): void {
    if (this.running) return;
    this.running = true;
    this.handlers = handlers;
    const loop = () => {
      if (!this.running) return;
      void this.attempt().finally(() => {
        if (!this.running) return;
        this.timer = setTimeout(loop, this.opts.renewEveryMs);
        this.timer.unref?.();
      });
    };
    loop();
  }

  /** One renew-or-acquire round trip; true when this instance holds the lease afterwards. Never throws. */
  attempt(): Promise<boolean> {
    this.inFlight ??= this.roundTrip().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async roundTrip(): Promise<boolean> {
    const wasValid = this.isValid();
    const sentAt = this.clock();
    let status = 0;
    let generation = 0;
    try {
      const reply = (await this.redis.eval(ACQUIRE_OR_RENEW, 2, this.key, `${this.key}:generation`, this.token, String(this.opts.ttlMs))) as [number, number];
      status = Number(reply[0]);
      generation = Number(reply[1]);
    } catch (e) {
      // Unknown outcome: the lease may still be ours in Redis, but we cannot count on it.
      this.validUntil = 0;
      if (wasValid) this.handlers.onLost?.(`redis: ${e instanceof Error ? e.message : String(e)}`);
      return false;
    }
    if (status === 0) {
      this.validUntil = 0;
      if (wasValid) this.handlers.onLost?.('held by another instance');
      return false;
    }
    const until = sentAt + this.opts.ttlMs - this.driftMs;
    if (this.clock() >= until) {
      // The answer came too late to be of use; the lease may expire at any moment.
      this.validUntil = 0;
      if (wasValid) this.handlers.onLost?.('renewal answered too late');
      return false;
    }
    this.validUntil = until;
    if (!wasValid) {
      this.generationHeld = generation;
      this.handlers.onAcquired?.(generation);
    }
    return true;
  }

  /** Stops the timer; gives the lease up unless `release` is false (a crash leaves it to expire). */
  async stop(release = true): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.inFlight?.catch(() => undefined);
    const held = this.validUntil > 0;
    this.validUntil = 0;
    if (release && held) await this.redis.eval(RELEASE, 1, this.key, this.token);
  }
}

/** The longest the engagement check can stop after its leader dies without releasing: the lease runs out, then the next contender's attempt. */
export function worstCaseTakeoverMs(o: Pick<LeaderLeaseOptions, 'ttlMs' | 'renewEveryMs'>): number {
  return o.ttlMs + o.renewEveryMs;
}
