// Imported first by main.ts: OpenTelemetry must hook kafkajs, cassandra-driver, ioredis and Nest
// before they are loaded (see libs/observability README, "Start-up order").
import { startTracing } from '@vigil/observability';

startTracing({ serviceName: 'risk-scorer' });
