import { KeyedCoalescer } from './keyed-coalescer';

describe('KeyedCoalescer', () => {
  it('runs one task per key at a time and merges what waits behind it into one task, in order', async () => {
    const calls: { key: string; items: number[] }[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = new KeyedCoalescer<number, number>(async (key, items) => {
      calls.push({ key, items: [...items] });
      if (calls.length === 1) await gate;
      return items.length;
    });
    const first = c.run('p1', [1]);
    await Promise.resolve();
    await Promise.resolve();
    const second = c.run('p1', [2, 3]);
    const third = c.run('p1', [4]);
    const other = c.run('p2', [9]);
    expect(await other).toBe(1);
    release();
    expect(await first).toBe(1);
    expect(await second).toBe(3);
    expect(await third).toBe(3);
    expect(calls).toEqual([
      { key: 'p1', items: [1] },
      { key: 'p2', items: [9] },
      { key: 'p1', items: [2, 3, 4] },
    ]);
  });

  it('a failed task fails its callers only; the key goes on and is forgotten when idle', async () => {
    const c = new KeyedCoalescer<string, string>(async (_key, items) => {
      if (items.includes('bad')) throw new Error('boom');
      return items.join(',');
    });
    await expect(c.run('p1', ['bad'])).rejects.toThrow('boom');
    expect(await c.run('p1', ['ok'])).toBe('ok');
    await new Promise((r) => setImmediate(r));
    expect(c.size).toBe(0);
  });
});
