import { Rng, hash128, round } from './prng';

describe('seeded random numbers', () => {
  it('gives the same sequence for the same key, another for another key', () => {
    const a = new Rng('vigil|1');
    const b = new Rng('vigil|1');
    const c = new Rng('vigil|2');
    const xs = Array.from({ length: 50 }, () => a.nextU32());
    expect(Array.from({ length: 50 }, () => b.nextU32())).toEqual(xs);
    expect(Array.from({ length: 50 }, () => c.nextU32())).not.toEqual(xs);
    expect(hash128('x')).toEqual(hash128('x'));
  });

  it('pins the first numbers (a change to the generator changes every cohort: bump the cohort format)', () => {
    const r = new Rng('pin');
    expect([r.nextU32(), r.nextU32(), r.nextU32()]).toEqual([1884162978, 1310369559, 2579023017]);
  });

  it('draws in range, with about the right mean and spread', () => {
    const r = new Rng('stats');
    let sum = 0;
    let sq = 0;
    const n = 20000;
    let outOfRange = 0;
    for (let i = 0; i < n; i++) {
      const x = r.normal(10, 2);
      sum += x;
      sq += x * x;
      const k = r.int(3, 5);
      const u = r.next();
      if (k < 3 || k > 5 || u < 0 || u >= 1) outOfRange++;
    }
    expect(outOfRange).toBe(0);
    const mean = sum / n;
    expect(mean).toBeCloseTo(10, 1);
    expect(Math.sqrt(sq / n - mean * mean)).toBeCloseTo(2, 1);
  });

  it('makes version-4 UUIDs', () => {
    const r = new Rng('ids');
    const ids = new Set(Array.from({ length: 1000 }, () => r.uuid()));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('rounds without negative zero', () => {
    expect(Object.is(round(-0.0001, 2), 0)).toBe(true);
    expect(round(81.349, 1)).toBe(81.3);
  });
});
