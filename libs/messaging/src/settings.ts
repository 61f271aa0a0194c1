import { ConfigError } from '@vigil/config';
import { Kafka, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { jsonLogCreator, MessagingLogger, stderrSink, toKafkajsLevel, type KafkaLogLevel, type KafkaLogSink } from './log';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  ssl?: boolean;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  /** Prefix of every topic name (tests isolate by it); empty in production. */
  topicPrefix?: string;
  /** Minimum level of kafkajs' and this library's log lines. Default `warn`. */
  logLevel?: KafkaLogLevel;
  /** Where JSON log lines go. Default: one line per record on stderr. */
  logSink?: KafkaLogSink;
  /** TCP connect timeout per broker. Default 3000 ms. */
  connectionTimeoutMs?: number;
  /** Request timeout (kafkajs enforces it). Default 30000 ms. */
  requestTimeoutMs?: number;
}

/** The `kafkaEnv` fields of `@vigil/config`, as parsed (structural, so any service schema that spreads `kafkaEnv` fits). */
export interface KafkaEnvConfig {
  KAFKA_BROKERS: string[];
  KAFKA_CLIENT_ID?: string;
  KAFKA_SSL?: boolean;
  KAFKA_SASL_MECHANISM?: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
  TOPIC_PREFIX?: string;
}

/**
 * Maps validated configuration to settings. `KAFKA_CLIENT_ID` overrides `clientId`. A SASL
 * mechanism without its username or password is a configuration error naming the setting.
 */
export function kafkaSettingsFromEnv(config: KafkaEnvConfig, clientId: string): KafkaSettings {
  const settings: KafkaSettings = {
    brokers: config.KAFKA_BROKERS,
    clientId: config.KAFKA_CLIENT_ID || clientId,
    ssl: config.KAFKA_SSL ?? false,
    topicPrefix: config.TOPIC_PREFIX ?? '',
  };
  if (config.KAFKA_SASL_MECHANISM) {
    const problems: { setting: string; message: string }[] = [];
    if (!config.KAFKA_SASL_USERNAME) problems.push({ setting: 'KAFKA_SASL_USERNAME', message: `required when KAFKA_SASL_MECHANISM is set` });
    if (!config.KAFKA_SASL_PASSWORD) problems.push({ setting: 'KAFKA_SASL_PASSWORD', message: `required when KAFKA_SASL_MECHANISM is set` });
    if (problems.length) throw new ConfigError(problems);
    settings.sasl = {
      mechanism: config.KAFKA_SASL_MECHANISM,
      username: config.KAFKA_SASL_USERNAME as string,
      password: config.KAFKA_SASL_PASSWORD as string,
    };
  }
  return settings;
}

interface KafkaExtras {
  logLevel: KafkaLogLevel;
  logSink: KafkaLogSink;
  topicPrefix: string;
}

const extras = new WeakMap<object, KafkaExtras>();

/**
 * Retries of every request of the client (connects, metadata, group calls), unless a producer or
 * consumer sets its own. Explicit so that behaviour does not depend on NODE_ENV (kafkajs quietly uses
 * faster test defaults when NODE_ENV=test) and capped at 1 s: while a broker is down a client tries
 * it about once a second, so it is back within about a second of the broker answering. kafkajs'
 * defaults (300 ms doubling to 30 s, 5 retries) left a consumer's restart waiting up to ~12 s.
 */
export const CLIENT_RETRY = { initialRetryTime: 100, maxRetryTime: 1000, multiplier: 2, factor: 0.2, retries: 10 } as const;

/** The kafkajs client, with its logs routed to a quiet JSON logger that never prints message contents. */
export function createKafka(settings: KafkaSettings): Kafka {
  const level = settings.logLevel ?? 'warn';
  const sink = settings.logSink ?? stderrSink;
  const config: KafkaConfig = {
    clientId: settings.clientId,
    brokers: settings.brokers,
    ssl: settings.ssl ?? false,
    connectionTimeout: settings.connectionTimeoutMs ?? 3000,
    requestTimeout: settings.requestTimeoutMs ?? 30_000,
    enforceRequestTimeout: true,
    retry: { ...CLIENT_RETRY },
    logLevel: toKafkajsLevel(level),
    logCreator: jsonLogCreator(sink, settings.clientId),
  };
  if (settings.sasl) config.sasl = settings.sasl as SASLOptions;
  const kafka = new Kafka(config);
  extras.set(kafka, { logLevel: level, logSink: sink, topicPrefix: settings.topicPrefix ?? '' });
  return kafka;
}

/** A logger on the same sink and level as the client's (or the defaults for a client made elsewhere). */
export function loggerFor(kafka: object, name: string): MessagingLogger {
  const x = extras.get(kafka);
  return new MessagingLogger(name, x?.logLevel ?? 'warn', x?.logSink ?? stderrSink);
}

/** The topic prefix the client was created with, if it came from createKafka. */
export function settingsPrefix(kafka: object): string | undefined {
  return extras.get(kafka)?.topicPrefix;
}

export function isKafkaClient(x: unknown): x is Kafka {
  return x instanceof Kafka;
}
