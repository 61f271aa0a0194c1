/**
 * An external sort: items with a string sort key are kept in memory up to a limit, then written as
 * sorted runs to a private temporary directory and merged on the way out. Memory stays bounded
 * whatever the range. Order: the key (UTF-16 code units), then the item's encoding, so items with
 * equal keys still come out in one reproducible order. Runs may hold PHI (check-in data): the
 * directory is private (0700) and removed by `dispose()`.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, promises as fs } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface SpoolOptions<T> {
  /** Items kept in memory before a run is written. */
  maxInMemory: number;
  /** Parent of the private run directory. Default os.tmpdir(). */
  tmpDir?: string;
  encode(item: T): string;
  decode(text: string): T;
}

export interface SpoolEntry<T> {
  key: string;
  item: T;
}

interface Entry<T> {
  key: string;
  item: T;
  enc?: string;
}

function cmpStr(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class SortSpool<T> {
  private mem: Entry<T>[] = [];
  private runs: string[] = [];
  private dir: string | null = null;
  private count = 0;
  private disposed = false;

  constructor(private readonly opts: SpoolOptions<T>) {}

  get size(): number {
    return this.count;
  }

  /** Runs written to disk so far. */
  get spilledRuns(): number {
    return this.runs.length;
  }

  add(key: string, item: T): Promise<void> | void {
    this.mem.push({ key, item });
    this.count++;
    if (this.mem.length >= this.opts.maxInMemory) return this.spill();
  }

  private encoded(e: Entry<T>): string {
    return (e.enc ??= this.opts.encode(e.item));
  }

  private sortMem(): void {
    this.mem.sort((a, b) => cmpStr(a.key, b.key) || cmpStr(this.encoded(a), this.encoded(b)));
  }

  private async spill(): Promise<void> {
    if (this.mem.length === 0) return;
    this.sortMem();
    if (this.dir === null) this.dir = await fs.mkdtemp(path.join(this.opts.tmpDir ?? os.tmpdir(), `vigil-replay-${randomBytes(3).toString('hex')}-`));
    await fs.chmod(this.dir, 0o700);
    const file = path.join(this.dir, `run-${String(this.runs.length).padStart(5, '0')}.jsonl`);
    const out = createWriteStream(file, { mode: 0o600 });
    let chunk: string[] = [];
    for (const e of this.mem) {
      chunk.push(JSON.stringify([e.key, this.encoded(e)]));
      if (chunk.length >= 2000) {
        if (!out.write(`${chunk.join('\n')}\n`)) await once(out, 'drain');
        chunk = [];
      }
    }
    if (chunk.length) out.write(`${chunk.join('\n')}\n`);
    const closed = once(out, 'close');
    out.end();
    await closed;
    this.runs.push(file);
    this.mem = [];
  }

  /**
   * Every item in order. With `dedupe`, an item equal to the previous one (same key and same
   * encoding) is skipped; `onDuplicate` counts them.
   */
  async *drain(opts: { dedupe?: boolean; onDuplicate?: (key: string) => void } = {}): AsyncGenerator<SpoolEntry<T>> {
    if (this.runs.length === 0) {
      this.sortMem();
      const mem = this.mem;
      this.mem = [];
      let prev: Entry<T> | null = null;
      for (let i = 0; i < mem.length; i++) {
        const e = mem[i];
        // Let go of each item once handed on: the collector need not keep tracing what was drained.
        (mem as (Entry<T> | undefined)[])[i] = undefined;
        if (opts.dedupe && prev !== null && prev.key === e.key && this.encoded(prev) === this.encoded(e)) {
          opts.onDuplicate?.(e.key);
          continue;
        }
        prev = e;
        yield { key: e.key, item: e.item };
      }
      return;
    }
    let prevKey: string | null = null;
    let prevEnc: string | null = null;
    await this.spill();
    const readers = this.runs.map((file) => {
      const rl = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
      return { rl, it: rl[Symbol.asyncIterator]() };
    });
    const heads: ([string, string] | null)[] = await Promise.all(
      readers.map(async (r) => {
        const n = await r.it.next();
        return n.done ? null : (JSON.parse(n.value as string) as [string, string]);
      }),
    );
    try {
      for (;;) {
        let min = -1;
        for (let i = 0; i < heads.length; i++) {
          const h = heads[i];
          if (h === null) continue;
          if (min < 0) {
            min = i;
            continue;
          }
          const m = heads[min] as [string, string];
          if (cmpStr(h[0], m[0]) < 0 || (h[0] === m[0] && cmpStr(h[1], m[1]) < 0)) min = i;
        }
        if (min < 0) break;
        const [key, enc] = heads[min] as [string, string];
        const n = await readers[min].it.next();
        heads[min] = n.done ? null : (JSON.parse(n.value as string) as [string, string]);
        if (opts.dedupe) {
          if (key === prevKey && enc === prevEnc) {
            opts.onDuplicate?.(key);
            continue;
          }
          prevKey = key;
          prevEnc = enc;
        }
        yield { key, item: this.opts.decode(enc) };
      }
    } finally {
      for (const r of readers) r.rl.close();
    }
  }

  /** Removes the run files (call in `finally`). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.mem = [];
    if (this.dir) await fs.rm(this.dir, { recursive: true, force: true });
  }
}

/**
 * A spool of NDJSON lines (what every command sorts). Holding each event as one flat string rather
 * than its object graph keeps the garbage collector's work small while a large range is held.
 */
export function lineSpool(opts: { maxInMemory: number; tmpDir?: string }): SortSpool<string> {
  return new SortSpool<string>({ ...opts, encode: (s) => s, decode: (s) => s });
}
