import { Partitioners } from 'kafkajs';
import { keyPartition } from './key-partition';

describe('keyPartition', () => {
  it('is where the publisher partitioner puts the key, for any partition count', () => {
    const p = Partitioners.DefaultPartitioner();
    for (const partitions of [1, 3, 4, 7]) {
      const meta = Array.from({ length: partitions }, (_, i) => ({ partitionId: i, leader: 1, partitionErrorCode: 0, replicas: [1], isr: [1] }));
      for (let i = 0; i < 200; i++) {
        const key = `patient-${i}-é`;
        expect(keyPartition(key, partitions)).toBe(p({ topic: 't', partitionMetadata: meta, message: { key, value: null } }));
      }
    }
  });

  it('spreads keys over the partitions and refuses a count below 1', () => {
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[keyPartition(`p-${i}`, 4)]++;
    for (const c of counts) expect(c).toBeGreaterThan(800);
    expect(() => keyPartition('x', 0)).toThrow(/positive integer/);
  });
});
