import { backoffDelay, sleep } from './backoff';

describe('backoffDelay', () => {
  it('doubles from initialMs, with jitter in [d/2, d]', () => {
    for (let attempt = 0; attempt < 6; attempt++) {
      const d = 200 * 2 ** attempt;
      expect(backoffDelay(attempt, { initialMs: 200, maxMs: 30_000 }, () => 0)).toBe(d / 2);
      expect(backoffDelay(attempt, { initialMs: 200, maxMs: 30_000 }, () => 1)).toBe(d);
      const r = backoffDelay(attempt, { initialMs: 200, maxMs: 30_000 });
      expect(r).toBeGreaterThanOrEqual(d / 2);
      expect(r).toBeLessThanOrEqual(d);
    }
  });

  it('is capped at maxMs, also for huge attempt numbers', () => {
    expect(backoffDelay(10, { initialMs: 200, maxMs: 30_000 }, () => 1)).toBe(30_000);
    expect(backoffDelay(1e9, { initialMs: 200, maxMs: 30_000 }, () => 1)).toBe(30_000);
    expect(backoffDelay(1e9, { initialMs: 200, maxMs: 30_000 }, () => 0)).toBe(15_000);
  });

  it('defaults to 200 ms .. 30 s', () => {
    expect(backoffDelay(0, {}, () => 1)).toBe(200);
    expect(backoffDelay(50, {}, () => 1)).toBe(30_000);
  });
});

describe('sleep', () => {
  it('ends early when aborted', async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const p = sleep(10_000, ac.signal);
    ac.abort();
    await p;
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});
