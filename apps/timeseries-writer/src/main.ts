/**
 * timeseries-writer: checkins.v1 -> Cassandra (observations by patient and metric, latest values,
 * the raw check-in archive). HTTP on PORT (3002): /health/live, /health/ready, /metrics.
 *
 *   node -r ./tools/register.js apps/timeseries-writer/src/main.ts
 *
 * SIGTERM drains in-flight batches and commits their offsets before exit.
 */
import './tracing'; // first: OpenTelemetry hooks the modules loaded after it
import 'reflect-metadata';
import { loadConfigOrExit } from '@vigil/config';
import { writerConfigSchema } from './config';
import { createWriterApp } from './writer.app';

async function main(): Promise<void> {
  const config = loadConfigOrExit(writerConfigSchema);
  const { app } = await createWriterApp(config);
  const url = await app.getUrl().catch(() => `port ${config.PORT}`);
  process.stdout.write(
    `${JSON.stringify({ level: 'info', time: new Date().toISOString(), logger: 'timeseries-writer', msg: 'listening', url, groupId: config.WRITER_GROUP_ID, keyspace: config.CASSANDRA_KEYSPACE })}\n`,
  );
}

main().catch((e: unknown) => {
  process.stderr.write(`timeseries-writer failed to start: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
