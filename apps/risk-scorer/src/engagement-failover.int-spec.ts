/**
 * Engagement leadership on the real Redis: a leader that dies without releasing
 * its lease is replaced within the lease TTL plus one renewal period (not 3 check intervals), the new
 * leader ticks at once, and two schedulers never work on due rows at the same time, also when the
 * leader is cut off from Redis in the middle of a tick. The scorer and the store are fakes of our
 * own ports (they record which scheduler checked which row, and when); Redis is real.
 */
import { performance } from 'node:perf_hooks';
import Redis from 'ioredis';
import { deleteRedisPrefix, testRedisUrl, uniqueRedisPrefix, waitFor } from '@vigil/testing';
import { EngagementScheduler } from './engagement';
import { LeaderLease, worstCaseTakeoverMs } from './leader-lease';
import { hourOf } from './schedule';
import type { DueRow } from './scorer.store';
import { ScorerMetrics, createPinoLogger } from './telemetry';

jest.setTimeout(60_000);

const TTL_MS = 3_000;
const RENEW_MS = 1_000;
const NOW = Date.UTC(2026, 2, 1, 12, 0);

interface Work {
  who: string;
  start: number;
  end: number;
}

describe('engagement leadership (Redis lease)', () => {
  const prefix = uniqueRedisPrefix('lease');
  const key = `${prefix}engagement-lock`;
  const clients: Redis[] = [];
  const work: Work[] = [];
  const schedulers: EngagementScheduler[] = [];

  /** A scheduler whose every tick finds `rowsPerTick` due rows, each taking `rowMs` to check. */
  function scheduler(who: string, rowMs = 20, rowsPerTick = 5) {
    const redis = new Redis(testRedisUrl(), { maxRetriesPerRequest: 1, enableOfflineQueue: false, commandTimeout: 1000 });
    clients.push(redis);
    const lease = new LeaderLease(redis, key, { ttlMs: TTL_MS, renewEveryMs: RENEW_MS });
    const store = {
      async *listDue(hour: number): AsyncGenerator<DueRow> {
        if (hour !== hourOf(NOW)) return;
        for (let i = 0; i < rowsPerTick; i++) yield { hour, dueAt: NOW - 1000, tenantId: 't', patientId: `p${i}` };
      },
      getWatermark: async () => hourOf(NOW),
      setWatermark: async () => undefined,
    };
    const scorer = {
      async checkDue(): Promise<number> {
        const start = performance.now();
        await new Promise((r) => setTimeout(r, rowMs));
        work.push({ who, start, end: performance.now() });
        return 0;
      },
    };
    const s = new EngagementScheduler({
      scorer,
      store,
      lease,
      intervalMs: 60_000, // as in production: failover must not depend on it
      log: createPinoLogger('silent'),
      metrics: new ScorerMetrics(),
      concurrency: 1,
      now: () => NOW,
    });
    schedulers.push(s);
    return { s, lease, redis };
  }

  /** No two schedulers' row checks overlap in time. */
  const overlaps = () => {
    const sorted = [...work].sort((a, b) => a.start - b.start);
    const bad: string[] = [];
    for (let i = 1; i < sorted.length; i++)
      if (sorted[i].who !== sorted[i - 1].who && sorted[i].start < sorted[i - 1].end) bad.push(`${sorted[i - 1].who}/${sorted[i].who}`);
    return bad;
  };

  afterEach(async () => {
    for (const s of schedulers.splice(0)) await s.stop().catch(() => undefined);
    for (const c of clients.splice(0)) c.disconnect();
    work.length = 0;
    await deleteRedisPrefix(prefix).catch(() => undefined);
  });

  it(`a leader killed without releasing is replaced within TTL + one renewal (${worstCaseTakeoverMs({ ttlMs: TTL_MS, renewEveryMs: RENEW_MS })} ms), and the new one ticks at once`, async () => {
    const a = scheduler('a');
    a.s.start();
    await waitFor(() => work.some((w) => w.who === 'a') || null, 10_000, { what: 'a ticks as leader' });
    const b = scheduler('b');
    b.s.start();
    await new Promise((r) => setTimeout(r, 2 * RENEW_MS)); // b contends for two renewal periods
    expect(work.some((w) => w.who === 'b')).toBe(false);

    const killedAt = performance.now();
    await a.s.abandon(); // a crash: the lease stays in Redis until it expires
    a.redis.disconnect();
    await waitFor(() => work.some((w) => w.who === 'b') || null, 20_000, { what: 'b ticks', intervalMs: 20 });
    const takeoverMs = work.find((w) => w.who === 'b')!.start - killedAt;
    // The first row check begins once b holds the lease: never before a's lease could have run out.
    expect(takeoverMs).toBeLessThanOrEqual(worstCaseTakeoverMs({ ttlMs: TTL_MS, renewEveryMs: RENEW_MS }) + 500);
    expect(overlaps()).toEqual([]);
  });

  it('a leader cut off from Redis mid-tick stops before its lease could pass to another, so both never check rows at once', async () => {
    // Long ticks: 200 rows of 30 ms, i.e. 6 s of work per tick, longer than the TTL.
    const a = scheduler('a', 30, 200);
    a.s.start();
    await waitFor(() => work.some((w) => w.who === 'a') || null, 10_000, { what: 'a ticks' });
    const b = scheduler('b', 30, 200);
    b.s.start();
    const cutAt = performance.now();
    a.redis.disconnect(); // a can no longer renew, but keeps running its tick
    await waitFor(() => work.some((w) => w.who === 'b') || null, 20_000, { what: 'b takes over', intervalMs: 20 });
    const lastOfA = Math.max(...work.filter((w) => w.who === 'a').map((w) => w.end));
    const firstOfB = Math.min(...work.filter((w) => w.who === 'b').map((w) => w.start));
    expect(lastOfA).toBeLessThan(firstOfB);
    expect(lastOfA - cutAt).toBeLessThan(TTL_MS); // a stopped by its own deadline, before the TTL ran out in Redis
    expect(firstOfB - cutAt).toBeLessThanOrEqual(worstCaseTakeoverMs({ ttlMs: TTL_MS, renewEveryMs: RENEW_MS }) + 500);
    expect(overlaps()).toEqual([]);
  });

  it('a clean stop hands over at once (the lease is released)', async () => {
    const a = scheduler('a');
    a.s.start();
    await waitFor(() => work.some((w) => w.who === 'a') || null, 10_000, { what: 'a ticks' });
    const b = scheduler('b');
    b.s.start();
    const stoppedAt = performance.now();
    await a.s.stop();
    await waitFor(() => work.some((w) => w.who === 'b') || null, 10_000, { what: 'b ticks', intervalMs: 20 });
    expect(work.find((w) => w.who === 'b')!.start - stoppedAt).toBeLessThanOrEqual(RENEW_MS + 500);
    expect(overlaps()).toEqual([]);
  });
});
