import { randomBytes } from 'node:crypto';
import { Client } from 'cassandra-driver';
import { cassandraEnv, parseConfig, z } from '@vigil/config';
import { CassandraConfig, createCassandraClient, dropKeyspace, migrate, MigrationReport } from '@vigil/storage';

/** A fresh, unique keyspace name for one test file or run (`t_<prefix>_<random>`). */
export function uniqueKeyspace(prefix = 'vigil'): string {
  const clean = prefix
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 20);
  return `t_${clean}_${randomBytes(5).toString('hex')}`;
}

/** Cassandra settings for tests: the environment (CASSANDRA_CONTACT_POINTS etc.) with overrides. */
export function testCassandraConfig(overrides: Record<string, string> = {}): CassandraConfig {
  return parseConfig(z.object(cassandraEnv), { ...process.env, ...overrides });
}

export interface TestKeyspace {
  keyspace: string;
  config: CassandraConfig;
  /** Connected, switched to the keyspace, migrations applied. Replaceable (e.g. across a server restart); drop() uses the current one. */
  client: Client;
  migration: MigrationReport;
  /** Drops the keyspace (unless KEEP_TEST_KEYSPACES=1) and shuts the client down. */
  drop(): Promise<void>;
}

/**
 * Creates a unique keyspace on the test Cassandra and applies every migration to it
 * (replication factor 1, consistency ONE unless the environment says otherwise).
 * Use once per test file: `beforeAll(async () => (ks = await createTestKeyspace('writer')))`.
 */
export async function createTestKeyspace(prefix = 'vigil', overrides: Record<string, string> = {}): Promise<TestKeyspace> {
  const keyspace = uniqueKeyspace(prefix);
  const config = testCassandraConfig({ CASSANDRA_REPLICATION: '1', ...overrides, CASSANDRA_KEYSPACE: keyspace });
  const client = createCassandraClient(config, { keyspace: null, applicationName: `vigil-test-${prefix}` });
  await client.connect();
  const migration = await migrate(client, keyspace, config.CASSANDRA_REPLICATION);
  const ks: TestKeyspace = {
    keyspace,
    config,
    client,
    migration,
    async drop() {
      try {
        if (process.env['KEEP_TEST_KEYSPACES'] !== '1') await dropKeyspace(ks.client, keyspace);
      } finally {
        await ks.client.shutdown();
      }
    },
  };
  return ks;
}

/** Counts the rows of a table in a keyspace (small test tables only: a full scan). */
export async function countRows(client: Client, keyspace: string, table: string, where = '', params: unknown[] = []): Promise<number> {
  const rs = await client.execute(`SELECT COUNT(*) AS n FROM "${keyspace}".${table} ${where}`, params, { prepare: true, readTimeout: 60_000 });
  return Number(rs.first()['n']);
}
