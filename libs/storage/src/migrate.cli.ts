/**
 * `npm run migrate [-- --keyspace NAME] [--replication JSON|N]`
 *
 * Applies libs/storage/migrations/*.cql in order to the keyspace from configuration
 * (CASSANDRA_KEYSPACE, or --keyspace), creating it with CASSANDRA_REPLICATION (or --replication)
 * if needed. Applied migrations are recorded in <keyspace>.schema_migrations; re-running is a no-op.
 * Exit codes: 0 done, 1 failed, 78 bad configuration.
 */
import { loadConfigOrExit } from '@vigil/config';
import { cassandraConfigSchema, createCassandraClient } from './client';
import { migrate } from './migrations';

function arg(name: string): string | undefined {
  const argv = process.argv.slice(2);
  const i = argv.findIndex((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (i < 0) return undefined;
  const a = argv[i];
  return a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[i + 1];
}

async function main(): Promise<void> {
  if (process.argv.includes('--help') || process.argv.includes('-h')) {
    process.stdout.write('usage: npm run migrate -- [--keyspace NAME] [--replication \'{"class":"SimpleStrategy","replication_factor":1}\']\n');
    return;
  }
  const env = { ...process.env };
  const ks = arg('keyspace');
  if (ks !== undefined) env['CASSANDRA_KEYSPACE'] = ks;
  const config = loadConfigOrExit(cassandraConfigSchema, env);
  const replication = arg('replication') ?? config.CASSANDRA_REPLICATION;
  const client = createCassandraClient(config, { keyspace: null, applicationName: 'vigil-migrate' });
  try {
    const report = await migrate(client, config.CASSANDRA_KEYSPACE, replication, { log: (l) => process.stdout.write(`${l}\n`) });
    process.stdout.write(`keyspace ${report.keyspace}: ${report.applied.length} applied, ${report.alreadyApplied.length} already applied (${report.ms} ms)\n`);
  } finally {
    await client.shutdown();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`migrate failed: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
