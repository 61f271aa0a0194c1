/**
 * care-api as a process: `node -r ./tools/register.js apps/care-api/src/main.ts` (PORT 3001).
 * SIGTERM / SIGINT: readiness turns 503, SSE streams end cleanly (clients resume elsewhere with
 * Last-Event-ID), HTTP drains, the alerts consumer finishes its batch and commits, clients close;
 * forced exit after SHUTDOWN_GRACE_MS.
 */
import './tracing'; // first: OpenTelemetry hooks the modules loaded after it
import 'reflect-metadata';
import { createLogger, getMetrics } from '@vigil/observability';
import { createCareApp, SERVICE_NAME } from './app';
import { loadCareConfigOrExit } from './config';

async function main(): Promise<void> {
  const config = loadCareConfigOrExit();
  const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  let care;
  try {
    care = await createCareApp(config, { logger, metrics: getMetrics({ service: SERVICE_NAME }) });
  } catch (e) {
    logger.fatal({ err: { name: (e as Error).name, message: (e as Error).message } }, 'care-api failed to start');
    logger.flush?.();
    process.exit(1);
  }
  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error({ graceMs: config.SHUTDOWN_GRACE_MS }, 'shutdown grace period exceeded; exiting');
      process.exit(1);
    }, config.SHUTDOWN_GRACE_MS);
    force.unref();
    care.close().then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: { message: (e as Error).message } }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

void main();
