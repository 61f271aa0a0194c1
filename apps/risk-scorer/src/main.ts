import './tracing';
import 'reflect-metadata';
import { getMetrics } from '@vigil/observability';
import { loadConfigOrExit } from '@vigil/config';
import { createScorerApp } from './app';
import { scorerConfigSchema } from './config';
import { ScorerMetrics, SERVICE_NAME } from './telemetry';

/** `node -r ./tools/register.js apps/risk-scorer/src/main.ts`; configuration from the environment (README). */
async function main(): Promise<void> {
  const config = loadConfigOrExit(scorerConfigSchema);
  await createScorerApp(config, { shutdownHooks: true, waitForConsumer: false, metrics: new ScorerMetrics(getMetrics({ service: SERVICE_NAME })) });
}

main().catch((e: unknown) => {
  process.stderr.write(
    `${JSON.stringify({ level: 'fatal', service: 'risk-scorer', msg: 'start-up failed', error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) })}\n`,
  );
  process.exit(1);
});
