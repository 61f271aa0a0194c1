// Import order matters: nothing exported here may load @nestjs/core, fastify, kafkajs, ioredis or
// cassandra-driver at import time (startTracing() must hook them first). import-order.spec.ts checks it.
export * from './tracing';
export * from './trace-context';
export * from './messaging-spans';
export * from './request-context';
export * from './logger';
export * from './metrics';
export * from './http';
export * from './health';
export { ThrottledWarning } from './throttled-warning';
export { PhiSafeSpanExporter, scrubAttributes, scrubSpan } from './span-scrubber';
export * from './otlp-receiver';
