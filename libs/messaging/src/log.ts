import { logLevel, type LogEntry } from 'kafkajs';

export type KafkaLogLevel = 'error' | 'warn' | 'info' | 'debug' | 'silent';

/** One JSON log line. Only scalar, allow-listed fields: message keys, values and headers never appear. */
export interface KafkaLogRecord {
  level: 'error' | 'warn' | 'info' | 'debug';
  time: string;
  logger: string;
  msg: string;
  [field: string]: string | number | boolean;
}

export type KafkaLogSink = (record: KafkaLogRecord) => void;

const LEVELS: Record<KafkaLogLevel, logLevel> = {
  silent: logLevel.NOTHING,
  error: logLevel.ERROR,
  warn: logLevel.WARN,
  info: logLevel.INFO,
  debug: logLevel.DEBUG,
};

/**
 * Fields of kafkajs log entries that may be printed. Everything else is dropped: kafkajs never
 * puts message values in its logs today, but an allow-list keeps it that way whatever it logs.
 */
const ALLOWED_FIELDS = new Set([
  'broker',
  'clientId',
  'groupId',
  'memberId',
  'generationId',
  'topic',
  'partition',
  'offset',
  'retryCount',
  'retryTime',
  'error',
  'type',
  'code',
  'retriable',
  'correlationId',
  'apiName',
  'apiVersion',
  'size',
  'createdAt',
  'sentAt',
  'pendingDuration',
  'nodeId',
  'leaderId',
  'restart',
  'duration',
]);

/** Messages that are expected with our settings and would only be noise. */
const SUPPRESSED = [
  // We deliberately bound the idempotent producer's retries (see publisher.ts) and recreate the
  // producer after a failed batch, which restores the ordering guarantee the warning is about.
  /Limiting retries for the idempotent producer/,
];

/**
 * kafkajs logs every error response at ERROR, also the ones it retries and recovers from
 * (NOT_LEADER after a topic is created, COORDINATOR_LOAD_IN_PROGRESS, TOPIC_ALREADY_EXISTS when
 * services race). The outcome that matters is reported by the caller (publisher, consumer), so
 * these are demoted: connection-level responses to info, retried sends to warn.
 */
export function effectiveLevel(namespace: string, level: logLevel, message: string): logLevel {
  if (level !== logLevel.ERROR) return level;
  if (namespace === 'Connection' && message.startsWith('Response ')) return logLevel.INFO;
  if (namespace === 'Producer' && message.startsWith('Failed to send messages')) return logLevel.WARN;
  return level;
}

/** A service's LOG_LEVEL (pino's names, as in @vigil/config's logEnv). */
export type ServiceLogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** kafkajs chatter stays at warn unless the service itself logs at debug (or quieter than warn). */
export function kafkaLogLevel(level: ServiceLogLevel): KafkaLogLevel {
  if (level === 'silent') return 'silent';
  if (level === 'debug' || level === 'trace') return 'debug';
  if (level === 'error' || level === 'fatal') return 'error';
  return 'warn';
}

export function toKafkajsLevel(level: KafkaLogLevel): logLevel {
  return LEVELS[level];
}

function levelName(level: logLevel): KafkaLogRecord['level'] {
  if (level <= logLevel.ERROR) return 'error';
  if (level === logLevel.WARN) return 'warn';
  if (level === logLevel.INFO) return 'info';
  return 'debug';
}

export const stderrSink: KafkaLogSink = (record) => {
  process.stderr.write(`${JSON.stringify(record)}\n`);
};

/** Builds the kafkajs `logCreator`: JSON lines, allow-listed scalar fields only. */
export function jsonLogCreator(sink: KafkaLogSink = stderrSink, clientId?: string) {
  return (threshold: logLevel) =>
    ({ namespace, level: original, log }: LogEntry): void => {
      const { message, timestamp } = log;
      if (SUPPRESSED.some((re) => re.test(message))) return;
      const level = effectiveLevel(namespace, original, String(message));
      if (level > threshold) return;
      const record: KafkaLogRecord = {
        level: levelName(level),
        time: timestamp ?? new Date().toISOString(),
        logger: namespace ? `kafkajs.${namespace}` : 'kafkajs',
        msg: String(message).slice(0, 500),
      };
      if (clientId) record['clientId'] = clientId;
      for (const [k, v] of Object.entries(log)) {
        if (k === 'message' || k === 'timestamp' || !ALLOWED_FIELDS.has(k)) continue;
        const scalar = toScalar(v);
        if (scalar !== undefined) record[k] = scalar;
      }
      sink(record);
    };
}

function toScalar(v: unknown): string | number | boolean | undefined {
  if (typeof v === 'string') return v.slice(0, 500);
  if (typeof v === 'number' || typeof v === 'boolean') return v;
  if (v instanceof Error) return `${v.name}: ${v.message}`.slice(0, 500);
  return undefined;
}

type LogFields = Record<string, string | number | boolean>;

/** A small logger for this library's own lines, on the same sink and level as kafkajs'. */
export class MessagingLogger {
  private readonly threshold: logLevel;
  constructor(
    private readonly name: string,
    level: KafkaLogLevel = 'warn',
    private readonly sink: KafkaLogSink = stderrSink,
  ) {
    this.threshold = LEVELS[level];
  }
  // pino's order: (fields, msg), or just (msg).
  error(fields: LogFields | string, msg?: string): void {
    this.write(logLevel.ERROR, fields, msg);
  }
  warn(fields: LogFields | string, msg?: string): void {
    this.write(logLevel.WARN, fields, msg);
  }
  info(fields: LogFields | string, msg?: string): void {
    this.write(logLevel.INFO, fields, msg);
  }
  debug(fields: LogFields | string, msg?: string): void {
    this.write(logLevel.DEBUG, fields, msg);
  }
  private write(level: logLevel, fieldsOrMsg: LogFields | string, msg = ''): void {
    if (level > this.threshold || this.threshold === logLevel.NOTHING) return;
    const [fields, text] = typeof fieldsOrMsg === 'string' ? [{}, fieldsOrMsg] : [fieldsOrMsg, msg];
    this.sink({ ...fields, level: levelName(level), time: new Date().toISOString(), logger: this.name, msg: text });
  }
}
