import { KeyedMutex } from './keyed-mutex';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('KeyedMutex', () => {
  it('serialises work on one key and lets other keys run', async () => {
    const m = new KeyedMutex();
    const log: string[] = [];
    const job = (key: string, name: string) =>
      m.run(key, async () => {
        log.push(`${name}+`);
        await tick();
        log.push(`${name}-`);
      });
    await Promise.all([job('a', 'a1'), job('a', 'a2'), job('b', 'b1')]);
    expect(log.indexOf('a1-')).toBeLessThan(log.indexOf('a2+'));
    expect(log.indexOf('b1+')).toBeLessThan(log.indexOf('a1-'));
    expect(m.size).toBe(0);
  });

  it('takes several keys without deadlock and releases on error', async () => {
    const m = new KeyedMutex();
    const results = await Promise.allSettled([
      m.runMany(['x', 'y'], async () => {
        await tick();
        return 1;
      }),
      m.runMany(['y', 'x'], async () => {
        throw new Error('boom');
      }),
      m.run('x', async () => 3),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(m.size).toBe(0);
  });
});
