/**
 * The OpenTelemetry messaging attribute names and values our consumer spans use, copied from
 * `@opentelemetry/semantic-conventions/incubating` (1.45.0, pinned in package.json). They are
 * still incubating, and the semantic-conventions README asks users to copy incubating constants
 * rather than import that entry (it can break in a minor release, and it is ~1 MB of JS every
 * service would load). semconv.spec.ts checks each one against the package, so a bump that renames
 * one fails there. instrumentation-kafkajs keeps its own copy the same way (its dist/semconv).
 */
export const ATTR_MESSAGING_SYSTEM = 'messaging.system' as const;
export const ATTR_MESSAGING_SYSTEM_NAME = 'messaging.system.name' as const;
export const ATTR_MESSAGING_OPERATION_TYPE = 'messaging.operation.type' as const;
export const ATTR_MESSAGING_OPERATION_NAME = 'messaging.operation.name' as const;
export const ATTR_MESSAGING_CONSUMER_GROUP_NAME = 'messaging.consumer.group.name' as const;
export const ATTR_MESSAGING_DESTINATION_NAME = 'messaging.destination.name' as const;
export const ATTR_MESSAGING_DESTINATION_PARTITION_ID = 'messaging.destination.partition.id' as const;
export const ATTR_MESSAGING_BATCH_MESSAGE_COUNT = 'messaging.batch.message_count' as const;
export const ATTR_MESSAGING_KAFKA_OFFSET = 'messaging.kafka.offset' as const;
export const MESSAGING_SYSTEM_VALUE_KAFKA = 'kafka' as const;
export const MESSAGING_OPERATION_TYPE_VALUE_PROCESS = 'process' as const;
