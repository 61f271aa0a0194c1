/**
 * What every command gets: validated settings from the environment, lazily created Kafka and
 * Cassandra clients (a command that needs only one never connects to the other), the output
 * streams, progress and the Ctrl-C signal.
 */
import type { Readable, Writable } from 'node:stream';
import type { Client } from 'cassandra-driver';
import { cassandraEnv, ConfigError, kafkaEnv, parseConfig, z } from '@vigil/config';
import { prefixedTopic } from '@vigil/contracts';
import { createKafka, kafkaSettingsFromEnv, type Kafka } from '@vigil/messaging';
import { createCassandraClient } from '@vigil/storage';
import { UsageError } from './cli/errors';
import { Progress } from './cli/progress';

export const replayConfigSchema = z.object({
  ...kafkaEnv,
  ...cassandraEnv,
  /** Where sort runs go when a range does not fit in memory (default: the OS temp dir). */
  REPLAY_TMP_DIR: z.string().optional(),
  /** Events kept in memory before the sort spills a run to disk. */
  REPLAY_SORT_MEMORY_EVENTS: z.coerce.number().int().min(1000).max(50_000_000).default(250_000),
});
export type ReplayConfig = z.infer<typeof replayConfigSchema>;

export interface CliIO {
  stdout: Writable;
  stderr: Writable;
  stdin: Readable & { isTTY?: boolean };
  env: Record<string, string | undefined>;
  /** stderr is a terminal (progress bar, prompts). */
  isTTY: boolean;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
}

export function loadReplayConfig(env: Record<string, string | undefined>): ReplayConfig {
  try {
    return parseConfig(replayConfigSchema, env);
  } catch (e) {
    if (e instanceof ConfigError) throw new UsageError(e.message);
    throw e;
  }
}

export class ReplayContext {
  private kafkaClient: Kafka | null = null;
  private cassandra: Client | null = null;

  constructor(
    readonly io: CliIO,
    readonly config: ReplayConfig,
    readonly progress: Progress,
  ) {}

  get signal(): AbortSignal {
    return this.io.signal;
  }

  get prefix(): string {
    return this.config.TOPIC_PREFIX;
  }

  /** Full name of a base topic (`checkins.v1` -> `<TOPIC_PREFIX>checkins.v1`). */
  topic(base: string): string {
    return prefixedTopic(base, this.config.TOPIC_PREFIX);
  }

  kafka(): Kafka {
    this.kafkaClient ??= createKafka({ ...kafkaSettingsFromEnv(this.config, 'vigil-replay'), logLevel: 'error' });
    return this.kafkaClient;
  }

  async cassandraClient(): Promise<Client> {
    if (!this.cassandra) {
      const c = createCassandraClient(this.config, { applicationName: 'vigil-replay' });
      await c.connect();
      this.cassandra = c;
    }
    return this.cassandra;
  }

  get keyspace(): string {
    return this.config.CASSANDRA_KEYSPACE;
  }

  /** Writes a line to stdout (results, tables). */
  out(text: string): void {
    this.io.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  /** Writes a line to stderr (notes, warnings), clear of the progress bar. */
  note(text: string): void {
    if (this.progress.mode === 'none') this.io.stderr.write(`${text}\n`);
    else this.progress.note(text);
  }

  async close(): Promise<void> {
    const c = this.cassandra;
    this.cassandra = null;
    if (c) await c.shutdown().catch(() => undefined);
  }
}
