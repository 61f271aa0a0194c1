import { Client, types } from 'cassandra-driver';
import { monthBucket, monthBuckets } from './buckets';
import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor';
import { READ_OPTIONS } from './execute';

export interface RangeQuery {
  /** Inclusive. */
  from: Date;
  /** Exclusive. */
  to: Date;
  /** Rows per page, 1 to 10,000; default 500. */
  pageSize?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
  /** Device-time order; default ascending. */
  order?: 'asc' | 'desc';
}

export interface Page<T> {
  items: T[];
  /** Pass back as `cursor` for the next page; null when the range is exhausted. */
  nextCursor: string | null;
}

export const MAX_PAGE_SIZE = 10_000;

/** Validates a range query; throws RangeError / InvalidCursorError for bad input (care-api maps them to 400). */
export function checkRange(q: RangeQuery): { pageSize: number; order: 'asc' | 'desc' } {
  if (!(q.from instanceof Date) || Number.isNaN(q.from.getTime()) || !(q.to instanceof Date) || Number.isNaN(q.to.getTime())) {
    throw new RangeError('from and to must be valid dates');
  }
  if (q.from.getTime() >= q.to.getTime()) throw new RangeError('from must be before to');
  const pageSize = q.pageSize ?? 500;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE) throw new RangeError(`pageSize must be 1 to ${MAX_PAGE_SIZE}`);
  return { pageSize, order: q.order ?? 'asc' };
}

export interface RangeStatements {
  asc: { first: string; after: string };
  desc: { first: string; after: string };
}

/**
 * CQL of a keyset-paged read of one month bucket: `first` starts at the range edge, `after`
 * continues after a (recorded_at, check_in_id) position. `partitionKeys` (then `bucket`) name the
 * partition; `prefix` are clustering columns before recorded_at fixed by equality (e.g. metric).
 * Parameters: first = [...keys, bucket, ...prefix, from, to, limit];
 * after = [...keys, bucket, ...prefix, t, checkInId, ...prefix, bound, limit].
 */
export function rangeStatements(table: string, columns: string, partitionKeys: string[], prefix: string[] = []): RangeStatements {
  const where = [...partitionKeys, 'bucket'].map((c) => `${c} = ?`).join(' AND ');
  const base = `SELECT ${columns} FROM ${table} WHERE ${where}`;
  const eq = prefix.map((c) => ` AND ${c} = ?`).join('');
  const tuple = (cols: string[]) => `(${cols.join(', ')})`;
  const marks = (n: number) => `(${Array.from({ length: n }, () => '?').join(', ')})`;
  const pos = [...prefix, 'recorded_at', 'check_in_id'];
  const edge = [...prefix, 'recorded_at'];
  const order = (dir: 'ASC' | 'DESC') => ` ORDER BY ${pos.map((c) => `${c} ${dir}`).join(', ')} LIMIT ?`;
  return {
    asc: {
      first: `${base}${eq} AND recorded_at >= ? AND recorded_at < ?${order('ASC')}`,
      after: `${base} AND ${tuple(pos)} > ${marks(pos.length)} AND ${tuple(edge)} < ${marks(edge.length)}${order('ASC')}`,
    },
    desc: {
      first: `${base}${eq} AND recorded_at >= ? AND recorded_at < ?${order('DESC')}`,
      after: `${base} AND ${tuple(pos)} < ${marks(pos.length)} AND ${tuple(edge)} >= ${marks(edge.length)}${order('DESC')}`,
    },
  };
}

/**
 * Reads one page of a per-patient, month-bucketed range: walks the month buckets the range touches
 * in order (ascending or descending), continuing into the next bucket until the page is full.
 */
export async function readMonthBucketedRange<T>(
  client: Client,
  q: RangeQuery,
  statements: RangeStatements,
  keyParams: unknown[],
  prefixParams: unknown[],
  mapRow: (row: types.Row) => T,
  positionOf: (item: T) => { recordedAt: Date; checkInId: string },
): Promise<Page<T>> {
  const { pageSize, order } = checkRange(q);
  const from = q.from.getTime();
  const to = q.to.getTime();
  let buckets = monthBuckets(from, to - 1);
  if (order === 'desc') buckets = buckets.reverse();
  let position = q.cursor ? decodeCursor(q.cursor) : undefined;
  if (position) {
    if (position.t < from || position.t >= to) throw new InvalidCursorError();
    const startBucket = monthBucket(position.t);
    buckets = buckets.slice(buckets.indexOf(startBucket));
  }
  const items: T[] = [];
  const stmts = statements[order];
  for (const bucket of buckets) {
    const need = pageSize - items.length;
    let rs: types.ResultSet;
    if (position && monthBucket(position.t) === bucket) {
      const bound = order === 'asc' ? q.to : q.from;
      rs = await client.execute(
        stmts.after,
        [...keyParams, bucket, ...prefixParams, new Date(position.t), types.Uuid.fromString(position.c), ...prefixParams, bound, need],
        { ...READ_OPTIONS, fetchSize: need },
      );
    } else {
      rs = await client.execute(stmts.first, [...keyParams, bucket, ...prefixParams, q.from, q.to, need], { ...READ_OPTIONS, fetchSize: need });
    }
    for (const row of rs.rows) items.push(mapRow(row));
    if (items.length >= pageSize) break;
    position = undefined;
  }
  if (items.length < pageSize) return { items, nextCursor: null };
  const last = positionOf(items[items.length - 1]);
  return { items, nextCursor: encodeCursor({ t: last.recordedAt.getTime(), c: last.checkInId }) };
}
