/**
 * NDJSON files: written atomically (a `.partial` file renamed on success, removed on failure or
 * Ctrl-C), gzip when asked (`--gzip` or a `.gz` name). gzip output is byte-for-byte reproducible:
 * node's zlib writes no file name and a zero mtime in the header.
 */
import { createReadStream, createWriteStream, promises as fs, type WriteStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { Writable } from 'node:stream';
import { once } from 'node:events';
import { createGunzip, createGzip, type Gzip } from 'node:zlib';

/** Output is encoded line by line straight into buffers of this size (see LineBuffer). */
const BUFFER_BYTES = 1024 * 1024;
/** Bytes a file stream may hold before the writer waits: scoring goes on while the disk catches up. */
const STREAM_HIGH_WATER = 32 * 1024 * 1024;

export interface NdjsonWriter {
  /** Where the data ends up (`-` for stdout). */
  readonly target: string;
  readonly lines: number;
  write(line: string): Promise<void> | void;
  /** Writes lines (without newlines). */
  writeLines(lines: readonly string[]): Promise<void> | void;
  /** Flushes and renames into place. */
  close(): Promise<void>;
  /** Removes what was written (never leaves a file that looks complete). */
  abort(): Promise<void>;
}

async function drainWrite(stream: Writable, chunk: string | Buffer): Promise<void> {
  if (!stream.write(chunk)) await once(stream, 'drain');
}

/**
 * Lines UTF-8-encoded one by one into a large Buffer, handed to the stream when full. (Joining many
 * strings first is far slower for text outside Latin-1, which scores carry: "≥", "°C".)
 */
class LineBuffer {
  lines = 0;
  private buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private used = 0;

  constructor(private readonly out: () => Writable) {}

  write(line: string): Promise<void> | void {
    this.lines++;
    const worst = line.length * 3 + 1;
    if (this.used + worst <= this.buf.length) {
      this.used += this.buf.write(line, this.used, 'utf8');
      this.buf[this.used++] = 0x0a;
      return;
    }
    return this.flush().then(() => {
      if (worst > this.buf.length) return drainWrite(this.out(), Buffer.from(`${line}\n`, 'utf8'));
      this.used += this.buf.write(line, this.used, 'utf8');
      this.buf[this.used++] = 0x0a;
    });
  }

  async writeLines(lines: readonly string[]): Promise<void> {
    for (const l of lines) {
      const p = this.write(l);
      if (p) await p;
    }
  }

  flush(): Promise<void> {
    if (this.used === 0) return Promise.resolve();
    const chunk = this.buf.subarray(0, this.used);
    this.buf = Buffer.allocUnsafe(BUFFER_BYTES);
    this.used = 0;
    return drainWrite(this.out(), chunk);
  }

  clear(): void {
    this.used = 0;
  }
}

/** What both writers share: lines go through a LineBuffer to `out()`. */
abstract class BufferedWriter {
  protected readonly buffer = new LineBuffer(() => this.out());

  protected abstract out(): Writable;

  get lines(): number {
    return this.buffer.lines;
  }

  write(line: string): Promise<void> | void {
    return this.buffer.write(line);
  }

  writeLines(lines: readonly string[]): Promise<void> | void {
    return lines.length ? this.buffer.writeLines(lines) : undefined;
  }
}

class FileWriter extends BufferedWriter implements NdjsonWriter {
  private readonly file: WriteStream;
  private readonly gzip: Gzip | null;
  private readonly head: Writable;
  private closed = false;

  constructor(
    readonly target: string,
    private readonly partial: string,
    gzip: boolean,
  ) {
    super();
    this.file = createWriteStream(partial, { highWaterMark: STREAM_HIGH_WATER });
    this.gzip = gzip ? createGzip({ level: 6 }) : null;
    if (this.gzip) this.gzip.pipe(this.file);
    this.head = this.gzip ?? this.file;
  }

  protected out(): Writable {
    return this.head;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    await this.buffer.flush();
    this.closed = true;
    const finished = once(this.file, 'close');
    this.head.end();
    await finished;
    await fs.rename(this.partial, this.target);
  }

  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.buffer.clear();
    const finished = once(this.file, 'close').catch(() => undefined);
    this.head.end();
    await finished;
    await fs.rm(this.partial, { force: true });
  }
}

class StreamWriter extends BufferedWriter implements NdjsonWriter {
  readonly target: string = '-';
  constructor(private readonly stream: Writable) {
    super();
  }
  protected out(): Writable {
    return this.stream;
  }
  close(): Promise<void> {
    return this.buffer.flush();
  }
  async abort(): Promise<void> {
    this.buffer.clear();
  }
}

/**
 * Lines on a shared stream, each as `<tag>\t<line>`: `rescore --out -` writes its files this way
 * onto standard output, for the Spark job to split (the tag is the file's name).
 */
class TaggedWriter extends StreamWriter {
  override readonly target: string;
  constructor(
    stream: Writable,
    private readonly tag: string,
  ) {
    super(stream);
    this.target = `- (${tag})`;
  }
  override write(line: string): Promise<void> | void {
    return super.write(`${this.tag}\t${line}`);
  }
  override writeLines(lines: readonly string[]): Promise<void> | void {
    return lines.length ? super.writeLines(lines.map((l) => `${this.tag}\t${l}`)) : undefined;
  }
}

/** A writer of `<tag>\t<line>` lines onto `stdout` (see TaggedWriter). */
export function openTagged(tag: string, stdout: Writable): NdjsonWriter {
  return new TaggedWriter(stdout, tag);
}

export function isGzipName(file: string): boolean {
  return file.endsWith('.gz');
}

/** Opens an NDJSON output: `-` is `stdout` (uncompressed); a file gets gzip when asked or named `.gz`. */
export async function openNdjson(target: string, opts: { gzip?: boolean; stdout: Writable }): Promise<NdjsonWriter> {
  if (target === '-') return new StreamWriter(opts.stdout);
  const gzip = opts.gzip === true || isGzipName(target);
  const file = gzip && !isGzipName(target) ? `${target}.gz` : target;
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  return new FileWriter(file, `${file}.partial`, gzip);
}

/** Writes a small whole file atomically. */
export async function writeFileAtomic(file: string, text: string): Promise<void> {
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  const partial = `${file}.partial`;
  await fs.writeFile(partial, text);
  await fs.rename(partial, file);
}

/** Lines of an NDJSON file (gzip recognised by its magic bytes), blank lines skipped. */
export async function* readNdjsonLines(file: string): AsyncGenerator<string> {
  const fh = await fs.open(file, 'r');
  const magic = Buffer.alloc(2);
  await fh.read(magic, 0, 2, 0);
  await fh.close();
  const raw = createReadStream(file);
  const input = magic[0] === 0x1f && magic[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
  const rl = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of rl) if (line.trim()) yield line;
  } finally {
    rl.close();
    raw.destroy();
  }
}
