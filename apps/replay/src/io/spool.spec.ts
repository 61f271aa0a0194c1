import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SortSpool } from './spool';

const spool = (maxInMemory: number, tmpDir?: string) =>
  new SortSpool<{ v: string }>({ maxInMemory, tmpDir, encode: (x) => JSON.stringify(x), decode: (s) => JSON.parse(s) as { v: string } });

async function drainAll(s: SortSpool<{ v: string }>, dedupe = false): Promise<string[]> {
  const out: string[] = [];
  for await (const e of s.drain({ dedupe })) out.push(`${e.key}=${e.item.v}`);
  return out;
}

describe('SortSpool', () => {
  const input = Array.from({ length: 2500 }, (_, i) => ({ key: `k${String((i * 7919) % 1000).padStart(4, '0')}`, v: String(i % 3) }));

  it('gives the same order in memory and when spilled to disk, keys then encodings', async () => {
    const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'spool-test-'));
    try {
      const mem = spool(1_000_000);
      const disk = spool(300, tmp);
      for (const x of input) {
        await mem.add(x.key, { v: x.v });
        await disk.add(x.key, { v: x.v });
      }
      expect(disk.spilledRuns).toBeGreaterThan(5);
      const a = await drainAll(mem);
      const b = await drainAll(disk);
      expect(b).toEqual(a);
      expect(a).toEqual([...a].sort());
      expect(a).toHaveLength(2500);
      await disk.dispose();
      expect(await fs.readdir(tmp)).toEqual([]);
    } finally {
      await fs.rm(tmp, { recursive: true, force: true });
    }
  });

  it('dedupe drops only exact repeats (same key and same item), in memory and on disk', async () => {
    for (const max of [1_000_000, 3]) {
      const s = spool(max);
      for (const [k, v] of [
        ['b', '1'],
        ['a', '1'],
        ['b', '1'],
        ['b', '2'],
        ['a', '1'],
        ['c', '0'],
      ])
        await s.add(k, { v });
      expect(await drainAll(s, true)).toEqual(['a=1', 'b=1', 'b=2', 'c=0']);
      await s.dispose();
    }
  });
});
