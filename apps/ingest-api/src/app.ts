import 'reflect-metadata';
import { BeforeApplicationShutdown, DynamicModule, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { AuthModule, verifierConfigFromEnv } from '@vigil/auth';
import { configureFhir, configureHttp, fastifyOptions, ProblemDetailsFilter, ProblemException, ProblemFastifyAdapter, serveOpenApi } from '@vigil/http';
import { FHIR_BASE_PATH, TOPIC_SPECS, TOPICS } from '@vigil/contracts';
import { createKafka, EventPublisher, ensureTopics, topicOptionsFromEnv, KafkaUnavailableError, kafkaSettingsFromEnv } from '@vigil/messaging';
import {
  createMetrics,
  kafkaLogSink,
  NestPinoLogger,
  ObservabilityModule,
  registerHttpObservability,
  ThrottledWarning,
  VigilMetrics,
} from '@vigil/observability';
import { CheckInService } from './checkins/checkins.service';
import { BATCH_PATH, CHECKIN_SERVICE, CHECKINS_PATH, CheckInsController } from './checkins/checkins.controller';
import { IdempotencyStore } from './checkins/idempotency';
import { RateLimiter } from './checkins/rate-limiter';
import type { IngestConfig } from './config';
import type { AppLogger } from './logging';
import { IngestMetrics } from './metrics';
import { buildOpenApi } from './openapi';
import { createRedis } from './redis';
import { FHIR_OBSERVATION_PATH, FHIR_QUESTIONNAIRE_RESPONSE_PATH } from './fhir/fhir.controller';
import { FhirIngestModule } from './fhir/fhir.module';

export interface IngestAppOptions {
  /** The service logger (createLogger of @vigil/observability). */
  logger: AppLogger;
  /** Default: a fresh registry for this app (tests run several apps in one process). */
  metrics?: VigilMetrics;
}

/** Kafka unavailable -> 503 with Retry-After (should it ever escape the service). */
function domainErrors(retryAfterSeconds: number) {
  return (e: unknown) =>
    e instanceof KafkaUnavailableError
      ? ProblemException.of('kafkaUnavailable', 'Kafka did not acknowledge in time; retry later', {
          retryAfterSeconds: Math.max(retryAfterSeconds, e.retryAfterSeconds),
        })
      : undefined;
}

/**
 * Builds the whole service in-process (tests, benchmark) and initialises it: topic ensured,
 * producer connecting, Redis connecting. `await app.listen({ port, host })` to serve.
 * Closing the app drains in-flight requests, then flushes the producer and closes Redis.
 */
export async function createIngestApp(config: IngestConfig, options: IngestAppOptions): Promise<NestFastifyApplication> {
  const { logger } = options;
  const vigilMetrics = options.metrics ?? createMetrics({ service: 'ingest-api' });
  const metrics = new IngestMetrics(vigilMetrics);
  const verifier = verifierConfigFromEnv(config, config.NODE_ENV ?? process.env['NODE_ENV']);
  if (verifier.usingDevSecret) logger.warn('AUTH_DEV_MODE=true and no key configured: accepting tokens signed with the DEV secret (never in production)');

  const redis = createRedis(config);
  const redisWarning = new ThrottledWarning(logger, 30_000);
  redis.on('error', (e: Error) => redisWarning.warn({ error: e.message }, 'Redis connection error'));
  redis.on('ready', () => metrics.redisUp.set(1));
  redis.on('close', () => metrics.redisUp.set(0));

  const kafka = createKafka({ ...kafkaSettingsFromEnv(config, 'ingest-api'), logSink: kafkaLogSink(logger), logLevel: 'warn' });
  const publisher = new EventPublisher(kafka, {
    topicPrefix: config.TOPIC_PREFIX,
    lingerMs: config.KAFKA_LINGER_MS,
    ackTimeoutMs: config.KAFKA_ACK_TIMEOUT_MS,
  });

  const service = new CheckInService(
    publisher,
    new IdempotencyStore(redis, { ttlSeconds: config.IDEMPOTENCY_TTL_SECONDS, pendingTtlMs: 2 * config.KAFKA_ACK_TIMEOUT_MS + 5000 }),
    new RateLimiter(redis, config.RATE_LIMIT_PER_MINUTE),
    (e) => (e instanceof KafkaUnavailableError ? { retryAfterSeconds: e.retryAfterSeconds } : undefined),
    metrics,
    logger,
    { ackTimeoutMs: config.KAFKA_ACK_TIMEOUT_MS, retryAfterSeconds: config.RETRY_AFTER_SECONDS },
  );

  let draining = false;

  class Lifecycle implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
    async onModuleInit(): Promise<void> {
      // Redis is optional at start-up: its features fail open, and it reconnects in the background.
      const redisReady = redis.connect().catch((e: Error) => logger.warn({ error: e.message }, 'Redis unavailable at start-up; continuing without it'));
      if (config.KAFKA_ENSURE_TOPICS) {
        // Only the topic this service writes; consumers own theirs (and their dead-letter topics).
        await ensureTopics(
          kafka,
          topicOptionsFromEnv(
            config,
            TOPIC_SPECS.filter((s) => s.name === TOPICS.checkins),
          ),
        );
      }
      await publisher.connect().catch((e: Error) => logger.warn({ error: e.message }, 'Kafka unavailable at start-up; not ready until it connects'));
      await redisReady;
    }
    beforeApplicationShutdown(): void {
      // Readiness fails from now on; the HTTP server then stops accepting and drains in-flight requests.
      draining = true;
      logger.info('draining: readiness fails, the HTTP server stops accepting and finishes in-flight requests');
    }
    async onApplicationShutdown(): Promise<void> {
      // After the last request: send what is queued, wait for its acks, disconnect.
      logger.info('HTTP server closed; flushing the producer');
      await publisher.disconnect();
      await redis.quit().catch(() => redis.disconnect());
      logger.info('producer flushed, Redis closed');
    }
  }

  @Module({
    imports: [
      AuthModule.forRoot({ verifier }),
      // /health/live, /health/ready, /metrics (public). Ready = the producer is connected and the
      // app is not shutting down. Redis does not gate readiness: its features fail open (see
      // CheckInService); it is visible as vigil_ingest_redis_up and vigil_ingest_degraded_total.
      ObservabilityModule.forRoot({
        serviceName: 'ingest-api',
        metrics: vigilMetrics,
        logger,
        readiness: [
          { name: 'kafka', check: () => publisher.isConnected() },
          { name: 'accepting', check: () => !draining },
        ],
      }),
      FhirIngestModule.register(service),
    ],
    controllers: [CheckInsController],
    providers: [{ provide: CHECKIN_SERVICE, useValue: service }, Lifecycle],
  })
  class IngestModule {}
  const root: DynamicModule = { module: IngestModule };

  const app = await NestFactory.create<NestFastifyApplication>(
    root,
    new ProblemFastifyAdapter(fastifyOptions({ bodyLimit: Math.max(config.INGEST_MAX_BODY_BYTES, config.INGEST_MAX_BATCH_BODY_BYTES) })),
    { logger: new NestPinoLogger(logger), bodyParser: false, abortOnError: false },
  );
  const fastify = app.getHttpAdapter().getInstance();
  const domain = domainErrors(config.RETRY_AFTER_SECONDS);
  configureHttp(fastify, {
    logger,
    routeBodyLimits: {
      [CHECKINS_PATH]: config.INGEST_MAX_BODY_BYTES,
      [BATCH_PATH.replace(':batch', '::batch')]: config.INGEST_MAX_BATCH_BODY_BYTES,
      [BATCH_PATH]: config.INGEST_MAX_BATCH_BODY_BYTES,
    },
    domainErrors: domain,
  });
  // /fhir/R4: application/fhir+json bodies, OperationOutcome errors; a Bundle gets the batch cap, one resource the check-in cap.
  configureFhir(fastify, { prefix: FHIR_BASE_PATH });
  fastify.addHook('onRoute', (route) => {
    if (route.url === FHIR_BASE_PATH) route.bodyLimit = config.INGEST_MAX_BATCH_BODY_BYTES;
    else if (route.url === FHIR_OBSERVATION_PATH || route.url === FHIR_QUESTIONNAIRE_RESPONSE_PATH) route.bodyLimit = config.INGEST_MAX_BODY_BYTES;
  });
  // x-request-id on every response, one access-log line per request (no bodies, no tokens), the HTTP histogram.
  registerHttpObservability(fastify, { logger, metrics: vigilMetrics });
  app.useGlobalFilters(new ProblemDetailsFilter(logger, domain));

  // While draining, every answer closes its connection: kept-alive sockets would otherwise hold
  // the server open after the last in-flight request.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) reply.header('connection', 'close');
    done(null, payload);
  });

  if (config.DOCS_ENABLED) serveOpenApi(app.getHttpAdapter().getInstance(), buildOpenApi(app), { title: 'Vigil ingest-api' });
  await app.init();
  return app;
}
