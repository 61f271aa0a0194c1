import { Client, QueryOptions } from 'cassandra-driver';
import { PROFILES } from './client';
import { forEachLimit } from '@vigil/config';

export interface SimpleStatement {
  query: string;
  params: unknown[];
}

/** One request: a statement, or an UNLOGGED batch of statements that all write the SAME partition. */
export type Statement = SimpleStatement | { batch: SimpleStatement[] };

/** A statement with the partition it writes (table + key) and a rough size, for grouping. */
export interface KeyedStatement {
  /** `<table>|<partition key values>`: statements with equal keys may share an UNLOGGED batch. */
  partition: string;
  statement: SimpleStatement;
  /** Approximate bytes of the bound values (keeps batches under batch_size_fail_threshold, 50 KiB). */
  bytes: number;
}

export interface GroupOptions {
  /** Most rows in one batch (default 100). */
  maxRows?: number;
  /** Most approximate bytes in one batch (default 40,000; Cassandra fails batches over 50 KiB). */
  maxBytes?: number;
}

/**
 * Groups statements by partition into UNLOGGED single-partition batches (in first-seen order),
 * bounded by rows and bytes. A single-partition batch is one mutation on one replica set: the
 * cheapest way to write several rows of a partition, and atomic for that partition. Statements of
 * different partitions are never batched together (the multi-partition batch anti-pattern).
 */
export function groupByPartition(items: readonly KeyedStatement[], options: GroupOptions = {}): Statement[] {
  const maxRows = options.maxRows ?? 100;
  const maxBytes = options.maxBytes ?? 40_000;
  const groups = new Map<string, KeyedStatement[][]>();
  const order: KeyedStatement[][] = [];
  const sizes = new Map<KeyedStatement[], number>();
  for (const item of items) {
    let chunks = groups.get(item.partition);
    if (!chunks) groups.set(item.partition, (chunks = []));
    let current = chunks[chunks.length - 1];
    if (!current || current.length >= maxRows || (sizes.get(current) ?? 0) + item.bytes > maxBytes) {
      current = [];
      chunks.push(current);
      order.push(current);
      sizes.set(current, 0);
    }
    current.push(item);
    sizes.set(current, (sizes.get(current) ?? 0) + item.bytes);
  }
  return order.map((g) => (g.length === 1 ? g[0].statement : { batch: g.map((k) => k.statement) }));
}

/** Number of rows a list of requests writes. */
export function rowCount(statements: readonly Statement[]): number {
  let n = 0;
  for (const s of statements) n += 'batch' in s ? s.batch.length : 1;
  return n;
}

/** Options of every write: prepared, idempotent (so the driver may retry or speculate), write consistency. */
export const WRITE_OPTIONS: QueryOptions = { prepare: true, isIdempotent: true, executionProfile: PROFILES.write };
/** Options of every read: prepared, read consistency. */
export const READ_OPTIONS: QueryOptions = { prepare: true, isIdempotent: true, executionProfile: PROFILES.read };

/**
 * Runs statements with at most `concurrency` in flight (like the driver's executeConcurrent, but
 * with our per-statement options). Rejects with the first error once every started statement has
 * settled, so a caller that retries never overlaps with its own stragglers.
 */
export async function executeConcurrently(
  client: Client,
  statements: readonly Statement[],
  concurrency: number,
  options: QueryOptions = WRITE_OPTIONS,
): Promise<void> {
  await forEachLimit(
    statements,
    concurrency,
    (s) => ('batch' in s ? client.batch(s.batch, { ...options, logged: false }) : client.execute(s.query, s.params, options)),
    { stopOnError: true },
  );
}
