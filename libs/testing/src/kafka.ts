/**
 * Kafka helpers for integration tests: each run gets its own topics (a unique prefix) on the real
 * broker and deletes them afterwards. kafkajs stays behind @vigil/messaging: these helpers only call
 * methods of the client it creates.
 */
import { randomBytes } from 'node:crypto';
import { allTopicSpecs, fromKafkaRecord, type TopicSpec, type VigilEvent } from '@vigil/contracts';
import { createKafka, ensureTopics, type Kafka, type KafkaSettings } from '@vigil/messaging';

/** `t-<label>-<6 random>.`: a topic prefix no other run uses. */
export function uniquePrefix(label = 'test'): string {
  const clean = label.replace(/[^a-zA-Z0-9-]/g, '-').slice(0, 30);
  return `t-${clean}-${randomBytes(3).toString('hex')}.`;
}

/** The brokers of the test environment (KAFKA_BROKERS or the local broker). */
export function testKafkaBrokers(): string[] {
  return (process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

export function testKafkaSettings(clientId = 'vigil-test', overrides: Partial<KafkaSettings> = {}): KafkaSettings {
  return { brokers: testKafkaBrokers(), clientId, logLevel: 'error', connectionTimeoutMs: 2000, ...overrides };
}

/** A client on the test brokers (quiet logs). */
export function testKafka(clientId = 'vigil-test', overrides: Partial<KafkaSettings> = {}): Kafka {
  return createKafka(testKafkaSettings(clientId, overrides));
}

/** Creates `<prefix><topic>` for every spec (default: all topics and DLQs), 3 partitions, RF 1. */
export async function createTestTopics(
  kafka: Kafka,
  prefix: string,
  specs: readonly TopicSpec[] = allTopicSpecs(),
  opts: { partitions?: number; replicationFactor?: number } = {},
): Promise<void> {
  await ensureTopics(kafka, { prefix, partitions: opts.partitions ?? 3, replicationFactor: opts.replicationFactor ?? 1, specs });
}

/** Deletes every topic whose name starts with `prefix` (and the given consumer groups). */
export async function deleteTestTopics(kafka: Kafka, prefix: string, groupIds: string[] = []): Promise<void> {
  if (!prefix) throw new Error('refusing to delete topics without a prefix');
  const admin = kafka.admin();
  await admin.connect();
  try {
    if (groupIds.length) await admin.deleteGroups(groupIds).catch(() => undefined);
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics, timeout: 10_000 });
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer | null;
  /** Headers as strings (first value of repeated ones). */
  headers: Record<string, string>;
  timestamp: string;
  /** The CloudEvent, when the record is one. */
  event?: VigilEvent;
  /** Why it is not, otherwise. */
  decodeError?: string;
}

/**
 * Reads a full topic name from the beginning with a throwaway consumer group: until `expected`
 * records arrived, or (without `expected`) until every partition's end offset as of the call.
 * Throws after `timeoutMs` with what it got so far in the message.
 */
export async function consumeAll(kafka: Kafka, fullTopic: string, opts: { expected?: number; timeoutMs?: number } = {}): Promise<ConsumedRecord[]> {
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<number, bigint>();
  try {
    for (const p of await admin.fetchTopicOffsets(fullTopic)) ends.set(p.partition, BigInt(p.high));
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
  const reached = new Map<number, bigint>();
  const remaining = () => [...ends.entries()].filter(([p, high]) => high > 0n && (reached.get(p) ?? -1n) + 1n < high).length;

  const groupId = `consume-all-${randomBytes(6).toString('hex')}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100, sessionTimeout: 10_000, heartbeatInterval: 1000, allowAutoTopicCreation: false });
  const records: ConsumedRecord[] = [];
  let finish: () => void = () => undefined;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const check = () => {
    if (opts.expected !== undefined ? records.length >= opts.expected : remaining() === 0) finish();
  };
  // For the timeout message: a group that never joined (a starved broker or client) reads
  // differently from one that joined and found nothing.
  const t0 = Date.now();
  let joined = 'the group never joined';
  consumer.on(consumer.events.GROUP_JOIN, (e) => {
    const parts = Object.values(e.payload.memberAssignment).flat();
    joined = `the group joined after ${Date.now() - t0} ms with ${parts.length} partition(s)`;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [fullTopic], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) {
          const one = Array.isArray(v) ? v[0] : v;
          if (one !== undefined) headers[k] = one.toString();
        }
        const rec: ConsumedRecord = {
          topic,
          partition,
          offset: message.offset,
          key: message.key === null ? null : message.key.toString(),
          value: message.value,
          headers,
          timestamp: message.timestamp,
        };
        try {
          rec.event = fromKafkaRecord({ key: message.key, value: message.value, headers: message.headers });
        } catch (e) {
          rec.decodeError = (e as Error).message;
        }
        records.push(rec);
        reached.set(partition, BigInt(message.offset));
        check();
      },
    });
    check();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      done.then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), timeoutMs);
      }),
    ]);
    if (timer) clearTimeout(timer);
    if (timedOut) {
      throw new Error(
        `consumeAll(${fullTopic}): got ${records.length} record(s)${opts.expected !== undefined ? ` of ${opts.expected}` : ''} within ${timeoutMs} ms (${joined})`,
      );
    }
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const admin2 = kafka.admin();
    await admin2
      .connect()
      .then(() => admin2.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin2.disconnect().catch(() => undefined));
  }
  return records.sort((a, b) => a.partition - b.partition || (BigInt(a.offset) < BigInt(b.offset) ? -1 : 1));
}
