import { KafkaBatchServer } from './server';

const settings = { brokers: ['127.0.0.1:1'], clientId: 'unit', logLevel: 'silent' as const };

function listen(server: KafkaBatchServer): Promise<unknown> {
  return new Promise((resolve) => server.listen((err?: unknown) => resolve(err)));
}

describe('KafkaBatchServer wiring', () => {
  it('refuses to start without @EventPattern handlers', async () => {
    const err = await listen(new KafkaBatchServer({ kafka: settings, groupId: 'g' }));
    expect(String(err)).toMatch(/no @EventPattern handlers/);
  });

  it('refuses handlers of one topic that disagree on BATCH', async () => {
    const server = new KafkaBatchServer({ kafka: settings, groupId: 'g' });
    server.addHandler('checkins.v1', async () => undefined, true, { batch: true });
    server.addHandler('checkins.v1', async () => undefined, true, {});
    const err = await listen(server);
    expect(String(err)).toMatch(/disagree on BATCH/);
  });

  it('reports not ready and empty stats before it runs', () => {
    const server = new KafkaBatchServer({ kafka: settings, groupId: 'g' });
    expect(server.isReady()).toBe(false);
    expect(server.stats()).toMatchObject({ groupId: 'g', ready: false, processed: 0, partitions: [] });
  });
});
