import './tracing'; // first: OpenTelemetry patches what is loaded after it
import { createLogger } from '@vigil/observability';
import { createIngestApp } from './app';
import { loadIngestConfigOrExit } from './config';

/**
 * ingest-api as a process. SIGTERM / SIGINT: readiness turns 503, the server stops accepting and
 * finishes in-flight requests, the producer flushes, then the process exits (forced after
 * SHUTDOWN_GRACE_MS).
 */
async function main(): Promise<void> {
  const config = loadIngestConfigOrExit();
  const logger = createLogger({ service: 'ingest-api', level: config.LOG_LEVEL });
  let app;
  try {
    app = await createIngestApp(config, { logger });
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (e) {
    logger.fatal({ err: { name: (e as Error).name, message: (e as Error).message } }, 'ingest-api failed to start');
    logger.flush();
    process.exit(1);
  }
  logger.info({ port: config.PORT, host: config.HOST }, 'ingest-api listening');

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests, flushing the producer');
    const force = setTimeout(() => {
      logger.error({ graceMs: config.SHUTDOWN_GRACE_MS }, 'shutdown grace period exceeded; exiting');
      logger.flush();
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    force.unref();
    app.close().then(
      () => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      },
      (e: unknown) => {
        logger.error({ err: { message: (e as Error).message } }, 'error during shutdown');
        logger.flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
