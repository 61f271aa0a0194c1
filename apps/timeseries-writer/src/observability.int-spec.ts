/**
 * The writer's health and metrics as an operator sees them, over its real HTTP port:
 * - /health/ready is false until the consumer has joined its group (Kafka unreachable at start),
 *   and true once it has;
 * - vigil_kafka_consumer_lag on /metrics rises while the consumer is paused and falls to 0 after.
 * The Cassandra side of readiness (a stopped Cassandra) is in writer.faults.int-spec.ts, which owns a
 * private Cassandra.
 */
import net from 'node:net';
import { TOPICS } from '@vigil/contracts';
import { createTestKeyspace, freePort, TestKeyspace, waitFor } from '@vigil/testing';
import { createTestTopics, manyCheckIns, TestKafka, writerTestConfig } from './test/fixtures';
import { scrapeLag } from './test/scrape';
import { createWriterApp, WriterApp } from './writer.app';

jest.setTimeout(120_000);

const BROKER = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',')[0];

let ks: TestKeyspace;
let topics: TestKafka;
let writer: WriterApp;
let url: string;
let groupId: string;
let kafkaPort: number;
let bootstrap: net.Server | undefined;
const sockets = new Set<net.Socket>();

/** A plain TCP forwarder to the shared broker on `port`: "Kafka becomes reachable" (the broker is never touched). */
function forwardKafka(port: number): Promise<net.Server> {
  const [host, brokerPort] = BROKER.split(':');
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(brokerPort), host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => (sockets.delete(s), client.destroy(), upstream.destroy()));
    }
    client.pipe(upstream).pipe(client);
  });
  return new Promise((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', () => resolve(server)));
}

const ready = async () => {
  const res = await fetch(`${url}/health/ready`);
  return { status: res.status, body: (await res.json()) as { info?: Record<string, unknown>; error?: Record<string, { status: string }> } };
};

beforeAll(async () => {
  [ks, topics, kafkaPort] = await Promise.all([createTestKeyspace('writer_obs'), createTestTopics(), freePort()]);
  // Nothing listens on kafkaPort yet: the consumer cannot join until forwardKafka() opens it.
  const config = writerTestConfig({
    TOPIC_PREFIX: topics.prefix,
    CASSANDRA_KEYSPACE: ks.keyspace,
    KAFKA_BROKERS: `127.0.0.1:${kafkaPort}`,
    KAFKA_ENSURE_TOPICS: 'false',
    LOG_LEVEL: 'silent',
  });
  groupId = config.WRITER_GROUP_ID;
  writer = await createWriterApp(config, { shutdownHooks: false, defaultMetrics: false });
  url = (await writer.app.getUrl()).replace('[::1]', '127.0.0.1');
});

afterAll(async () => {
  await writer?.close();
  bootstrap?.close();
  for (const s of sockets) s.destroy();
  await topics?.close();
  await ks?.drop().catch(() => undefined);
});

it('is not ready until its consumer has joined its group, and ready once it has', async () => {
  const before = await ready();
  expect(before.status).toBe(503);
  expect(before.body.info).toMatchObject({ cassandra: { status: 'up' } }); // only the consumer holds it back
  expect(before.body.error).toMatchObject({ 'kafka-consumer': { status: 'down' } });
  expect(writer.server.isReady()).toBe(false);

  bootstrap = await forwardKafka(kafkaPort);
  // The consumer retries in the background (backoff up to a few seconds); generous for a loaded box.
  const after = await waitFor(async () => ((await ready()).status === 200 ? ready() : null), 90_000, { intervalMs: 250, what: 'the writer ready' });
  expect(after.body.info).toMatchObject({ cassandra: { status: 'up' }, 'kafka-consumer': { status: 'up' } });
  expect(writer.server.isReady()).toBe(true);
});

it('reports vigil_kafka_consumer_lag rising while the consumer is paused and falling to 0 after', async () => {
  await writer.server.whenReady(60_000);
  const publish = (count: number, from: number) =>
    topics.publisher.publishMany(TOPICS.checkins, manyCheckIns(count, 60, Date.parse('2026-03-01T00:00:00Z') + from * 60_000));
  // Warm up: every partition seen and caught up, so each reports a lag (0).
  await publish(60, 0);
  const caughtUp = await waitFor(
    async () => {
      const lag = await scrapeLag(url, groupId);
      return lag.partitions.size === 3 && lag.total === 0 ? lag : null;
    },
    60_000,
    { intervalMs: 250, what: 'lag 0 on all 3 partitions' },
  );
  expect([...caughtUp.partitions.values()]).toEqual([0, 0, 0]);
  const processedBefore = writer.server.stats().processed;

  writer.server.pause(TOPICS.checkins);
  await waitFor(() => writer.server.stats().inFlightBatches === 0, 30_000, { what: 'no batch in flight' });
  await publish(30, 100);
  const first = await waitFor(
    async () => {
      const lag = await scrapeLag(url, groupId);
      return lag.total >= 30 ? lag : null;
    },
    60_000,
    { intervalMs: 250, what: 'lag to reach 30 while paused' },
  );
  await publish(30, 200);
  const second = await waitFor(
    async () => {
      const lag = await scrapeLag(url, groupId);
      return lag.total >= 60 ? lag : null;
    },
    60_000,
    { intervalMs: 250, what: 'lag to reach 60 while paused' },
  );
  expect(first.total).toBe(30); // nothing is consumed while paused: the lag is exactly what was published
  expect(second.total).toBe(60);
  expect(writer.server.stats().processed).toBe(processedBefore);

  writer.server.resume(TOPICS.checkins);
  const after = await waitFor(
    async () => {
      const lag = await scrapeLag(url, groupId);
      return lag.total === 0 ? lag : null;
    },
    60_000,
    { intervalMs: 250, what: 'lag back to 0 after resume' },
  );
  expect([...after.partitions.values()]).toEqual([0, 0, 0]);
  expect(writer.server.stats().processed).toBe(processedBefore + 60);
});
