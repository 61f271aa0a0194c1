import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ScorerConfig } from './config';
import { createRuntime, type ScorerRuntime, type ScorerRuntimeOptions } from './runtime';
import { NestPinoLogger } from '@vigil/observability';
import { ScorerModule } from './scorer.module';

export interface ScorerApp {
  app: NestFastifyApplication;
  runtime: ScorerRuntime;
  /** Base URL of the health / metrics server. */
  url: string;
  /** Drains the consumer, commits, stops the tick and closes every client. */
  close(): Promise<void>;
}

export interface CreateScorerAppOptions extends ScorerRuntimeOptions {
  /** SIGTERM / SIGINT drain and exit (the process sets it; in-process tests need not). Default false. */
  shutdownHooks?: boolean;
  /** Resolve only once the consumer has joined its group. Default true. */
  waitForConsumer?: boolean;
}

/**
 * The risk-scorer as one object: a Fastify HTTP server (health, metrics) with the KafkaBatchServer
 * transport connected (hybrid app), topics ensured, and the engagement scheduler running. Used by
 * main.ts and, in-process, by the integration tests.
 */
export async function createScorerApp(config: ScorerConfig, opts: CreateScorerAppOptions = {}): Promise<ScorerApp> {
  const runtime = await createRuntime(config, opts);
  let app: NestFastifyApplication;
  try {
    app = await NestFactory.create<NestFastifyApplication>(ScorerModule.register(runtime), new FastifyAdapter(), {
      logger: new NestPinoLogger(runtime.logger),
      abortOnError: false,
    });
  } catch (e) {
    await runtime.close();
    throw e;
  }
  try {
    app.connectMicroservice({ strategy: runtime.server }, { inheritAppConfig: true });
    if (opts.shutdownHooks) app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
    await app.startAllMicroservices();
    await app.listen(config.PORT, config.HOST);
    if (opts.waitForConsumer ?? true) await runtime.server.whenReady(60_000);
    if (config.ENGAGEMENT_ENABLED) runtime.engagement.start();
  } catch (e) {
    await app.close().catch(() => undefined);
    throw e;
  }
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  runtime.log.info({ port, groupId: config.KAFKA_GROUP_ID, modelVersion: config.MODEL_VERSION, keyspace: config.CASSANDRA_KEYSPACE }, 'risk-scorer started');
  let closing: Promise<void> | null = null;
  return {
    app,
    runtime,
    url: `http://127.0.0.1:${port}`,
    close() {
      closing ??= app.close();
      return closing;
    },
  };
}
