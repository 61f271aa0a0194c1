import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/**
 * Label NAME guard. Labels are aggregated across patients, so a label that could hold a patient,
 * tenant, person, free text, a measured value or any id (high cardinality, re-identifying) is
 * refused when the metric is created, and again on every scrape for metrics registered directly.
 */
const FORBIDDEN_LABEL_WORDS = new Set([
  'id',
  'ids',
  'uuid',
  'guid',
  'key',
  'name',
  'names',
  'org',
  'organisation',
  'organization',
  'team',
  'teams',
  'device',
  'session',
  'address',
  'ip',
  'dob',
  'mrn',
  'ssn',
  'url',
  'path',
  'query',
  'body',
  'payload',
  'value',
  'values',
  'score',
  'reading',
  'request',
  'trace',
  'span',
  'checkin',
  'text',
  'message',
]);
const FORBIDDEN_LABEL_SUBSTRINGS = [
  'patient',
  'tenant',
  'subject',
  'email',
  'phone',
  'password',
  'token',
  'secret',
  'note',
  'vital',
  'symptom',
  'answer',
  'questionnaire',
  'person',
  'user',
  'member',
  'birth',
  'diagnos',
  'mood',
];

export class UnsafeMetricLabelError extends Error {
  constructor(metric: string, label: string, reason: string) {
    super(`metric ${metric}: label "${label}" is not allowed (${reason}); labels never carry patient ids, PHI or ids of any kind`);
    this.name = 'UnsafeMetricLabelError';
  }
}

/** Why `label` may not be a label name, or undefined if it is fine. */
export function unsafeLabelReason(label: string): string | undefined {
  const lower = label.toLowerCase();
  const sub = FORBIDDEN_LABEL_SUBSTRINGS.find((s) => lower.includes(s));
  if (sub) return `contains "${sub}"`;
  const words = label
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const word = words.find((w) => FORBIDDEN_LABEL_WORDS.has(w));
  if (word) return `has the word "${word}"`;
  if (/[a-z](id|ids)$/.test(lower) && !['valid', 'paid', 'raid', 'grid'].some((w) => lower.endsWith(w))) {
    return 'looks like an id';
  }
  return undefined;
}

/** Throws UnsafeMetricLabelError if any label name could carry PHI or an id. */
export function assertSafeLabelNames(metric: string, labelNames: readonly string[]): void {
  for (const label of labelNames) {
    const reason = unsafeLabelReason(label);
    if (reason) throw new UnsafeMetricLabelError(metric, label, reason);
  }
}

/** Checks every metric of a registry (including ones registered without these factories). */
export function assertRegistryLabelsSafe(registry: Registry): void {
  for (const metric of registry.getMetricsAsArray()) {
    const m = metric as unknown as { name: string; labelNames?: readonly string[] };
    assertSafeLabelNames(m.name, m.labelNames ?? []);
  }
}

/** Seconds. HTTP: 2.5 ms to 10 s. */
export const HTTP_BUCKETS = [0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** Seconds. Cassandra / Redis calls: 0.25 ms to 5 s. */
export const CLIENT_BUCKETS = [0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** Route label for a request that matched no route (keeps 404 scans from inventing label values). */
export const UNMATCHED_ROUTE = 'unmatched';

export interface CreateMetricsOptions {
  /** Added as the `service` label to every series. */
  service?: string;
  /** Node/process default metrics (`process_*`, `nodejs_*`). Default true. */
  defaultMetrics?: boolean;
}

export type Outcome = 'ok' | 'error';

/** A consumer's own view of its partitions (structurally libs/messaging's ConsumerStats). */
export interface ConsumerLagSnapshot {
  groupId: string;
  partitions: readonly { topic: string; partition: number; lag: number | null }[];
}

type LagLabels = { topic: string; partition: string; group: string };

/** Every metric of ours is named `vigil_<area>_<what>` (Prometheus convention: one application prefix). */
export const METRIC_PREFIX = 'vigil_';

function assertVigilName(name: string): void {
  if (!name.startsWith(METRIC_PREFIX)) throw new Error(`metric ${name}: our metric names start with ${METRIC_PREFIX}`);
}

/**
 * One service's metrics. The named metrics below are the shared vocabulary; a service adds its own
 * through `counter` / `gauge` / `histogram`, which apply the same label guard.
 */
export class VigilMetrics {
  readonly registry = new Registry();

  /** `vigil_http_server_request_duration_seconds{method, route, status}`; route is the pattern (`/v1/patients/:id/risk`). */
  readonly httpRequestDuration: Histogram<'method' | 'route' | 'status'>;
  /** `vigil_kafka_consumer_lag{topic, partition, group}`: messages behind the high watermark. */
  readonly kafkaConsumerLag: Gauge<'topic' | 'partition' | 'group'>;
  /** `vigil_messages_processed_total{topic, group}`: handled and committed. */
  readonly messagesProcessed: Counter<'topic' | 'group'>;
  /** `vigil_messages_failed_total{topic, group}`: handler attempts that failed (retried or dead-lettered). */
  readonly messagesFailed: Counter<'topic' | 'group'>;
  /** `vigil_messages_dead_lettered_total{topic, group}`: sent to `<topic>.dlq`. */
  readonly messagesDeadLettered: Counter<'topic' | 'group'>;
  /** `vigil_cassandra_query_duration_seconds{operation, table, outcome}`: operation is `select`/`insert`/`batch`/... */
  readonly cassandraQueryDuration: Histogram<'operation' | 'table' | 'outcome'>;
  /** `vigil_redis_command_duration_seconds{command, outcome}`: command name only (`get`, `xadd`, ...). */
  readonly redisCommandDuration: Histogram<'command' | 'outcome'>;
  /** `vigil_alerts_raised_total{rule, severity}`: rule is the factor code (`news2.total`, `phq9.item9`). */
  readonly alertsRaised: Counter<'rule' | 'severity'>;
  /** `vigil_sse_connections`: open Server-Sent Events streams. */
  readonly sseConnections: Gauge<never>;
  /** Consumers whose lag is read at every scrape, with the series each one reported last time. */
  private readonly lagSources = new Map<() => ConsumerLagSnapshot, Map<string, LagLabels>>();

  constructor(options: CreateMetricsOptions = {}) {
    if (options.service) this.registry.setDefaultLabels({ service: options.service });
    if (options.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry });
    this.httpRequestDuration = this.histogram(
      'vigil_http_server_request_duration_seconds',
      'HTTP requests by method, route pattern and status',
      ['method', 'route', 'status'],
      HTTP_BUCKETS,
    );
    // Tracked consumers are read at scrape time, so the value is current even while a partition is held.
    this.kafkaConsumerLag = new Gauge({
      name: 'vigil_kafka_consumer_lag',
      help: 'Messages between the last processed offset and the high watermark, per partition',
      labelNames: ['topic', 'partition', 'group'],
      registers: [this.registry],
      collect: () => this.collectConsumerLag(),
    });
    this.messagesProcessed = this.counter('vigil_messages_processed_total', 'Kafka messages processed successfully', ['topic', 'group']);
    this.messagesFailed = this.counter('vigil_messages_failed_total', 'Kafka message handling attempts that failed', ['topic', 'group']);
    this.messagesDeadLettered = this.counter('vigil_messages_dead_lettered_total', 'Kafka messages sent to the dead-letter topic', ['topic', 'group']);
    this.cassandraQueryDuration = this.histogram(
      'vigil_cassandra_query_duration_seconds',
      'Cassandra calls by operation and table',
      ['operation', 'table', 'outcome'],
      CLIENT_BUCKETS,
    );
    this.redisCommandDuration = this.histogram(
      'vigil_redis_command_duration_seconds',
      'Redis commands by command name',
      ['command', 'outcome'],
      CLIENT_BUCKETS,
    );
    this.alertsRaised = this.counter('vigil_alerts_raised_total', 'Alerts raised by rule and severity', ['rule', 'severity']);
    this.sseConnections = this.gauge('vigil_sse_connections', 'Open Server-Sent Events connections', []);
  }

  /** A service-specific counter (label names are checked). */
  counter<L extends string>(name: string, help: string, labelNames: readonly L[]): Counter<L> {
    assertVigilName(name);
    assertSafeLabelNames(name, labelNames);
    return new Counter<L>({ name, help, labelNames, registers: [this.registry] });
  }

  /** A service-specific gauge (label names are checked). */
  gauge<L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> {
    assertVigilName(name);
    assertSafeLabelNames(name, labelNames);
    return new Gauge<L>({ name, help, labelNames, registers: [this.registry] });
  }

  /** A service-specific histogram in seconds (label names are checked). */
  histogram<L extends string>(name: string, help: string, labelNames: readonly L[], buckets: number[] = HTTP_BUCKETS): Histogram<L> {
    assertVigilName(name);
    assertSafeLabelNames(name, labelNames);
    return new Histogram<L>({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** Times a Cassandra call: `metrics.timeCassandra('insert', 'observations', () => client.execute(...))`. */
  timeCassandra<T>(operation: string, table: string, fn: () => Promise<T>): Promise<T> {
    return timeInto(this.cassandraQueryDuration, { operation, table }, fn);
  }

  /** Times a Redis command: `metrics.timeRedis('xadd', () => redis.xadd(...))`. */
  timeRedis<T>(command: string, fn: () => Promise<T>): Promise<T> {
    return timeInto(this.redisCommandDuration, { command: command.toLowerCase() }, fn);
  }

  /**
   * Sets `vigil_kafka_consumer_lag` from a kafkajs batch: `highWatermark` is `batch.highWatermark`,
   * `offset` the last offset processed (strings, as kafkajs gives them). Lag = hw - offset - 1.
   */
  setConsumerLag(labels: { topic: string; partition: number | string; group: string }, highWatermark: string, offset: string): void {
    const lag = BigInt(highWatermark) - BigInt(offset) - 1n;
    this.kafkaConsumerLag.set({ topic: labels.topic, partition: String(labels.partition), group: labels.group }, Number(lag < 0n ? 0n : lag));
  }

  /**
   * Reports `vigil_kafka_consumer_lag` of a consumer at every scrape: `metrics.trackConsumerLag(() => server.stats())`.
   * Partitions the consumer no longer reports (revoked in a rebalance) are removed. Returns an untrack function.
   */
  trackConsumerLag(source: () => ConsumerLagSnapshot): () => void {
    this.lagSources.set(source, new Map());
    return () => {
      for (const labels of this.lagSources.get(source)?.values() ?? []) this.kafkaConsumerLag.remove(labels);
      this.lagSources.delete(source);
    };
  }

  private collectConsumerLag(): void {
    for (const [source, previous] of this.lagSources) {
      const current = new Map<string, LagLabels>();
      const snapshot = source();
      for (const p of snapshot.partitions) {
        if (p.lag === null) continue;
        const labels = { topic: p.topic, partition: String(p.partition), group: snapshot.groupId };
        current.set(`${labels.topic}|${labels.partition}|${labels.group}`, labels);
        this.kafkaConsumerLag.set(labels, p.lag);
      }
      for (const [key, labels] of previous) if (!current.has(key)) this.kafkaConsumerLag.remove(labels);
      this.lagSources.set(source, current);
    }
  }

  /** The Prometheus text exposition for /metrics (label names re-checked first). */
  async text(): Promise<string> {
    assertRegistryLabelsSafe(this.registry);
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

async function timeInto<L extends string, T>(histogram: Histogram<L | 'outcome'>, labels: Partial<Record<L, string>>, fn: () => Promise<T>): Promise<T> {
  const start = process.hrtime.bigint();
  let outcome: Outcome = 'error';
  try {
    const result = await fn();
    outcome = 'ok';
    return result;
  } finally {
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    histogram.observe({ ...labels, outcome } as Partial<Record<L | 'outcome', string>>, seconds);
  }
}

/** A fresh, independent set of metrics (tests; or a process that really needs two registries). */
export function createMetrics(options: CreateMetricsOptions = {}): VigilMetrics {
  return new VigilMetrics(options);
}

let processMetrics: VigilMetrics | undefined;

/**
 * This process's metrics, created on first use. Pass `service` on the first call (main.ts) to add the
 * `service` label; later calls return the same instance.
 */
export function getMetrics(options: CreateMetricsOptions = {}): VigilMetrics {
  processMetrics ??= new VigilMetrics(options);
  return processMetrics;
}

/** The Prometheus text of this process's metrics (what GET /metrics answers). */
export function metricsText(): Promise<string> {
  return getMetrics().text();
}
