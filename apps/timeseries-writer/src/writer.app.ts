import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { allTopicSpecs, dlqTopic, TOPICS } from '@vigil/contracts';
import { createKafka, ensureTopics, topicOptionsFromEnv, KafkaBatchServer, kafkaLogLevel, kafkaSettingsFromEnv } from '@vigil/messaging';
import {
  createLogger,
  createMetrics,
  fastifyRequestIdOptions,
  kafkaLogSink,
  NestPinoLogger,
  registerHttpObservability,
  type VigilMetrics,
} from '@vigil/observability';
import { createCassandraClient } from '@vigil/storage';
import type { WriterConfig } from './config';
import { WriterModule } from './writer.module';

export interface WriterApp {
  app: INestApplication;
  server: KafkaBatchServer;
  metrics: VigilMetrics;
  /** Graceful stop: drains in-flight batches, commits, closes Kafka and Cassandra. */
  close(): Promise<void>;
}

export interface WriterAppOptions {
  /** Listen on HTTP (default true); benchmarks and some tests skip it. */
  http?: boolean;
  /** Register process signal handlers (SIGTERM drains). Default true; in-process tests pass false. */
  shutdownHooks?: boolean;
  /** Collect Node default metrics (default true). */
  defaultMetrics?: boolean;
}

/**
 * The writer: a Fastify HTTP app (health, metrics) with the KafkaBatchServer microservice attached,
 * consuming checkins.v1 into Cassandra. Returns once the HTTP port listens and the consumer started
 * (it joins its group in the background; /health/ready says when).
 */
export async function createWriterApp(config: WriterConfig, options: WriterAppOptions = {}): Promise<WriterApp> {
  const logger = createLogger({ service: 'timeseries-writer', level: config.LOG_LEVEL });
  const cassandra = createCassandraClient(config, { applicationName: 'vigil-timeseries-writer', maxReconnectDelayMs: 5_000 });
  const kafka = createKafka({ ...kafkaSettingsFromEnv(config, 'timeseries-writer'), logLevel: kafkaLogLevel(config.LOG_LEVEL), logSink: kafkaLogSink(logger) });
  if (config.KAFKA_ENSURE_TOPICS) {
    const mine = new Set<string>([TOPICS.checkins, dlqTopic(TOPICS.checkins)]);
    await ensureTopics(
      kafka,
      topicOptionsFromEnv(
        config,
        allTopicSpecs().filter((s) => mine.has(s.name)),
      ),
    ).catch((e: unknown) => logger.warn({ error: (e as Error).message }, 'could not ensure topics; continuing (they may exist already)'));
  }
  const server = new KafkaBatchServer({
    kafka,
    groupId: config.WRITER_GROUP_ID,
    fromBeginning: true,
    retry: { initialMs: 200, maxMs: config.WRITER_RETRY_MAX_MS },
    maxBatchSize: config.WRITER_MAX_BATCH_SIZE,
    sessionTimeoutMs: config.WRITER_SESSION_TIMEOUT_MS,
    // An eighth of the session (1 s at the default 8 s): a loaded host that stalls the event loop for a
    // few seconds still gets several heartbeats through per session window.
    heartbeatIntervalMs: Math.min(1_000, Math.floor(config.WRITER_SESSION_TIMEOUT_MS / 8)),
  });
  // One registry per app (in-process tests and the benchmark start several writers in one process).
  const metrics = createMetrics({ service: 'timeseries-writer', defaultMetrics: options.defaultMetrics ?? true });
  metrics.trackConsumerLag(() => server.stats()); // vigil_kafka_consumer_lag, read at every scrape
  const app = await NestFactory.create<NestFastifyApplication>(
    WriterModule.forRoot({
      cassandra,
      keyspace: config.CASSANDRA_KEYSPACE,
      concurrency: config.WRITER_CONCURRENCY,
      groupId: config.WRITER_GROUP_ID,
      consumerReady: () => server.isReady(),
      metrics,
      logger,
    }),
    new FastifyAdapter({ ...fastifyRequestIdOptions(), bodyLimit: 16 * 1024 }),
    { logger: new NestPinoLogger(logger) },
  );
  registerHttpObservability(app.getHttpAdapter().getInstance(), { logger, metrics });
  app.connectMicroservice({ strategy: server }, { inheritAppConfig: true });
  // SIGTERM: drain, commit, close; then process.exit(0) so pino's asynchronous stdout is flushed
  // (Nest's default re-raises the signal, which can cut the last log lines).
  if (options.shutdownHooks ?? true) app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  try {
    await cassandra.connect();
  } catch (e) {
    // Not fatal: writes retry until Cassandra answers; readiness reports it meanwhile.
    logger.warn({ error: (e as Error).message }, 'Cassandra not reachable yet; writes retry until it answers');
  }
  await app.startAllMicroservices();
  if (options.http ?? true) await app.listen(config.PORT, config.HOST);
  else await app.init();
  return { app, server, metrics, close: () => app.close() };
}
