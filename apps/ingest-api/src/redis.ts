import Redis from 'ioredis';
import type { IngestConfig } from './config';

/**
 * The Redis client for idempotency and rate limits. It fails fast instead of queueing: commands
 * while disconnected error at once (no offline queue) and a slow Redis times out after
 * REDIS_COMMAND_TIMEOUT_MS, so a Redis outage costs a request milliseconds, not seconds, on the
 * fail-open paths. It keeps reconnecting in the background.
 */
export function createRedis(config: Pick<IngestConfig, 'REDIS_URL' | 'REDIS_KEY_PREFIX' | 'REDIS_COMMAND_TIMEOUT_MS'>): Redis {
  return new Redis(config.REDIS_URL, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
    enableAutoPipelining: true,
  });
}

/** Key parts from token claims: encoded so that `:` in an id can never make two keys collide. */
export function keyPart(s: string): string {
  return encodeURIComponent(s);
}
