import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';

/** The shared test Redis: REDIS_URL or 127.0.0.1:6379. */
export function testRedisUrl(): string {
  return process.env['REDIS_URL'] || 'redis://127.0.0.1:6379';
}

/** A key prefix unique to one test file or run (`t:<name>:<random>:`): tests isolate by it, never by FLUSHDB. */
export function uniqueRedisPrefix(name = 'vigil'): string {
  return `t:${name.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 24)}:${randomBytes(4).toString('hex')}:`;
}

/** Deletes every key under a prefix (SCAN, never KEYS or FLUSHDB: the Redis is shared). Returns how many. */
export async function deleteRedisPrefix(prefix: string, url = testRedisUrl()): Promise<number> {
  if (!prefix || prefix.length < 3) throw new Error('refusing to delete an empty or too short prefix');
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  let deleted = 0;
  try {
    let cursor = '0';
    const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`;
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return deleted;
}
