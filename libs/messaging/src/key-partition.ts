/**
 * The partition the publisher's partitioner (kafkajs DefaultPartitioner, Java-compatible murmur2)
 * puts a key on, for a topic of `partitions` partitions. Replay splits work by it: a patient's
 * events are on this partition as long as the topic's partition count never changed.
 */
import { Partitioners } from 'kafkajs';

const partitioner = Partitioners.DefaultPartitioner();
const metadata = new Map<number, { partitionId: number; leader: number; partitionErrorCode: number; replicas: number[]; isr: number[] }[]>();

export function keyPartition(key: string | Buffer, partitions: number): number {
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`keyPartition: partitions must be a positive integer (got ${partitions})`);
  let meta = metadata.get(partitions);
  if (!meta) {
    meta = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));
    metadata.set(partitions, meta);
  }
  return partitioner({ topic: '', partitionMetadata: meta, message: { key, value: null } });
}
