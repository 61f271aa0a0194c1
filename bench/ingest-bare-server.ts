/**
 * The benchmark's baseline: a bare Fastify endpoint that only produces the posted check-in to
 * Kafka (the same CloudEvent record ingest-api writes, acks from all in-sync replicas) and answers
 * 202. No auth, no validation, no idempotency, no rate limit, no logging. Used by ingest.bench.ts;
 * kafkajs' producer as it comes (one `send` per request, its default in-flight concurrency).
 *
 *   PORT=4100 TOPIC=<full topic> KAFKA_BROKERS=127.0.0.1:9092 node -r ./tools/register.js bench/ingest-bare-server.ts
 */
import Fastify from 'fastify';
import { CheckIn, createEvent, EVENT_SOURCES, EVENT_TYPES, toKafkaRecord } from '@vigil/contracts';
import { createKafka } from '@vigil/messaging';

async function main(): Promise<void> {
  const port = Number(process.env['PORT'] ?? 4100);
  const topic = process.env['TOPIC'] as string;
  const brokers = (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092').split(',');
  const kafka = createKafka({ brokers, clientId: 'bench-bare', logLevel: 'error' });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();

  const app = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  app.get('/health', async () => ({ status: 'ok' }));
  app.post('/produce', async (request, reply) => {
    const body = request.body as CheckIn;
    const patient = String(request.headers['x-patient'] ?? 'bench-patient');
    const record = toKafkaRecord(
      createEvent({
        id: body.checkInId,
        source: EVENT_SOURCES.ingestApi,
        type: EVENT_TYPES.checkinReceived,
        subject: patient,
        tenantid: 'org-bench',
        time: new Date(body.recordedAt).toISOString(),
        data: body,
      }),
    );
    await producer.send({ topic, acks: -1, messages: [record] });
    return reply.code(202).send({ checkInId: body.checkInId, status: 'accepted', receivedAt: new Date().toISOString() });
  });
  await app.listen({ port, host: '127.0.0.1' });
  const stop = async () => {
    await app.close();
    await producer.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

void main();
