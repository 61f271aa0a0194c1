import { ConfigError } from '@vigil/config';
import { logLevel } from 'kafkajs';
import { jsonLogCreator, type KafkaLogRecord } from './log';
import { kafkaSettingsFromEnv } from './settings';

describe('kafkaSettingsFromEnv', () => {
  const base = { KAFKA_BROKERS: ['a:9092', 'b:9092'], KAFKA_SSL: false, TOPIC_PREFIX: '' };

  it('maps brokers, client id, prefix', () => {
    expect(kafkaSettingsFromEnv({ ...base, TOPIC_PREFIX: 't1.' }, 'ingest-api')).toEqual({
      brokers: ['a:9092', 'b:9092'],
      clientId: 'ingest-api',
      ssl: false,
      topicPrefix: 't1.',
    });
    expect(kafkaSettingsFromEnv({ ...base, KAFKA_CLIENT_ID: 'custom' }, 'ingest-api').clientId).toBe('custom');
  });

  it('maps SASL and names a missing credential', () => {
    const s = kafkaSettingsFromEnv(
      { ...base, KAFKA_SSL: true, KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
      'x',
    );
    expect(s.ssl).toBe(true);
    expect(s.sasl).toEqual({ mechanism: 'scram-sha-512', username: 'u', password: 'p' });
    try {
      kafkaSettingsFromEnv({ ...base, KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u' }, 'x');
      throw new Error('expected ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems.map((p) => p.setting)).toEqual(['KAFKA_SASL_PASSWORD']);
    }
  });
});

describe('kafkajs log creator', () => {
  it('writes allow-listed scalar fields only: never message contents', () => {
    const out: KafkaLogRecord[] = [];
    const log = jsonLogCreator((r) => out.push(r), 'svc')(logLevel.WARN);
    log({
      namespace: 'Producer',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: {
        timestamp: '2026-01-01T00:00:00.000Z',
        message: 'Crash: something',
        topic: 'checkins.v1',
        retryCount: 2,
        error: new Error('boom'),
        value: 'PHI notes here',
        messages: [{ value: 'PHI' }],
        headers: { a: 'b' },
      },
    });
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({
      level: 'error',
      logger: 'kafkajs.Producer',
      msg: 'Crash: something',
      topic: 'checkins.v1',
      retryCount: 2,
      error: 'Error: boom',
      clientId: 'svc',
    });
    expect(JSON.stringify(out[0])).not.toMatch(/PHI/);
    expect(out[0]).not.toHaveProperty('headers');
  });

  it('drops the expected idempotent-retries warning', () => {
    const out: KafkaLogRecord[] = [];
    jsonLogCreator((r) => out.push(r))(logLevel.WARN)({
      namespace: 'Producer',
      level: logLevel.WARN,
      label: 'WARN',
      log: { timestamp: 'now', message: 'Limiting retries for the idempotent producer may invalidate EoS guarantees' },
    });
    expect(out).toHaveLength(0);
  });
});

describe('kafkajs log levels', () => {
  it('demotes error responses kafkajs retries by itself', () => {
    const out: KafkaLogRecord[] = [];
    const log = jsonLogCreator((r) => out.push(r))(logLevel.WARN);
    log({
      namespace: 'Connection',
      level: logLevel.ERROR,
      label: 'ERROR',
      log: { timestamp: 't', message: 'Response Produce(key: 0, version: 7)', error: 'not the leader' },
    });
    log({ namespace: 'Producer', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: 't', message: 'Failed to send messages: not the leader' } });
    log({ namespace: 'Consumer', level: logLevel.ERROR, label: 'ERROR', log: { timestamp: 't', message: 'Crash: KafkaJSNumberOfRetriesExceeded' } });
    expect(out.map((r) => r.level)).toEqual(['warn', 'error']);
  });
});
