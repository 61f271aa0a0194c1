import { ConfigError, httpEnv, kafkaEnv, parseConfig, z } from './index';

const schema = z.object({ ...kafkaEnv, ...httpEnv });

describe('parseConfig', () => {
  it('applies defaults and types values', () => {
    const c = parseConfig(schema, { PORT: '3000', KAFKA_BROKERS: 'a:1, b:2', KAFKA_SSL: 'true' });
    expect(c.PORT).toBe(3000);
    expect(c.KAFKA_BROKERS).toEqual(['a:1', 'b:2']);
    expect(c.KAFKA_SSL).toBe(true);
    expect(c.TOPIC_PREFIX).toBe('');
  });
  it('names every bad setting', () => {
    try {
      parseConfig(schema, { PORT: 'eighty', KAFKA_SSL: 'maybe' });
      throw new Error('expected ConfigError');
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      expect((e as ConfigError).problems.map((p) => p.setting).sort()).toEqual(['KAFKA_SSL', 'PORT']);
      expect((e as Error).message).toMatch(/PORT: /);
    }
  });
});
