import { BaseRpcContext } from '@nestjs/microservices';
import type { VigilEvent } from '@vigil/contracts';

/** One decoded message as a handler receives it. */
export interface ConsumedEvent<T = unknown> {
  event: VigilEvent<T>;
  /** Base topic name (`checkins.v1`): the test/tenant prefix is stripped. */
  topic: string;
  /** The topic as named on the broker (prefix included), for span attributes; set by the transport. */
  kafkaTopic?: string;
  /** The consumer group that received the message, for span attributes; set by the transport. */
  groupId?: string;
  partition: number;
  /** Kafka offset (int64 as a decimal string). */
  offset: string;
  /** The message key (the patient id for our events), or null. */
  key: string | null;
  /** Kafka record timestamp, ms since the epoch as a string. */
  timestamp: string;
}

/** A dead letter a batch handler asks for: the message at `offset` can never succeed. */
export interface DeadLetterRequest {
  offset: string;
  reason: string;
  /** A short description, without PHI: it becomes a header and a log line. */
  error: string;
}

/** What a handler may return (or resolve / emit) besides nothing. */
export interface BatchHandlerResult {
  deadLetters?: DeadLetterRequest[];
}

/**
 * `@EventPattern(TOPICS.checkins, BATCH)`: the handler receives `ConsumedEvent[]`, a partition's
 * decoded batch in offset order. Without it, the handler is called once per message, in order per partition.
 */
export const BATCH: { batch: true } = { batch: true };

/**
 * The `@Ctx()` of a handler: topic, partition and a heartbeat for handlers that work through a
 * long batch (the transport also heartbeats on its own while a handler runs).
 */
export class KafkaEventContext extends BaseRpcContext<[string, number, () => Promise<void>]> {
  getTopic(): string {
    return this.args[0];
  }
  getPartition(): number {
    return this.args[1];
  }
  heartbeat(): Promise<void> {
    return this.args[2]();
  }
}
