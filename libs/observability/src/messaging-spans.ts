import type { Attributes, Span } from '@opentelemetry/api';
import {
  ATTR_MESSAGING_BATCH_MESSAGE_COUNT,
  ATTR_MESSAGING_CONSUMER_GROUP_NAME,
  ATTR_MESSAGING_DESTINATION_NAME,
  ATTR_MESSAGING_DESTINATION_PARTITION_ID,
  ATTR_MESSAGING_KAFKA_OFFSET,
  ATTR_MESSAGING_OPERATION_NAME,
  ATTR_MESSAGING_OPERATION_TYPE,
  ATTR_MESSAGING_SYSTEM,
  ATTR_MESSAGING_SYSTEM_NAME,
  MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
  MESSAGING_SYSTEM_VALUE_KAFKA,
} from './semconv';
import { startBatchSpan, startConsumerSpan } from './trace-context';

/**
 * What a `process` span needs of one consumed Kafka message. libs/messaging's ConsumedEvent has this
 * shape (this library does not import that one; the structural type keeps the dependency one-way).
 */
export interface ProcessedMessage {
  event: { traceparent?: string | null };
  /** Base topic name (`checkins.v1`). */
  topic: string;
  /** The Kafka topic as named on the broker (with any prefix); the base name when unknown. */
  kafkaTopic?: string;
  /** The consumer group that received it; unknown in unit-test fakes. */
  groupId?: string;
  partition: number;
  offset: string;
}

/** The span name the messaging conventions give a consumer's processing: `process <destination>`. */
export function processSpanName(message: Pick<ProcessedMessage, 'topic' | 'kafkaTopic'>): string {
  return `process ${message.kafkaTopic ?? message.topic}`;
}

/**
 * Attributes of a process span, the same names the kafkajs instrumentation puts on its spans, plus
 * the consumer group (which it cannot know). `messaging.system` is what that instrumentation and
 * most back ends still query; 1.45 of the conventions renamed it `messaging.system.name`: both are set.
 */
export function processSpanAttributes(message: ProcessedMessage, batchSize?: number): Attributes {
  const attributes: Attributes = {
    [ATTR_MESSAGING_SYSTEM]: MESSAGING_SYSTEM_VALUE_KAFKA,
    [ATTR_MESSAGING_SYSTEM_NAME]: MESSAGING_SYSTEM_VALUE_KAFKA,
    [ATTR_MESSAGING_OPERATION_TYPE]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
    [ATTR_MESSAGING_OPERATION_NAME]: MESSAGING_OPERATION_TYPE_VALUE_PROCESS,
    [ATTR_MESSAGING_DESTINATION_NAME]: message.kafkaTopic ?? message.topic,
    [ATTR_MESSAGING_DESTINATION_PARTITION_ID]: String(message.partition),
  };
  if (message.groupId) attributes[ATTR_MESSAGING_CONSUMER_GROUP_NAME] = message.groupId;
  // The conventions: a batch count on batch spans only, an offset on single-message spans only.
  if (batchSize === undefined) attributes[ATTR_MESSAGING_KAFKA_OFFSET] = message.offset;
  else attributes[ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = batchSize;
  return attributes;
}

/**
 * `process <topic>` (CONSUMER) around handling one message, continuing the producer's trace through
 * the message's traceparent (see startConsumerSpan). `extra` adds our own scalar, non-PHI attributes.
 */
export function startProcessSpan<T>(message: ProcessedMessage, fn: (span: Span) => T | Promise<T>, extra: Attributes = {}): Promise<T> {
  return startConsumerSpan(processSpanName(message), message.event.traceparent, fn, { attributes: { ...processSpanAttributes(message), ...extra } });
}

/**
 * `process <topic>` (CONSUMER) around work for several messages of one partition (a Cassandra batch,
 * one patient's check-ins): it continues their trace when they share one, else links to each (see
 * startBatchSpan). `messages` must not be empty.
 */
export function startProcessBatchSpan<T>(messages: readonly ProcessedMessage[], fn: (span: Span) => T | Promise<T>, extra: Attributes = {}): Promise<T> {
  const first = messages[0];
  if (!first) throw new Error('startProcessBatchSpan needs at least one message');
  return startBatchSpan(
    processSpanName(first),
    messages.map((m) => m.event.traceparent),
    fn,
    { attributes: { ...processSpanAttributes(first, messages.length), ...extra } },
  );
}
