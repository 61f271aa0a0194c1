// Imported first by main.ts: OpenTelemetry must hook fastify, kafkajs, cassandra-driver, ioredis and
// Nest before they are loaded (libs/observability README, "Start-up order").
import { startTracing } from '@vigil/observability';

startTracing({ serviceName: 'care-api' });
