import type { ConsumerStats } from '@vigil/messaging';

/** Injection tokens of the writer's runtime objects (built in writer.app.ts, handed to WriterModule). */
export const CASSANDRA_CLIENT = Symbol('CASSANDRA_CLIENT');
export const CONSUMER_STATS = Symbol('CONSUMER_STATS');

/** The transport's counters and per-partition lag. */
export type ConsumerStatsSource = () => ConsumerStats;
