/**
 * Vigil's Kafka library: the one place kafkajs is used (see README.md). Everything a service
 * needs to produce and consume CloudEvents goes through these exports.
 */
export type { Kafka } from 'kafkajs';
export { backoffDelay, type BackoffOptions } from './backoff';
export { BATCH, KafkaEventContext, type BatchHandlerResult, type ConsumedEvent, type DeadLetterRequest } from './consumed-event';
export { BatchConsumer, type BatchConsumerOptions, type ConsumerStats, type PartitionStats, type TopicHandler } from './consumer';
export { handleInKeyOrder, type KeyOrderOptions } from './key-order';
export { KafkaUnavailableError, PoisonMessageError, describeError, isPoisonMessageError } from './errors';
export { kafkaLogLevel, type KafkaLogLevel, type KafkaLogRecord, type KafkaLogSink, type ServiceLogLevel } from './log';
export { deadLetterRecord, type DeadLetter, type FetchedRecord } from './processor';
export { EventPublisher, PRODUCER_CONFIG, type EventPublisherOptions, type ProducerFactory, type PublisherStats, type RawMessage } from './publisher';
export { KafkaBatchServer, type KafkaBatchServerOptions, type KafkaBatchStatus } from './server';
export { GROUP_DEFAULTS } from './group-settings';
export { CLIENT_RETRY, createKafka, kafkaSettingsFromEnv, type KafkaEnvConfig, type KafkaSettings } from './settings';
export { ensureTopics, topicConfigEntries, topicOptionsFromEnv, type EnsureTopicsOptions, type TopicEnvConfig, type TopicRetention } from './topics';
export {
  fetchTopicWatermarks,
  offsetsForTimestamp,
  planTopicRange,
  rangeSize,
  readTopicRange,
  TopicNotFoundError,
  type PartitionRange,
  type PartitionWatermarks,
  type PlanRangeOptions,
  type RangeRecord,
  type ReadRangeOptions,
  type ReadRangeResult,
  type TopicRange,
} from './range-reader';
export {
  committedLag,
  describeConsumerGroup,
  deleteConsumerGroups,
  fetchCommittedOffsets,
  groupIsActive,
  groupLag,
  setConsumerGroupOffsets,
  type CommittedOffsets,
  type ConsumerGroupInfo,
  type ConsumerGroupMember,
} from './group-admin';
export { keyPartition } from './key-partition';
export { createTopic, topicPartitionCount, topicRetentionMs, type CreateTopicOptions } from './topic-admin';
