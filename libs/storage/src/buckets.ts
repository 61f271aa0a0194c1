/**
 * Time buckets that keep every partition bounded (DESIGN.md "Storage"). All buckets are computed
 * from device time (`recordedAt`) in UTC, so the same check-in lands in the same partition wherever
 * and whenever it is written (redelivery, replay, a late phone).
 */

/** `YYYY-MM` of an instant, UTC. The partition bucket of per-patient series and archives. */
export function monthBucket(at: Date | number): string {
  const d = new Date(at);
  return `${d.getUTCFullYear().toString().padStart(4, '0')}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** `YYYY-MM-DD` of an instant, UTC. The partition bucket of the all-patients archive, alerts and audit. */
export function dayBucket(at: Date | number): string {
  return new Date(at).toISOString().slice(0, 10);
}

const MAX_BUCKETS = 20_000;

/** Every month bucket that [from, to] touches, oldest first (inclusive of both ends). */
export function monthBuckets(from: Date | number, to: Date | number): string[] {
  const start = new Date(from);
  const end = new Date(to);
  const out: string[] = [];
  let y = start.getUTCFullYear();
  let m = start.getUTCMonth();
  const endKey = end.getUTCFullYear() * 12 + end.getUTCMonth();
  while (y * 12 + m <= endKey) {
    out.push(monthBucket(Date.UTC(y, m, 1)));
    if (out.length > MAX_BUCKETS) throw new RangeError('time range spans too many buckets');
    m += 1;
    if (m === 12) {
      m = 0;
      y += 1;
    }
  }
  return out;
}

/** Every day bucket that [from, to] touches, oldest first (inclusive of both ends). */
export function dayBuckets(from: Date | number, to: Date | number): string[] {
  const DAY = 86_400_000;
  const start = Math.floor(new Date(from).getTime() / DAY);
  const end = Math.floor(new Date(to).getTime() / DAY);
  if (end - start > MAX_BUCKETS) throw new RangeError('time range spans too many buckets');
  const out: string[] = [];
  for (let d = start; d <= end; d++) out.push(dayBucket(d * DAY));
  return out;
}

/** First instant of a `YYYY-MM` bucket and of the month after it (UTC). */
export function monthBounds(bucket: string): { start: Date; end: Date } {
  const [y, m] = bucket.split('-').map(Number);
  return { start: new Date(Date.UTC(y, m - 1, 1)), end: new Date(Date.UTC(y, m, 1)) };
}

/** FNV-1a, 32 bit: a stable hash (same on every host and Node version) for shard choice and tie-breaks. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Shards per day of `checkins_by_day`. A day of every patient's check-ins is split over this many
 * partitions, so at 100k patients checking in a few times a day a partition holds some tens of
 * thousands of rows (~ tens of MB), well under Cassandra's comfortable partition size.
 * Changing it changes where rows live: it needs a new table (or a re-write), never an edit here.
 */
export const ARCHIVE_DAY_SHARDS = 16;

/** The `checkins_by_day` shard of a patient: all of one patient's check-ins of a day share a shard. */
export function archiveShard(tenantId: string, patientId: string): number {
  return fnv1a32(`${tenantId}\u0000${patientId}`) % ARCHIVE_DAY_SHARDS;
}
