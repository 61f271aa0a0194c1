import type { NdjsonWriter } from '../io/ndjson';
import { mergeShardLines, patientOfLine } from './merge-lines';
import { parseShard, shardOf } from './shard';

async function* lines(xs: string[]): AsyncGenerator<string> {
  for (const x of xs) yield x;
}

function sink(): NdjsonWriter & { out: string[] } {
  const out: string[] = [];
  return {
    out,
    target: 'mem',
    lines: 0,
    write: (l: string) => void out.push(l),
    writeLines: (ls: readonly string[]) => void out.push(...ls),
    close: async () => undefined,
    abort: async () => undefined,
  };
}

const ev = (t: string, p: string, n: number) =>
  JSON.stringify({ specversion: '1.0', id: `e${n}`, source: 'x', type: 't', subject: p, time: 'z', tenantid: t, data: { n } });

describe('merging shard files', () => {
  it('reads the patient off event lines and comparison rows, escapes included, without trusting values', () => {
    expect(patientOfLine(ev('org-1', 'p-"q\\', 1))).toBe('org-1\u0000p-"q\\');
    expect(patientOfLine(JSON.stringify({ tenantId: 'o', patientId: 'p', ruleCode: 'x' }))).toBe('o\u0000p');
    // An id that spells an attribute inside its value is escaped, so it is not taken for one.
    expect(patientOfLine(JSON.stringify({ specversion: '1.0', id: '"subject":"evil', subject: 'p', tenantid: 't' }))).toBe('t\u0000p');
    expect(() => patientOfLine('{"a":1}')).toThrow(/without a tenant/);
  });

  it('merges by (tenant, patient), keeping each shard\u2019s order within a patient', async () => {
    const a = [ev('o1', 'a', 1), ev('o1', 'a', 2), ev('o1', 'c', 3), ev('o2', 'a', 4)];
    const b = [ev('o1', 'b', 5), ev('o1', 'd', 6), ev('o1', 'd', 7)];
    const out = sink();
    expect(await mergeShardLines([lines(a), lines(b)], out, ['s0', 's1'])).toBe(7);
    expect(out.out.map((l) => JSON.parse(l).data.n)).toEqual([1, 2, 5, 3, 6, 7, 4]);
  });

  it('refuses a patient in two shards and a shard out of order', async () => {
    await expect(mergeShardLines([lines([ev('o', 'a', 1)]), lines([ev('o', 'a', 2)])], sink(), ['shard 0/2', 'shard 1/2'])).rejects.toThrow(
      'patient o/a is in shard 0/2 and shard 1/2',
    );
    await expect(mergeShardLines([lines([ev('o', 'b', 1), ev('o', 'a', 2)])], sink(), ['shard 0/1'])).rejects.toThrow(/shard 0\/1: lines out of order/);
  });

  it('parses i/N and puts each patient in one shard of N', () => {
    expect(parseShard('2/3')).toEqual({ index: 2, count: 3 });
    for (const bad of ['3/3', '1/0', '-1/2', 'a/b', '1']) expect(parseShard(bad)).toBeNull();
    const seen = new Set<number>();
    for (let i = 0; i < 100; i++) seen.add(shardOf(`p-${i}`, 3, 4));
    expect([...seen].sort()).toEqual([0, 1, 2]);
  });
});
