import { kafkaLogLevel, MessagingLogger, type KafkaLogRecord, type ServiceLogLevel } from './log';

describe('kafkaLogLevel', () => {
  it('keeps kafkajs at warn unless the service logs at debug, and quiet when the service is', () => {
    const table: Record<ServiceLogLevel, string> = {
      silent: 'silent',
      fatal: 'error',
      error: 'error',
      warn: 'warn',
      info: 'warn',
      debug: 'debug',
      trace: 'debug',
    };
    for (const [service, kafka] of Object.entries(table)) expect([service, kafkaLogLevel(service as ServiceLogLevel)]).toEqual([service, kafka]);
  });
});

describe('MessagingLogger', () => {
  it("takes pino's order, (fields, msg) or (msg), and drops lines below its level", () => {
    const lines: KafkaLogRecord[] = [];
    const log = new MessagingLogger('vigil.test', 'info', (r) => void lines.push(r));
    log.warn({ topic: 't', partition: 1 }, 'lagging');
    log.info('started');
    log.debug({ topic: 't' }, 'not shown');
    expect(lines.map(({ time: _t, ...r }) => r)).toEqual([
      { topic: 't', partition: 1, level: 'warn', logger: 'vigil.test', msg: 'lagging' },
      { level: 'info', logger: 'vigil.test', msg: 'started' },
    ]);
  });
});
