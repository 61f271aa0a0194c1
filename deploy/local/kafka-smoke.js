#!/usr/bin/env node
// Smoke test: the repo's kafkajs against the local Kafka (checks protocol compatibility, e.g. Kafka 4's
// removal of old request versions, KIP-896). Uses a unique topic and group and deletes them afterwards.
//
//   node deploy/local/kafka-smoke.js [--port 9092]
//
// Prints one line per API call and exits non-zero on the first failure.
'use strict';
const path = require('node:path');
const { createRequire } = require('node:module');
const { Kafka, logLevel, CompressionTypes } = createRequire(path.resolve(__dirname, '..', '..', 'package.json'))('kafkajs');

const i = process.argv.indexOf('--port');
const port = i > 0 ? process.argv[i + 1] : process.env.KAFKA_PORT || '9092';
const run = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const topic = `infra-smoke-${run}`;
const txTopic = `infra-smoke-tx-${run}`;
const groupId = `infra-smoke-${run}`;

const kafka = new Kafka({ clientId: 'vigil-infra-smoke', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.ERROR });
const admin = kafka.admin();
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
const txProducer = kafka.producer({ transactionalId: `infra-smoke-tx-${run}`, idempotent: true, maxInFlightRequests: 1 });
const consumer = kafka.consumer({ groupId, sessionTimeout: 10000, heartbeatInterval: 1000 });

const step = async (name, fn) => {
  const t0 = Date.now();
  try {
    const out = await fn();
    console.log(`ok   ${name} (${Date.now() - t0} ms)${out !== undefined ? ` ${JSON.stringify(out)}` : ''}`);
    return out;
  } catch (e) {
    console.log(`FAIL ${name}: ${e.name}: ${e.message}${e.type ? ` [${e.type}]` : ''}`);
    throw e;
  }
};

async function main() {
  const N = 20;
  await step('admin.connect', () => admin.connect());
  await step('admin.describeCluster', async () => (await admin.describeCluster()).brokers.length);
  await step('admin.createTopics (3 partitions, RF 1)', () =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic, numPartitions: 3, replicationFactor: 1 },
        { topic: txTopic, numPartitions: 1 },
      ],
    }),
  );
  await step('admin.fetchTopicMetadata', async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.length);
  await step('admin.describeConfigs', async () => {
    const r = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2, name: topic, configNames: ['cleanup.policy'] }] });
    return r.resources[0].configEntries.map((c) => `${c.configName}=${c.configValue}`);
  });
  await step('admin.createPartitions (3 -> 4)', () => admin.createPartitions({ topicPartitions: [{ topic, count: 4 }] }));

  const before = Date.now();
  await step('producer.connect (idempotent)', () => producer.connect());
  await step(`producer.send acks=-1 x${N} (gzip)`, async () => {
    const r = await producer.send({
      topic,
      acks: -1,
      compression: CompressionTypes.GZIP,
      messages: Array.from({ length: N }, (_, k) => ({ key: `k${k}`, value: JSON.stringify({ k }), headers: { h: 'v' } })),
    });
    return r.map((m) => `${m.partition}@${m.baseOffset}`);
  });
  await step('producer.sendBatch acks=-1', () => producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: [{ key: 'batch', value: 'b' }] }] }));

  await step('txProducer.connect (transactional)', () => txProducer.connect());
  await step('transaction send + commit', async () => {
    const tx = await txProducer.transaction();
    await tx.send({ topic: txTopic, messages: [{ key: 'tx', value: 'committed' }] });
    await tx.commit();
  });
  await step('transaction send + abort', async () => {
    const tx = await txProducer.transaction();
    await tx.send({ topic: txTopic, messages: [{ key: 'tx', value: 'aborted' }] });
    await tx.abort();
  });

  await step('admin.fetchTopicOffsets (ListOffsets)', async () => (await admin.fetchTopicOffsets(topic)).map((p) => `${p.partition}:${p.low}-${p.high}`));
  await step('admin.fetchTopicOffsetsByTimestamp', async () =>
    (await admin.fetchTopicOffsetsByTimestamp(topic, before - 1000)).map((p) => `${p.partition}:${p.offset}`),
  );

  await step('consumer.connect + subscribe', async () => {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
  });
  await step(`consumer group consume ${N + 1} (eachMessage, commit)`, async () => {
    let seen = 0;
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${seen} messages in 30 s`)), 30000);
      consumer
        .run({
          eachMessage: async () => {
            seen += 1;
            if (seen === N + 1) {
              clearTimeout(timer);
              resolve();
            }
          },
        })
        .catch(reject);
    });
    return seen;
  });
  await step('consumer.commitOffsets', () =>
    consumer
      .commitOffsets([{ topic, partition: 0, offset: '0' }])
      .catch((e) => {
        throw e;
      })
      .then(() => 'ok'),
  );
  await step('admin.describeGroups', async () => {
    const g = (await admin.describeGroups([groupId])).groups[0];
    return `${g.groupId} state=${g.state} protocol=${g.protocol} members=${g.members.length}`;
  });
  await step('admin.listGroups', async () => (await admin.listGroups()).groups.some((g) => g.groupId === groupId));
  await step('consumer.disconnect', () => consumer.disconnect());
  await step('admin.fetchOffsets (OffsetFetch)', async () =>
    (await admin.fetchOffsets({ groupId, topics: [topic] }))[0].partitions.map((p) => `${p.partition}:${p.offset}`),
  );
  await step('admin.setOffsets', () => admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '0' }] }));
  await step('admin.resetOffsets', () => admin.resetOffsets({ groupId, topic, earliest: true }));
  await step('read committed txTopic', async () => {
    const c = kafka.consumer({ groupId: `${groupId}-tx`, readUncommitted: false });
    await c.connect();
    await c.subscribe({ topics: [txTopic], fromBeginning: true });
    const values = [];
    await new Promise((resolve, reject) => {
      const timer = setTimeout(resolve, 8000);
      c.run({
        eachMessage: async ({ message }) => {
          values.push(message.value.toString());
          if (values.length >= 1) {
            clearTimeout(timer);
            setTimeout(resolve, 1500);
          }
        },
      }).catch(reject);
    });
    await c.disconnect();
    await admin.deleteGroups([`${groupId}-tx`]);
    if (values.join() !== 'committed') throw new Error(`read_committed saw ${JSON.stringify(values)}`);
    return values;
  });
  await step('admin.deleteGroups', () => admin.deleteGroups([groupId]));
  await step('admin.deleteTopicRecords', () => admin.deleteTopicRecords({ topic, partitions: [{ partition: 0, offset: '-1' }] }));
  await step('admin.deleteTopics', () => admin.deleteTopics({ topics: [topic, txTopic] }));
  await producer.disconnect();
  await txProducer.disconnect();
  await admin.disconnect();
  console.log('kafka smoke: all ok');
}

main().catch(async () => {
  await Promise.allSettled([consumer.disconnect(), producer.disconnect(), txProducer.disconnect()]);
  await admin.deleteTopics({ topics: [topic, txTopic] }).catch(() => {});
  await admin.disconnect().catch(() => {});
  process.exit(1);
});
