import 'reflect-metadata';
import path from 'path';
import { BeforeApplicationShutdown, DynamicModule, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import Redis, { type RedisOptions } from 'ioredis';
import type { DestinationStream } from 'pino';
import { AuthModule, verifierConfigFromEnv } from '@vigil/auth';
import { allTopicSpecs, dlqTopic, FHIR_BASE_PATH, TOPICS } from '@vigil/contracts';
import { configureFhir, configureHttp, fastifyOptions, ProblemDetailsFilter, ProblemFastifyAdapter, serveOpenApi, serveStaticDir } from '@vigil/http';
import { createKafka, EventPublisher, ensureTopics, topicOptionsFromEnv, KafkaBatchServer, kafkaLogLevel, kafkaSettingsFromEnv } from '@vigil/messaging';
import {
  createLogger,
  createMetrics,
  kafkaLogSink,
  NestPinoLogger,
  ObservabilityModule,
  registerHttpObservability,
  type Logger,
  type VigilMetrics,
} from '@vigil/observability';
import { CareTeamsRepository, createCassandraClient, ObservationRepository } from '@vigil/storage';
import { ALERTS_TRANSPORT, AlertEventsConsumer } from './alerts/alert-events.consumer';
import { AlertIngestor } from './alerts/alert-ingestor';
import { AlertsController } from './alerts/alerts.controller';
import { AlertsRepository } from './alerts/alerts.repository';
import { AlertsService } from './alerts/alerts.service';
import { AuditService } from './audit/audit.service';
import { careDomainErrors } from './common/errors';
import { ContactsModule } from './contacts/contacts.module';
import { CareMetrics } from './common/metrics';
import { FhirReadModule } from './fhir/fhir.module';
import {
  ALERT_FANOUT,
  ALERT_INGESTOR,
  ALERTS_SERVICE,
  AUDIT_SERVICE,
  CARE_SETTINGS,
  type CareSettings,
  PATIENT_DATA_SERVICE,
  PATIENTS_SERVICE,
  STREAM_TICKETS,
} from './common/tokens';
import type { CareConfig } from './config';
import { registerDashboardConfig } from './dashboard-config';
import { PatientDataService } from './observations/patient-data.service';
import { RiskRepository } from './observations/risk.repository';
import { PatientAccess } from './patients/patient-access';
import { PatientsController } from './patients/patients.controller';
import { PatientsRepository } from './patients/patients.repository';
import { PatientsService } from './patients/patients.service';
import { cursorSignerFromConfig } from './common/page-cursors';
import { AlertStreamController } from './stream/alert-stream.controller';
import { CassandraAlertStream } from './stream/cassandra-alert-stream';
import { AlertFanout } from './stream/fanout';
import { RedisAlertStream } from './stream/redis-alert-stream';
import { CareTeamsModule } from './teams/care-teams.module';
import { LimitsModule } from './limits/limits.module';
import { StreamCredentials } from './stream/stream-credentials';
import { StreamTickets } from './stream/stream-tickets';
import { createWorklistConsumer, WORKLIST_TOPICS } from './worklist/worklist-events.consumer';
import { WorklistProjector } from './worklist/worklist-projector';
import { WorklistModule } from './worklist/worklist.module';

export const SERVICE_NAME = 'care-api';

export interface CareAppOptions {
  /** Default: @vigil/observability's JSON logger at LOG_LEVEL (on logDestination, else stdout). */
  logger?: Logger;
  logDestination?: DestinationStream;
  /** Default: a fresh registry per app (several apps can live in one test process). */
  metrics?: VigilMetrics;
  /** Node default metrics in the fresh registry (default true). */
  defaultMetrics?: boolean;
  /** Listen on HOST:PORT (default true). false: initialised, not listening. */
  listen?: boolean;
  /** Resolve only once the alerts.v1 consumer joined its group (default false). */
  waitForConsumer?: boolean;
  /** Safety poll of the Redis streams (default 5 s). */
  fanoutPollMs?: number;
}

export interface CareApp {
  app: NestFastifyApplication;
  config: CareConfig;
  /** http://127.0.0.1:<port> when listening. */
  url: string;
  fanout: AlertFanout;
  consumer: KafkaBatchServer;
  publisher: EventPublisher;
  metrics: VigilMetrics;
  logger: Logger;
  /** SSE streams end, HTTP drains, the consumer drains and commits, clients close. Idempotent. */
  close(): Promise<void>;
}

function redisOptions(): RedisOptions {
  return {
    lazyConnect: true,
    connectTimeout: 2000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2000),
  };
}

/**
 * care-api in one object: the Fastify HTTP app (REST, SSE, docs, dashboard, health, metrics) with
 * the alerts.v1 consumer (KafkaBatchServer) attached as a hybrid microservice. Used by main.ts and,
 * in-process, by the integration tests (two instances side by side in one process).
 */
export async function createCareApp(config: CareConfig, options: CareAppOptions = {}): Promise<CareApp> {
  const logger = options.logger ?? createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL, destination: options.logDestination });
  const vigil = options.metrics ?? createMetrics({ service: SERVICE_NAME, defaultMetrics: options.defaultMetrics ?? true });
  const metrics = new CareMetrics(vigil);
  const verifier = verifierConfigFromEnv(config, config.NODE_ENV ?? process.env['NODE_ENV']);
  if (verifier.usingDevSecret) logger.warn('AUTH_DEV_MODE=true and no key configured: accepting tokens signed with the DEV secret (never in production)');
  const cursors = cursorSignerFromConfig(config);

  const cassandra = createCassandraClient(config, { applicationName: 'vigil-care-api' });
  // Commands fail fast while Redis is away (the request answers 503, the consumer retries).
  const redis = new Redis(config.REDIS_URL, {
    ...redisOptions(),
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: config.REDIS_COMMAND_TIMEOUT_MS,
    enableAutoPipelining: true,
  });
  // Subscriber mode: resubscribes by itself after a reconnect (the fan-out then re-reads the streams).
  const subscriber = new Redis(config.REDIS_URL, { ...redisOptions(), autoResubscribe: true, maxRetriesPerRequest: null });
  let lastRedisWarning = 0;
  const redisWarn = (e: Error) => {
    if (Date.now() - lastRedisWarning > 30_000) logger.warn({ error: e.message }, 'Redis connection error');
    lastRedisWarning = Date.now();
  };
  redis.on('error', redisWarn);
  subscriber.on('error', redisWarn);

  const kafka = createKafka({ ...kafkaSettingsFromEnv(config, 'care-api'), logSink: kafkaLogSink(logger), logLevel: kafkaLogLevel(config.LOG_LEVEL) });
  const publisher = new EventPublisher(kafka, {
    topicPrefix: config.TOPIC_PREFIX,
    lingerMs: config.KAFKA_LINGER_MS,
    ackTimeoutMs: config.KAFKA_ACK_TIMEOUT_MS,
  });
  const consumer = new KafkaBatchServer({
    kafka,
    groupId: config.KAFKA_GROUP_ID,
    topicPrefix: config.TOPIC_PREFIX,
    fromBeginning: true,
    partitionsConcurrently: config.ALERT_CONSUMER_PARTITIONS,
  });
  consumer.setTransportId(ALERTS_TRANSPORT);
  const worklistConsumer = config.WORKLIST_CONSUMER_ENABLED
    ? createWorklistConsumer({
        kafka,
        groupId: config.KAFKA_GROUP_ID,
        topicPrefix: config.TOPIC_PREFIX,
        fromBeginning: true,
        partitionsConcurrently: config.ALERT_CONSUMER_PARTITIONS,
      })
    : null;
  // kafka_consumer_lag{topic, partition, group} of the alerts.v1 consumer, read at every scrape, as
  // the writer and the scorer report theirs (revoked partitions disappear).
  const untrackLag = vigil.trackConsumerLag(() => consumer.stats());
  const untrackWorklistLag = worklistConsumer ? vigil.trackConsumerLag(() => worklistConsumer.stats()) : () => undefined;

  const ks = config.CASSANDRA_KEYSPACE;
  const redisStream = new RedisAlertStream(redis, {
    keyPrefix: config.REDIS_KEY_PREFIX,
    maxLen: config.ALERT_STREAM_REDIS_MAXLEN,
    dedupeTtlSeconds: config.ALERT_STREAM_DEDUP_TTL_SECONDS,
    metrics: vigil,
  });
  const cassandraStream = new CassandraAlertStream(cassandra, ks, vigil);
  const alertsRepo = new AlertsRepository(cassandra, ks, vigil);
  const patientsRepo = new PatientsRepository(cassandra, ks, vigil);
  const audit = new AuditService({ client: cassandra, keyspace: ks, publisher }, logger, metrics);
  const access = new PatientAccess(patientsRepo, audit);
  const fanout = new AlertFanout({
    redisStream,
    cassandraStream,
    subscriber,
    logger,
    metrics,
    vigil,
    heartbeatMs: config.SSE_HEARTBEAT_MS,
    retryMs: config.SSE_RETRY_MS,
    maxBufferedBytes: config.SSE_MAX_BUFFERED_BYTES,
    resumeMaxDays: config.ALERT_RESUME_MAX_DAYS,
    pollMs: options.fanoutPollMs,
    commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
  });
  const ingestor = new AlertIngestor({ alerts: alertsRepo, redisStream, cassandraStream, concurrency: config.ALERT_CONSUMER_CONCURRENCY, logger, metrics });
  const alertsService = new AlertsService(alertsRepo, access, audit, publisher, cassandraStream, metrics, cursors);
  const tickets = new StreamTickets(redis, { keyPrefix: config.REDIS_KEY_PREFIX, ttlSeconds: config.STREAM_TICKET_TTL_SECONDS });
  const careTeams = new CareTeamsRepository(cassandra, ks);
  const patientsService = new PatientsService(patientsRepo, publisher, access, audit, metrics, careTeams);
  const riskRepo = new RiskRepository(cassandra, ks, vigil);
  const dataService = new PatientDataService(access, audit, new ObservationRepository(cassandra, ks), riskRepo, cursors);

  let draining = false;
  const settings: CareSettings = { isDraining: () => draining };

  class Lifecycle implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown {
    async onModuleInit(): Promise<void> {
      // Nothing here is fatal: every dependency reconnects by itself and /health/ready says when.
      const redisReady = Promise.all([redis.connect(), subscriber.connect()]).catch((e: Error) =>
        logger.warn({ error: e.message }, 'Redis unavailable at start-up; streams answer 503 until it is back'),
      );
      const cassandraReady = cassandra
        .connect()
        .catch((e: Error) => logger.warn({ error: e.message }, 'Cassandra unavailable at start-up; requests answer 503 until it is back'));
      if (config.KAFKA_ENSURE_TOPICS) {
        const mine = new Set<string>([
          TOPICS.patients,
          TOPICS.alerts,
          dlqTopic(TOPICS.alerts),
          TOPICS.audit,
          ...WORKLIST_TOPICS.flatMap((t) => [t, dlqTopic(t)]),
        ]);
        await ensureTopics(
          kafka,
          topicOptionsFromEnv(
            config,
            allTopicSpecs().filter((s) => mine.has(s.name)),
          ),
        ).catch((e: Error) => logger.warn({ error: e.message }, 'could not ensure topics at start-up'));
      }
      await publisher.connect().catch((e: Error) => logger.warn({ error: e.message }, 'Kafka unavailable at start-up; not ready until it connects'));
      await Promise.all([redisReady, cassandraReady]);
    }
    async beforeApplicationShutdown(): Promise<void> {
      // Readiness fails from now on; every SSE stream ends cleanly (clients resume on another
      // instance with Last-Event-ID); then Nest closes HTTP and drains the consumer (commits).
      draining = true;
      logger.info({ streams: fanout.size }, 'draining: closing SSE streams');
      await fanout.close();
    }
    async onApplicationShutdown(): Promise<void> {
      untrackLag();
      untrackWorklistLag();
      await publisher.disconnect().catch(() => undefined);
      await Promise.all([subscriber.quit().catch(() => subscriber.disconnect()), redis.quit().catch(() => redis.disconnect())]);
      await cassandra.shutdown().catch(() => undefined);
      logger.info('care-api stopped');
    }
  }

  const ping = async (r: Redis) => r.status === 'ready' && (await r.ping()) === 'PONG';
  @Module({
    imports: [
      AuthModule.forRoot({ verifier, credentialResolver: new StreamCredentials(tickets, { accessTokenInUrl: config.SSE_ACCESS_TOKEN_IN_URL }) }),
      ObservabilityModule.forRoot({
        serviceName: SERVICE_NAME,
        metrics: vigil,
        logger,
        readiness: [
          { name: 'draining', check: () => !draining },
          { name: 'kafka-producer', check: () => publisher.isConnected() },
          { name: 'kafka-consumer', check: () => consumer.isReady() },
          ...(worklistConsumer ? [{ name: 'kafka-worklist-consumer', check: () => worklistConsumer.isReady() }] : []),
          { name: 'cassandra', check: async () => (await cassandra.execute('SELECT release_version FROM system.local')).rowLength === 1 },
          { name: 'redis', check: () => ping(redis) },
          { name: 'redis-subscriber', check: () => subscriber.status === 'ready' },
        ],
      }),
      FhirReadModule.register(dataService),
      WorklistModule.register(
        { cassandra, keyspace: ks, redis, subscriber, audit, cursors, logger, vigil, metrics },
        {
          keyPrefix: config.REDIS_KEY_PREFIX,
          streamMaxLen: config.WORKLIST_STREAM_REDIS_MAXLEN,
          dedupeTtlSeconds: config.ALERT_STREAM_DEDUP_TTL_SECONDS,
          resumeMaxDays: config.ALERT_RESUME_MAX_DAYS,
          consumerConcurrency: config.WORKLIST_CONSUMER_CONCURRENCY,
          sseHeartbeatMs: config.SSE_HEARTBEAT_MS,
          sseRetryMs: config.SSE_RETRY_MS,
          sseMaxBufferedBytes: config.SSE_MAX_BUFFERED_BYTES,
          commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS,
          fanoutPollMs: options.fanoutPollMs,
          isDraining: () => draining,
        },
      ),
      ContactsModule.register({ cassandra, keyspace: ks, alerts: alertsService, access, audit, publisher, risk: riskRepo, cursors, metrics }),
      CareTeamsModule.register(careTeams),
      LimitsModule.forRoot({ config, redis }),
    ],
    controllers: [AlertStreamController, AlertsController, PatientsController, AlertEventsConsumer],
    providers: [
      { provide: ALERTS_SERVICE, useValue: alertsService },
      { provide: PATIENTS_SERVICE, useValue: patientsService },
      { provide: PATIENT_DATA_SERVICE, useValue: dataService },
      { provide: ALERT_INGESTOR, useValue: ingestor },
      { provide: ALERT_FANOUT, useValue: fanout },
      { provide: AUDIT_SERVICE, useValue: audit },
      { provide: CARE_SETTINGS, useValue: settings },
      { provide: STREAM_TICKETS, useValue: tickets },
      Lifecycle,
    ],
  })
  class CareModule {}
  const root: DynamicModule = { module: CareModule };

  const app = await NestFactory.create<NestFastifyApplication>(root, new ProblemFastifyAdapter(fastifyOptions({ bodyLimit: config.CARE_MAX_BODY_BYTES })), {
    logger: new NestPinoLogger(logger),
    bodyParser: false,
    abortOnError: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  registerHttpObservability(fastify, { logger, metrics: vigil });
  const domain = careDomainErrors(config.RETRY_AFTER_SECONDS);
  configureHttp(fastify, { logger, domainErrors: domain });
  configureFhir(fastify, { prefix: FHIR_BASE_PATH });
  app.useGlobalFilters(new ProblemDetailsFilter(logger, domain));

  registerDashboardConfig(fastify, config);
  const dashboardDir = path.resolve(config.DASHBOARD_DIR);
  if (serveStaticDir(fastify, { prefix: '/dashboard', dir: dashboardDir })) logger.info({ dir: dashboardDir }, 'serving the dashboard at /dashboard');
  else logger.info({ dir: dashboardDir }, 'no dashboard build found; /dashboard is not served');

  if (config.DOCS_ENABLED) {
    const doc = SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Vigil care-api')
        .setDescription(
          'For the care dashboard (roles care-manager, care-admin). The organisation and care teams come from the token: ' +
            "another organisation's or another team's patient or alert is a 404. Every error is application/problem+json (RFC 9457) " +
            "with a requestId; every response carries x-request-id. Every read of a patient's data is audited.",
        )
        .setVersion('1')
        .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
        .build(),
    );
    serveOpenApi(fastify, doc, { title: 'Vigil care-api' });
  }

  app.connectMicroservice({ strategy: consumer });
  if (worklistConsumer) {
    // The projector's cached states are only this member's to trust while its partitions stay put.
    const projector = app.get(WorklistProjector);
    worklistConsumer.on('consumer.rebalancing', () => projector.forgetCachedStates());
    worklistConsumer.on('consumer.group_join', () => projector.forgetCachedStates());
    app.connectMicroservice({ strategy: worklistConsumer });
  }
  try {
    await app.init();
    await app.startAllMicroservices();
    if (options.listen ?? true) await app.listen({ port: config.PORT, host: config.HOST });
    if (options.waitForConsumer) await Promise.all([consumer.whenReady(60_000), worklistConsumer?.whenReady(60_000)]);
  } catch (e) {
    await app.close().catch(() => undefined);
    throw e;
  }
  let url = '';
  if (options.listen ?? true) {
    const address = app.getHttpServer().address();
    const port = typeof address === 'object' && address ? address.port : config.PORT;
    url = `http://127.0.0.1:${port}`;
  }
  logger.info({ url, groupId: config.KAFKA_GROUP_ID, keyspace: ks }, 'care-api started');
  let closing: Promise<void> | null = null;
  return {
    app,
    config,
    url,
    fanout,
    consumer,
    publisher,
    metrics: vigil,
    logger,
    close() {
      closing ??= app.close();
      return closing;
    },
  };
}
