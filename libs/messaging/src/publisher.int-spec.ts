import { allTopicSpecs, DLQ_HEADERS, TOPIC_SPECS, TOPICS, type TopicSpec } from '@vigil/contracts';
import { consumeAll, createTestTopics, deleteTestTopics, testKafka, uniquePrefix, waitFor } from '@vigil/testing';
import { CloudEvent, Kafka as CloudEventsKafka } from 'cloudevents';
import { ConfigResourceTypes } from 'kafkajs';
import { EventPublisher } from './publisher';
import { checkinEvent } from './test/fixtures';
import { ensureTopics } from './topics';

jest.setTimeout(30_000);

const kafka = testKafka('messaging-publisher-it');
const prefix = uniquePrefix('pub');

afterAll(async () => {
  await deleteTestTopics(kafka, prefix);
});

async function topicConfig(name: string): Promise<Record<string, string>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const r = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name, configNames: ['cleanup.policy', 'retention.ms', 'min.insync.replicas'] }],
    });
    return Object.fromEntries(r.resources[0].configEntries.map((c) => [c.configName, c.configValue]));
  } finally {
    await admin.disconnect();
  }
}

describe('ensureTopics', () => {
  it('creates every topic and DLQ with its cleanup policy and retention, idempotently, even when services race', async () => {
    await Promise.all([1, 2, 3].map(() => ensureTopics(kafka, { prefix, partitions: 3, replicationFactor: 1 })));
    await ensureTopics(kafka, { prefix, partitions: 3, replicationFactor: 1 }); // again: no-op
    const admin = kafka.admin();
    await admin.connect();
    const names = (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
    const meta = await admin.fetchTopicMetadata({ topics: [`${prefix}${TOPICS.checkins}`] });
    await admin.disconnect();
    expect(names).toEqual(
      allTopicSpecs()
        .map((s) => `${prefix}${s.name}`)
        .sort(),
    );
    expect(meta.topics[0].partitions).toHaveLength(3);
    expect(await topicConfig(`${prefix}${TOPICS.patients}`)).toMatchObject({ 'cleanup.policy': 'compact', 'retention.ms': '-1' });
    expect(await topicConfig(`${prefix}${TOPICS.checkins}.dlq`)).toMatchObject({ 'cleanup.policy': 'delete', 'retention.ms': String(30 * 86_400_000) });
  });

  it('re-aligns a drifted setting and keeps other topic overrides', async () => {
    const name = `${prefix}${TOPICS.alerts}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name,
          configEntries: [
            { name: 'retention.ms', value: '1000' },
            { name: 'min.insync.replicas', value: '1' },
          ],
        },
      ],
    });
    await admin.disconnect();
    // KRaft: an alter is committed by the controller and reaches the broker's metadata a moment
    // later, so a describe right after it can still show the old value. Wait until the drift shows.
    await waitFor(async () => (await topicConfig(name))['retention.ms'] === '1000', 10_000, { what: 'the drifted retention to show' });
    const spec = TOPIC_SPECS.find((s) => s.name === TOPICS.alerts) as TopicSpec;
    await ensureTopics(kafka, { prefix, partitions: 3, replicationFactor: 1, specs: [spec] });
    const aligned = await waitFor(
      async () => {
        const config = await topicConfig(name);
        return config['retention.ms'] !== '1000' && config;
      },
      10_000,
      { what: 'the re-aligned retention to show' },
    );
    expect(aligned).toMatchObject({ 'retention.ms': String(spec.retentionMs), 'cleanup.policy': 'delete', 'min.insync.replicas': '1' });
  });

  it("retention 'unlimited' (sandboxes fed with old events) creates topics that keep everything, and 'contract' puts each topic's own back", async () => {
    const sandbox = uniquePrefix('pub-sandbox');
    try {
      const spec = TOPIC_SPECS.find((s) => s.name === TOPICS.riskScores) as TopicSpec;
      const name = `${sandbox}${TOPICS.riskScores}`;
      await ensureTopics(kafka, { prefix: sandbox, partitions: 1, replicationFactor: 1, specs: [spec], retention: 'unlimited' });
      expect(await topicConfig(name)).toMatchObject({ 'retention.ms': '-1', 'cleanup.policy': 'delete' });
      await ensureTopics(kafka, { prefix: sandbox, partitions: 1, replicationFactor: 1, specs: [spec] });
      // An alter reaches the broker's view a moment after it returns (KRaft): poll.
      await waitFor(async () => (await topicConfig(name))['retention.ms'] === String(spec.retentionMs), 10_000, { what: "the contract's retention back" });
    } finally {
      await deleteTestTopics(kafka, sandbox);
    }
  });
});

describe('EventPublisher against Kafka', () => {
  let publisher: EventPublisher;
  beforeAll(async () => {
    await createTestTopics(kafka, prefix);
    publisher = new EventPublisher(kafka, { topicPrefix: prefix });
    await publisher.connect();
  });
  afterAll(async () => {
    await publisher.disconnect();
  });

  it('publish() and publishMany() write binary-mode CloudEvents keyed by patient, readable by the cloudevents SDK', async () => {
    const one = checkinEvent('patient-1', 0);
    const many = [1, 2, 3, 4].map((n) => checkinEvent('patient-2', n));
    await publisher.publish(TOPICS.riskScores, one);
    await publisher.publishMany(TOPICS.riskScores, many);
    const recs = await consumeAll(kafka, `${prefix}${TOPICS.riskScores}`, { expected: 5, timeoutMs: 15_000 });
    expect(recs).toHaveLength(5);
    const byKey = (k: string) => recs.filter((r) => r.key === k);
    expect(byKey('patient-1')).toHaveLength(1);
    // one key, one partition, publish order
    const p2 = byKey('patient-2');
    expect(new Set(p2.map((r) => r.partition)).size).toBe(1);
    expect(p2.map((r) => (r.event?.data as { n: number }).n)).toEqual([1, 2, 3, 4]);
    const r = byKey('patient-1')[0];
    expect(r.headers).toMatchObject({
      ce_specversion: '1.0',
      ce_id: one.id,
      ce_type: one.type,
      ce_subject: 'patient-1',
      ce_tenantid: 'org-test',
      'content-type': 'application/json',
    });
    expect(r.timestamp).toBe(String(Date.parse(one.time)));
    expect(r.event).toEqual(one);

    const msg = { key: r.key as string, value: r.value!.toString(), body: r.value!.toString(), headers: r.headers, timestamp: r.timestamp };
    expect(CloudEventsKafka.isEvent(msg)).toBe(true);
    const ce = CloudEventsKafka.toEvent(msg) as CloudEvent<unknown>;
    ce.validate();
    expect(ce.id).toBe(one.id);
    expect(ce.subject).toBe('patient-1');
    expect(ce['tenantid']).toBe('org-test');
    expect(ce.data).toEqual(one.data);
  });

  it('coalesces 200 concurrent publish() calls into a handful of sendBatch calls', async () => {
    const before = publisher.stats();
    const t0 = Date.now();
    await Promise.all(Array.from({ length: 200 }, (_, i) => publisher.publish(TOPICS.audit, checkinEvent(`patient-${i % 20}`, i))));
    const ms = Date.now() - t0;
    const after = publisher.stats();
    const calls = after.sendBatchCalls - before.sendBatchCalls;
    process.stdout.write(`coalescing: 200 concurrent publish() -> ${calls} sendBatch call(s) in ${ms} ms\n`);
    expect(calls).toBeLessThanOrEqual(5);
    expect(after.recordsAcked - before.recordsAcked).toBe(200);
    const recs = await consumeAll(kafka, `${prefix}${TOPICS.audit}`, { expected: 200 });
    for (let p = 0; p < 20; p++) {
      const ns = recs.filter((r) => r.key === `patient-${p}`).map((r) => (r.event?.data as { n: number }).n);
      expect(ns).toEqual([...ns].sort((a, b) => a - b)); // per patient in publish order
    }
  });

  it('publishRaw writes bytes and headers as given (dead letters, replay)', async () => {
    await publisher.publishRaw(`${prefix}${TOPICS.checkins}.dlq`, [
      { key: 'k1', value: Buffer.from([0xff, 0x00, 0x7b]), headers: { [DLQ_HEADERS.reason]: 'not-json' } },
    ]);
    const [r] = await consumeAll(kafka, `${prefix}${TOPICS.checkins}.dlq`, { expected: 1 });
    expect(r.value).toEqual(Buffer.from([0xff, 0x00, 0x7b]));
    expect(r.headers[DLQ_HEADERS.reason]).toBe('not-json');
  });
});
