import { readFileSync } from 'node:fs';
import { auth, Client, ClientOptions, ExecutionProfile, policies, types } from 'cassandra-driver';
import { cassandraEnv, z } from '@vigil/config';

/** The zod schema of the Cassandra settings alone (the migration command uses it). */
export const cassandraConfigSchema = z.object(cassandraEnv);
/** The parsed `cassandraEnv` settings of @vigil/config. */
export type CassandraConfig = z.infer<typeof cassandraConfigSchema>;

export type ConsistencyName = CassandraConfig['CASSANDRA_READ_CONSISTENCY'];

/** Execution profiles every client has: repositories name them instead of passing consistency levels. */
export const PROFILES = { read: 'read', write: 'write' } as const;

export function consistencyOf(name: ConsistencyName): types.consistencies {
  const c = (types.consistencies as unknown as Record<string, types.consistencies>)[camel(name)];
  if (c === undefined) throw new Error(`unknown consistency level ${name}`);
  return c;
}

function camel(name: string): string {
  return name.toLowerCase().replace(/_([a-z])/g, (_m, ch: string) => ch.toUpperCase());
}

export interface CassandraClientOverrides {
  /**
   * The keyspace the connections use. Defaults to CASSANDRA_KEYSPACE; `null` connects without one
   * (the migration command does, since the keyspace may not exist yet). Repositories qualify every
   * table with their own keyspace, so this only matters for unqualified statements.
   */
  keyspace?: string | null;
  /** Application name reported to the server (visible in system_views.clients). */
  applicationName?: string;
  /** Upper bound of the reconnection back-off after the server went away; default 5 s. */
  maxReconnectDelayMs?: number;
  /** Extra driver options, merged last (tests, benchmarks). */
  options?: Partial<ClientOptions>;
}

/**
 * Builds the driver options from configuration: contact points (`host[:port]`), local data centre,
 * keyspace, read/write consistency as execution profiles, TLS (with an optional CA file) and
 * username/password authentication. Every statement is prepared (`prepare: true` by default).
 */
export function cassandraClientOptions(config: CassandraConfig, overrides: CassandraClientOverrides = {}): ClientOptions {
  const read = consistencyOf(config.CASSANDRA_READ_CONSISTENCY);
  const write = consistencyOf(config.CASSANDRA_WRITE_CONSISTENCY);
  const keyspace = overrides.keyspace === undefined ? config.CASSANDRA_KEYSPACE : (overrides.keyspace ?? undefined);
  const options: ClientOptions = {
    contactPoints: config.CASSANDRA_CONTACT_POINTS,
    localDataCenter: config.CASSANDRA_LOCAL_DC,
    keyspace,
    queryOptions: { prepare: true, consistency: read, fetchSize: 1000 },
    profiles: [
      new ExecutionProfile('default', { consistency: read }),
      new ExecutionProfile(PROFILES.read, { consistency: read }),
      new ExecutionProfile(PROFILES.write, { consistency: write }),
    ],
    policies: {
      // The default grows to 10 minutes: after a server restart the service would sit idle that long.
      reconnection: new policies.reconnection.ExponentialReconnectionPolicy(250, overrides.maxReconnectDelayMs ?? 5_000, false),
    },
    pooling: { heartBeatInterval: 10_000 },
    socketOptions: { connectTimeout: 5_000, readTimeout: 12_000 },
  };
  if (config.CASSANDRA_USERNAME !== undefined || config.CASSANDRA_PASSWORD !== undefined) {
    if (!config.CASSANDRA_USERNAME || config.CASSANDRA_PASSWORD === undefined) {
      throw new Error('CASSANDRA_USERNAME and CASSANDRA_PASSWORD must be set together');
    }
    options.authProvider = new auth.PlainTextAuthProvider(config.CASSANDRA_USERNAME, config.CASSANDRA_PASSWORD);
  }
  if (config.CASSANDRA_TLS) {
    const firstHost = config.CASSANDRA_CONTACT_POINTS[0]?.replace(/:\d+$/, '');
    options.sslOptions = {
      rejectUnauthorized: true,
      ...(config.CASSANDRA_TLS_CA_FILE ? { ca: [readFileSync(config.CASSANDRA_TLS_CA_FILE)] } : {}),
      ...(firstHost && !/^[\d.:]+$/.test(firstHost) ? { servername: firstHost } : {}),
    };
  }
  const extra = overrides.options ?? {};
  return { ...options, ...extra, policies: { ...options.policies, ...extra.policies } };
}

/**
 * cassandra-driver 4.x keeps a per-host `setInterval` (a health response counter) that it can
 * re-create after the client was shut down when a node restarted meanwhile (seen in the fault tests:
 * the process then never exits). The counter is statistics only: make that timer never hold the
 * process open. Applied once, on first client creation.
 */
let hostTimerPatched = false;
function unrefHostHealthTimers(): void {
  if (hostTimerPatched) return;
  hostTimerPatched = true;
  try {
    const { Host } = require('cassandra-driver/lib/host') as { Host: { prototype: { setDistance(d: number): number } } };
    const original = Host.prototype.setDistance;
    Host.prototype.setDistance = function (this: { _healthResponseCountTimer?: NodeJS.Timeout | null }, d: number): number {
      const result = original.call(this, d);
      this._healthResponseCountTimer?.unref?.();
      return result;
    };
  } catch {
    // a driver without this internal: nothing to patch
  }
}

/** A driver client from the parsed configuration (not yet connected: call `connect()` or just execute). */
export function createCassandraClient(config: CassandraConfig, overrides: CassandraClientOverrides = {}): Client {
  unrefHostHealthTimers();
  return new Client(cassandraClientOptions(config, overrides));
}

/** Quotes a keyspace or table name for CQL (names come from validated configuration, never from users). */
export function quoteIdent(name: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]{0,47}$/.test(name)) throw new Error(`invalid CQL identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}
