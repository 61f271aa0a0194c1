/**
 * Parquet files (hyparquet-writer), written as NDJSON files are: into `<name>.partial`, renamed only
 * when complete, removed on failure or Ctrl-C. Rows are buffered and written a row group at a time,
 * so memory holds one row group, not the file. The bytes depend only on the rows (no timestamps in
 * the footer), so the same export gives the same file.
 */
import { closeSync, openSync, promises as fs, writeSync } from 'node:fs';
import path from 'node:path';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { parquetSchema, PARQUET_COLUMNS, type Cell, type Row } from '../export/parquet-columns';
import type { StreamKind } from '../events/events';

/** Rows per row group: big enough for good compression and pruning, small enough to hold. */
const ROW_GROUP_ROWS = 50_000;

/** hyparquet-writer's buffer, written out to a file after each row group (ParquetWriter calls flush). */
class FileByteWriter extends ByteWriter {
  private fd: number | null;

  constructor(file: string) {
    super(1024 * 1024);
    this.fd = openSync(file, 'w');
  }

  flush(): void {
    if (this.fd === null || this.index === 0) return;
    writeSync(this.fd, this.getBytes());
    this.index = 0;
  }

  override finish(): void {
    this.flush();
    this.close();
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}

export class ParquetFile {
  rows = 0;
  private readonly columns: string[];
  private readonly bytes: FileByteWriter;
  private readonly writer: ParquetWriter;
  private pending: Row[] = [];
  private closed = false;

  private constructor(
    readonly target: string,
    private readonly partial: string,
    kind: StreamKind,
  ) {
    this.columns = PARQUET_COLUMNS[kind].map((c) => c.name);
    this.bytes = new FileByteWriter(partial);
    this.writer = new ParquetWriter({ writer: this.bytes, schema: parquetSchema(kind), createdBy: 'vigil replay export' });
  }

  static async open(target: string, kind: StreamKind): Promise<ParquetFile> {
    await fs.mkdir(path.dirname(path.resolve(target)), { recursive: true });
    return new ParquetFile(target, `${target}.partial`, kind);
  }

  add(rows: readonly Row[]): void {
    for (const r of rows) this.pending.push(r);
    this.rows += rows.length;
    if (this.pending.length >= ROW_GROUP_ROWS) this.flush();
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    const rows = this.pending;
    this.pending = [];
    const columnData = this.columns.map((name) => ({ name, data: rows.map((r): Cell => r[name] ?? null) }));
    void this.writer.write({ columnData, rowGroupSize: rows.length });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    await this.writer.finish();
    await fs.rename(this.partial, this.target);
  }

  async abort(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.bytes.close();
    await fs.rm(this.partial, { force: true });
  }
}
