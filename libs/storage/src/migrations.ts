import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client, types } from 'cassandra-driver';
import { quoteIdent } from './client';
import { splitCql } from './cql-split';

/** libs/storage/migrations: `NNNN_name.cql`, applied in version order. */
export const MIGRATIONS_DIR = join(__dirname, '..', 'migrations');

export interface Migration {
  version: number;
  name: string;
  checksum: string;
  statements: string[];
}

export interface MigrationReport {
  keyspace: string;
  applied: { version: number; name: string; ms: number }[];
  alreadyApplied: number[];
  ms: number;
}

const FILE = /^(\d{4})_([a-z0-9_]+)\.cql$/;

export function loadMigrations(dir = MIGRATIONS_DIR): Migration[] {
  const seen = new Set<number>();
  return readdirSync(dir)
    .filter((f) => f.endsWith('.cql'))
    .map((f) => {
      const m = FILE.exec(f);
      if (!m) throw new Error(`migration file ${f} must be named NNNN_lowercase_name.cql`);
      const version = Number(m[1]);
      if (seen.has(version)) throw new Error(`two migrations with version ${version}`);
      seen.add(version);
      const text = readFileSync(join(dir, f), 'utf8');
      return {
        version,
        name: m[2],
        // Line endings do not change a migration's meaning: a Windows checkout must not fail the check.
        checksum: createHash('sha256').update(text.replace(/\r\n/g, '\n')).digest('hex'),
        statements: splitCql(text),
      };
    })
    .sort((a, b) => a.version - b.version);
}

/**
 * Replication as configured (CASSANDRA_REPLICATION): a number (SimpleStrategy factor), or a JSON
 * map such as {"class":"NetworkTopologyStrategy","dc1":3}. Returns a CQL map literal.
 */
export function replicationCql(replication: string | number | Record<string, string | number>): string {
  let map: Record<string, string | number>;
  if (typeof replication === 'number' || /^\s*\d+\s*$/.test(String(replication))) {
    map = { class: 'SimpleStrategy', replication_factor: Number(replication) };
  } else if (typeof replication === 'string') {
    try {
      map = JSON.parse(replication) as Record<string, string | number>;
    } catch {
      throw new Error('CASSANDRA_REPLICATION must be a number or a JSON map like {"class":"NetworkTopologyStrategy","dc1":3}');
    }
  } else {
    map = replication;
  }
  if (typeof map !== 'object' || map === null || typeof map['class'] !== 'string') {
    throw new Error('replication needs a "class" (SimpleStrategy or NetworkTopologyStrategy)');
  }
  const entries = Object.entries(map).map(([k, v]) => {
    if (!/^[A-Za-z0-9_.-]+$/.test(k) || !/^[A-Za-z0-9_.-]+$/.test(String(v))) throw new Error(`invalid replication entry ${k}`);
    return `'${k}': '${String(v)}'`;
  });
  return `{${entries.join(', ')}}`;
}

/** How long a schema change may take to be answered (the client's default read timeout is 12 s). */
const DDL_TIMEOUT_MS = 60_000;

export interface MigrateOptions {
  dir?: string;
  migrations?: Migration[];
  /** Called once per applied migration (the CLI prints it). */
  log?: (line: string) => void;
}

/**
 * Creates the keyspace if needed, switches the client to it (USE), and applies every migration not
 * yet recorded in `schema_migrations`, in version order. Re-running is a no-op. A recorded migration
 * whose file changed since (checksum) is an error: add a new migration instead of editing one.
 */
export async function migrate(
  client: Client,
  keyspace: string,
  replication: string | number | Record<string, string | number> = 1,
  options: MigrateOptions = {},
): Promise<MigrationReport> {
  const started = Date.now();
  const ks = quoteIdent(keyspace);
  const migrations = options.migrations ?? loadMigrations(options.dir);
  // Schema changes wait for the node to apply them: on a busy node that outlasts the 12 s read timeout.
  const ddl = { prepare: false, consistency: types.consistencies.one, readTimeout: DDL_TIMEOUT_MS } as const;
  const known = await client.execute('SELECT keyspace_name FROM system_schema.keyspaces WHERE keyspace_name = ?', [keyspace], { prepare: true });
  if (known.rowLength === 0) {
    await client.execute(`CREATE KEYSPACE IF NOT EXISTS ${ks} WITH replication = ${replicationCql(replication)}`, [], ddl);
  }
  await client.execute(`USE ${ks}`, [], ddl);
  await client.execute(
    `CREATE TABLE IF NOT EXISTS ${ks}.schema_migrations (
       version int PRIMARY KEY, name text, checksum text, applied_at timestamp, duration_ms int)
     WITH comment = 'migrations applied by libs/storage migrate'`,
    [],
    ddl,
  );
  const rows = await client.execute(`SELECT version, name, checksum FROM ${ks}.schema_migrations`, [], {
    prepare: true,
    consistency: types.consistencies.localQuorum,
  });
  const recorded = new Map<number, string>(rows.rows.map((r) => [r['version'] as number, r['checksum'] as string]));
  const report: MigrationReport = { keyspace, applied: [], alreadyApplied: [], ms: 0 };
  for (const m of migrations) {
    const sum = recorded.get(m.version);
    if (sum !== undefined) {
      if (sum !== m.checksum) {
        throw new Error(`migration ${m.version}_${m.name} was changed after it was applied to ${keyspace} (checksum differs): add a new migration instead`);
      }
      report.alreadyApplied.push(m.version);
      continue;
    }
    const t0 = Date.now();
    for (const statement of m.statements) {
      try {
        await client.execute(statement, [], ddl);
      } catch (e) {
        throw new Error(`migration ${m.version}_${m.name} failed on: ${statement.slice(0, 120)}...: ${(e as Error).message}`);
      }
    }
    const ms = Date.now() - t0;
    await client.execute(
      `INSERT INTO ${ks}.schema_migrations (version, name, checksum, applied_at, duration_ms) VALUES (?, ?, ?, ?, ?)`,
      [m.version, m.name, m.checksum, new Date(), ms],
      { prepare: true, consistency: types.consistencies.localQuorum },
    );
    report.applied.push({ version: m.version, name: m.name, ms });
    options.log?.(`applied ${String(m.version).padStart(4, '0')}_${m.name} to ${keyspace} in ${ms} ms`);
  }
  report.ms = Date.now() - started;
  return report;
}

/** Drops a keyspace (tests only: production keyspaces are never dropped by code). */
export async function dropKeyspace(client: Client, keyspace: string): Promise<void> {
  await client.execute(`DROP KEYSPACE IF EXISTS ${quoteIdent(keyspace)}`, [], { prepare: false, readTimeout: DDL_TIMEOUT_MS });
}
