import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { PassThrough } from 'node:stream';
import { openNdjson, readNdjsonLines } from './ndjson';

describe('NDJSON files', () => {
  let dir: string;
  beforeAll(async () => (dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ndjson-test-'))));
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('appear only when closed, gzip reproducibly, and read back (plain or gzip)', async () => {
    const write = async (name: string, gzip: boolean) => {
      const w = await openNdjson(path.join(dir, name), { gzip, stdout: new PassThrough() });
      await w.write('{"a":1}');
      await w.writeLines(['{"b":2}', '{"c":"≥3"}']);
      await expect(fs.access(w.target)).rejects.toThrow();
      await w.close();
      return w;
    };
    const plain = await write('x.ndjson', false);
    expect(plain.lines).toBe(3);
    expect(await fs.readFile(plain.target, 'utf8')).toBe('{"a":1}\n{"b":2}\n{"c":"≥3"}\n');
    const gz1 = await write('y.ndjson', true);
    const gz2 = await write('z.ndjson.gz', false);
    expect(gz1.target.endsWith('y.ndjson.gz')).toBe(true);
    const [b1, b2] = await Promise.all([fs.readFile(gz1.target), fs.readFile(gz2.target)]);
    expect(b1.equals(b2)).toBe(true);
    expect(gunzipSync(b1).toString()).toBe(await fs.readFile(plain.target, 'utf8'));
    const back: string[] = [];
    for await (const l of readNdjsonLines(gz1.target)) back.push(l);
    expect(back).toEqual(['{"a":1}', '{"b":2}', '{"c":"≥3"}']);
  });

  it('abort leaves nothing behind', async () => {
    const w = await openNdjson(path.join(dir, 'gone.ndjson'), { stdout: new PassThrough() });
    await w.write('{"a":1}');
    await w.abort();
    expect((await fs.readdir(dir)).filter((f) => f.startsWith('gone'))).toEqual([]);
  });
});
