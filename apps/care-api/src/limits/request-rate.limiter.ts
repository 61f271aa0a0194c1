import { Injectable } from '@nestjs/common';
import Redis from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { LimitsConfig, userKey } from './limits.config';

export interface RateDecision {
  allowed: boolean;
  remaining: number;
  /** Seconds until the user's window resets (Retry-After when refused). */
  retryAfterSeconds: number;
}

/**
 * Per-user request budget, a fixed window counted in Redis (one atomic Lua call per request,
 * rate-limiter-flexible), so it holds across instances. While Redis is away each instance falls
 * back to the same budget in memory (the insurance limiter): requests are still limited, per
 * instance, and never refused because the counter store is down.
 */
@Injectable()
export class RequestRateLimiter {
  private readonly limiter: RateLimiterRedis;

  constructor(
    readonly limits: LimitsConfig,
    redis: Redis,
  ) {
    this.limiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${limits.redisKeyPrefix}care-rl`,
      points: limits.requestsPerWindow,
      duration: limits.windowSeconds,
      insuranceLimiter: new RateLimiterMemory({ points: limits.requestsPerWindow, duration: limits.windowSeconds }),
    });
  }

  async take(tenantId: string, sub: string): Promise<RateDecision> {
    try {
      const res = await this.limiter.consume(userKey(tenantId, sub), 1);
      return { allowed: true, remaining: res.remainingPoints, retryAfterSeconds: Math.ceil(res.msBeforeNext / 1000) };
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(e.msBeforeNext / 1000)) };
    }
  }
}
