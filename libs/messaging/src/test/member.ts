/**
 * A consumer-group member as its own process, for tests that SIGKILL it (recovery.int-spec.ts):
 * joins MEMBER_GROUP on MEMBER_TOPIC (a base topic under MEMBER_PREFIX) at KAFKA_BROKERS with the
 * library's default group settings, prints `ready` once it holds partitions, then consumes.
 */
import { BatchConsumer } from '../consumer';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const consumer = new BatchConsumer(
  {
    kafka: { brokers: env('KAFKA_BROKERS').split(','), clientId: 'member-test', logLevel: 'error' },
    groupId: env('MEMBER_GROUP'),
    topicPrefix: env('MEMBER_PREFIX'),
  },
  { [env('MEMBER_TOPIC')]: { batch: true, handle: async () => undefined } },
);

void (async () => {
  await consumer.start();
  await consumer.whenReady(60_000);
  process.stdout.write('ready\n');
})().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
