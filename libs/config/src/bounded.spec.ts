import { forEachLimit } from './bounded';

/** A call that stays in flight until released, so the test decides the order of completions. */
function gate() {
  let release!: () => void;
  let fail!: (e: Error) => void;
  const done = new Promise<void>((res, rej) => ((release = res), (fail = rej)));
  return { done, release, fail };
}

const flush = () => new Promise<void>((r) => setImmediate(r));

describe('forEachLimit', () => {
  it('keeps at most `limit` calls in flight and runs every item', async () => {
    let active = 0;
    let peak = 0;
    const seen: number[] = [];
    await forEachLimit([1, 2, 3, 4, 5, 6, 7], 3, async (n) => {
      active++;
      peak = Math.max(peak, active);
      await flush();
      seen.push(n);
      active--;
    });
    expect(peak).toBe(3);
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('resolves at once for no items and treats a limit below 1 as 1', async () => {
    await expect(forEachLimit([], 4, () => Promise.reject(new Error('never')))).resolves.toBeUndefined();
    const seen: number[] = [];
    await forEachLimit([1, 2], 0, async (n) => void seen.push(n));
    expect(seen).toEqual([1, 2]);
  });

  it('by default runs every item, then rejects with the first error after all settled', async () => {
    const gates = [gate(), gate(), gate()];
    const started: number[] = [];
    const run = forEachLimit([0, 1, 2], 2, (i) => (started.push(i), gates[i].done));
    let settled = false;
    void run.catch(() => (settled = true));
    gates[0].fail(new Error('first'));
    await flush();
    gates[2].fail(new Error('second'));
    await flush();
    expect(started).toEqual([0, 1, 2]);
    expect(settled).toBe(false); // item 1 is still running
    gates[1].release();
    await expect(run).rejects.toThrow('first');
  });

  it('with stopOnError starts nothing after a failure but waits for the calls in flight', async () => {
    const gates = [gate(), gate(), gate(), gate()];
    const started: number[] = [];
    const run = forEachLimit([0, 1, 2, 3], 2, (i) => (started.push(i), gates[i].done), { stopOnError: true });
    let settled = false;
    void run.catch(() => (settled = true));
    gates[0].fail(new Error('boom'));
    await flush();
    expect(settled).toBe(false);
    gates[1].release();
    await expect(run).rejects.toThrow('boom');
    expect(started).toEqual([0, 1]);
  });
});
