import { kafkaLogLevel, type ServiceLogLevel } from './log';

describe('kafkaLogLevel', () => {
  it('keeps kafkajs at warn unless the service logs at debug, and quiet when the service is', () => {
    const table: Record<ServiceLogLevel, string> = { silent: 'silent', fatal: 'error', error: 'error', warn: 'warn', info: 'warn', debug: 'debug', trace: 'debug' };
    for (const [service, kafka] of Object.entries(table)) expect([service, kafkaLogLevel(service as ServiceLogLevel)]).toEqual([service, kafka]);
  });
});
