/**
 * Splitting a replay by patient (README "Past one machine"). A patient belongs to shard
 * `keyPartition(patientId, P) % N`: P is the check-in topic's partition count, so with an unchanged
 * partition count every shard is a set of whole partitions (partition p goes to shard p % N) and a
 * shard reads only its own partitions. Any N gives the same patients' output, so the merged files
 * are the same bytes for every N.
 */
import { keyPartition, type TopicRange } from '@vigil/messaging';
import type { SourceName } from '../sources/read';

export interface ShardSpec {
  index: number;
  count: number;
  /** Partition count of the check-in topic the shard function uses. */
  partitions: number;
  /**
   * `partition`: read only this shard's partitions (and fail on a record of another shard's patient
   * there: the partition count changed); `key`: read every partition and keep this shard's keys.
   */
  by: 'partition' | 'key';
}

export const SHARD_BY = ['partition', 'key'] as const;

/** `i/N` (0-based index). */
export function parseShard(text: string): { index: number; count: number } | null {
  const m = /^(\d{1,4})\/(\d{1,4})$/.exec(text.trim());
  if (!m) return null;
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index >= count) return null;
  return { index, count };
}

export function shardLabel(s: { index: number; count: number }): string {
  return `shard ${s.index}/${s.count}`;
}

export function shardOf(patientId: string | Buffer, count: number, partitions: number): number {
  return keyPartition(patientId, partitions) % count;
}

/** A shard's part of a planned range: the other shards' partitions become empty (start = end). */
export function shardRange(range: TopicRange, shard: ShardSpec): TopicRange {
  if (shard.by === 'key') return range;
  return { ...range, partitions: range.partitions.map((p) => (p.partition % shard.count === shard.index ? p : { ...p, start: p.end })) };
}

/**
 * What the coordinator decides once and hands to every shard (`--plan FILE`), so that shards started
 * at different moments read the same offsets: the source, the check-in and profile ranges.
 */
export interface RunPlan {
  source: SourceName;
  sourceReason: string;
  partitions: number;
  checkins: TopicRange | null;
  patients: TopicRange | null;
}
