import type { ProducerBatch } from 'kafkajs';
import { KafkaUnavailableError } from './errors';
import { EventPublisher, PRODUCER_CONFIG, type ProducerFactory } from './publisher';
import { checkinEvent } from './test/fixtures';

type Behaviour = 'ok' | 'fail' | 'hang';

/** A fake kafkajs client: records every sendBatch; behaviour scripted per call. */
class FakeKafka implements ProducerFactory {
  batches: ProducerBatch[] = [];
  producers = 0;
  configs: unknown[] = [];
  connectBehaviour: Behaviour = 'ok';
  sendBehaviour: Behaviour[] = [];
  sendDelayMs = 1;
  disconnects = 0;

  producer(config?: unknown) {
    this.producers++;
    this.configs.push(config);
    return {
      connect: async () => {
        if (this.connectBehaviour === 'fail') throw new Error('ECONNREFUSED');
        if (this.connectBehaviour === 'hang') await new Promise(() => undefined);
      },
      disconnect: async () => {
        this.disconnects++;
      },
      sendBatch: async (b: ProducerBatch) => {
        this.batches.push(b);
        const behaviour = this.sendBehaviour.shift() ?? 'ok';
        await new Promise((r) => setTimeout(r, this.sendDelayMs));
        if (behaviour === 'fail') throw Object.assign(new Error('leader not available'), { name: 'KafkaJSProtocolError' });
        if (behaviour === 'hang') await new Promise(() => undefined);
        return [];
      },
    };
  }
}

const values = (b: ProducerBatch, topic: string) =>
  (b.topicMessages ?? []).filter((t) => t.topic === topic).flatMap((t) => t.messages.map((m) => JSON.parse(String(m.value)).n as number));

describe('EventPublisher', () => {
  // The publisher logs failures (JSON on stderr); keep the test output readable.
  beforeAll(() => jest.spyOn(process.stderr, 'write').mockImplementation(() => true));
  afterAll(() => jest.restoreAllMocks());

  it('uses an idempotent, acks=-1, one-in-flight producer', async () => {
    const kafka = new FakeKafka();
    const p = new EventPublisher(kafka);
    await p.connect();
    await p.publish('checkins.v1', checkinEvent('p1', 1));
    expect(kafka.configs[0]).toBe(PRODUCER_CONFIG);
    expect(PRODUCER_CONFIG).toMatchObject({ idempotent: true, maxInFlightRequests: 1 });
    expect(kafka.batches[0].acks).toBe(-1);
    await p.disconnect();
  });

  it('coalesces concurrent publishes into few sendBatch calls, each caller settling with its batch', async () => {
    const kafka = new FakeKafka();
    const p = new EventPublisher(kafka, { topicPrefix: 'x.' });
    await p.connect();
    await Promise.all(Array.from({ length: 200 }, (_, i) => p.publish('checkins.v1', checkinEvent(`p${i % 7}`, i))));
    expect(p.stats().sendBatchCalls).toBeLessThanOrEqual(3);
    expect(p.stats().recordsAcked).toBe(200);
    const all = kafka.batches.flatMap((b) => values(b, 'x.checkins.v1'));
    expect(all).toEqual(Array.from({ length: 200 }, (_, i) => i)); // arrival order kept
    await p.disconnect();
  });

  it('groups a batch by topic and keeps publishMany order and keys', async () => {
    const kafka = new FakeKafka();
    const p = new EventPublisher(kafka);
    await p.connect();
    await Promise.all([
      p.publishMany('checkins.v1', [checkinEvent('a', 1), checkinEvent('a', 2), checkinEvent('a', 3)]),
      p.publish('alerts.v1', checkinEvent('b', 10)),
      p.publish('checkins.v1', checkinEvent('a', 4)),
    ]);
    expect(kafka.batches).toHaveLength(1);
    const b = kafka.batches[0];
    expect(b.topicMessages!.map((t) => t.topic)).toEqual(['checkins.v1', 'alerts.v1']);
    expect(values(b, 'checkins.v1')).toEqual([1, 2, 3, 4]);
    expect(b.topicMessages![0].messages[0].key).toBe('a');
    expect(b.topicMessages![0].messages[0].headers!['ce_subject']).toBe('a');
    await p.disconnect();
  });

  it('sends at once when maxBatchRecords is reached and splits between whole calls', async () => {
    const kafka = new FakeKafka();
    const p = new EventPublisher(kafka, { maxBatchRecords: 10, lingerMs: 1000 });
    await p.connect();
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 25 }, (_, i) => p.publish('checkins.v1', checkinEvent('p', i))));
    // 25 records in calls of 1 with a 10-record cap: 3 batches, none waiting for the 1 s linger
    // except the last partial one, which goes as soon as the one in flight returns.
    expect(kafka.batches.map((b) => values(b, 'checkins.v1').length)).toEqual([10, 10, 5]);
    expect(Date.now() - t0).toBeLessThan(900);
    await p.disconnect();
  });

  it('a failed batch rejects all its callers with KafkaUnavailableError and replaces the producer', async () => {
    const kafka = new FakeKafka();
    const p = new EventPublisher(kafka);
    await p.connect();
    kafka.sendBehaviour = ['fail'];
    const results = await Promise.allSettled([p.publish('checkins.v1', checkinEvent('a', 1)), p.publish('checkins.v1', checkinEvent('b', 2))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(KafkaUnavailableError);
    await p.publish('checkins.v1', checkinEvent('a', 3)); // a fresh producer takes over
    expect(kafka.producers).toBe(2);
    expect(p.stats()).toMatchObject({ failedBatches: 1, recordsAcked: 1 });
    await p.disconnect();
  });

  it('a batch with no ack rejects promptly (ackTimeoutMs) instead of hanging, and the publisher recovers', async () => {
    const kafka = new FakeKafka();
    const p = new EventPublisher(kafka, { ackTimeoutMs: 100 });
    await p.connect();
    kafka.sendBehaviour = ['hang'];
    const t0 = Date.now();
    await expect(p.publish('checkins.v1', checkinEvent('a', 1))).rejects.toBeInstanceOf(KafkaUnavailableError);
    expect(Date.now() - t0).toBeLessThan(500);
    await p.publish('checkins.v1', checkinEvent('a', 2));
    expect(kafka.producers).toBe(2);
    expect(p.isConnected()).toBe(true);
    await p.disconnect();
  });

  it('broker down at connect: connect and publish fail fast, then it reconnects by itself', async () => {
    const kafka = new FakeKafka();
    kafka.connectBehaviour = 'fail';
    const p = new EventPublisher(kafka, { reconnect: { initialMs: 20, maxMs: 40 } });
    await expect(p.connect()).rejects.toBeInstanceOf(KafkaUnavailableError);
    const t0 = Date.now();
    const e = await p.publish('checkins.v1', checkinEvent('a', 1)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(KafkaUnavailableError);
    expect((e as KafkaUnavailableError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(Date.now() - t0).toBeLessThan(500);
    kafka.connectBehaviour = 'ok';
    const until = Date.now() + 2000;
    while (!p.isConnected() && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(p.isConnected()).toBe(true);
    await p.publish('checkins.v1', checkinEvent('a', 2));
    await p.disconnect();
  });

  it('a connect that never returns is bounded by ackTimeoutMs', async () => {
    const kafka = new FakeKafka();
    kafka.connectBehaviour = 'hang';
    const p = new EventPublisher(kafka, { ackTimeoutMs: 80, reconnect: { initialMs: 10_000 } });
    const t0 = Date.now();
    await expect(p.publish('checkins.v1', checkinEvent('a', 1))).rejects.toBeInstanceOf(KafkaUnavailableError);
    expect(Date.now() - t0).toBeLessThan(500);
    await p.disconnect();
  });

  it('disconnect() flushes what is queued, then refuses new work', async () => {
    const kafka = new FakeKafka();
    const p = new EventPublisher(kafka, { lingerMs: 1000 });
    await p.connect();
    const pending = p.publish('checkins.v1', checkinEvent('a', 1));
    await p.disconnect();
    await expect(pending).resolves.toBeUndefined();
    expect(kafka.batches).toHaveLength(1);
    await expect(p.publish('checkins.v1', checkinEvent('a', 2))).rejects.toBeInstanceOf(KafkaUnavailableError);
  });

  it('publishRaw writes to the full topic name as given', async () => {
    const kafka = new FakeKafka();
    const p = new EventPublisher(kafka, { topicPrefix: 'x.' });
    await p.connect();
    await p.publishRaw('x.checkins.v1.dlq', [{ key: 'k', value: Buffer.from('not json'), headers: { h: 'v' }, timestamp: '123' }]);
    expect(kafka.batches[0].topicMessages![0]).toMatchObject({ topic: 'x.checkins.v1.dlq', messages: [{ key: 'k', headers: { h: 'v' }, timestamp: '123' }] });
    await p.disconnect();
  });
});
