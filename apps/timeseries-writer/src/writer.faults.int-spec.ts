/**
 * Fault tests: a PRIVATE Cassandra (own state dir and ports, started once for this file through
 * deploy/local/infra.sh) is stopped and started again under load, and the writer itself is
 * SIGKILLed and SIGTERMed. The writer runs as a child process (`node -r ./tools/register.js
 * apps/timeseries-writer/src/main.ts`). Afterwards every accepted check-in is stored exactly once:
 * counted. The shared servers are never touched. Slow (a Cassandra start is ~1 min on the 2-core box).
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { prefixedTopic, TOPICS } from '@vigil/contracts';
import {
  countRows,
  createTestKeyspace,
  deleteRedisPrefix,
  deleteTestTopics,
  freePort,
  PrivateServer,
  startPrivateServer,
  TestKeyspace,
  testKafka,
  uniquePrefix,
  uniqueRedisPrefix,
} from '@vigil/testing';
import { createCassandraClient } from '@vigil/storage';
import { createTestTopics, manyCheckIns, OBSERVATIONS_PER_CHECKIN, publishAll, TestKafka, waitUntil } from './test/fixtures';
import { scrapeLag } from './test/scrape';

jest.setTimeout(600_000);

const REPO = path.resolve(__dirname, '../../..');
const N = 5000;
const PATIENTS = 50;

let cassandra: PrivateServer;
const cleanup: (() => Promise<unknown>)[] = [];

beforeAll(async () => {
  const t0 = Date.now();
  cassandra = await startPrivateServer('cassandra', {
    // STOP_GRACE: a stop is a SIGTERM and Cassandra drains (flushes) before exiting. Not SIGKILL: the
    // local servers run with -Dcassandra.unsafesystem=true, so schema changes skip the commit log and
    // a killed node forgets the test keyspace (user data is commit-logged and would survive).
    env: { VIGIL_INFRA_CACHE: process.env['VIGIL_INFRA_CACHE'] ?? path.join(REPO, '.infra', 'cache'), STOP_GRACE: '90' },
  });
  process.stdout.write(`private Cassandra up at ${cassandra.address} in ${Date.now() - t0} ms\n`);
});

afterAll(async () => {
  for (const c of cleanup.reverse()) await c().catch(() => undefined);
  await cassandra?.remove();
});

async function setup(name: string): Promise<{ ks: TestKeyspace; topics: TestKafka }> {
  const [ks, topics] = await Promise.all([createTestKeyspace(name, cassandra.env), createTestTopics()]);
  cleanup.push(
    () => topics.close(),
    () => ks.drop(),
  );
  return { ks, topics };
}

/** Exactly-once check: every table holds exactly what N accepted check-ins make. */
async function expectExactlyOnce(ks: TestKeyspace, ids: string[]): Promise<void> {
  expect(await countRows(ks.client, ks.keyspace, 'checkins_by_patient')).toBe(N);
  expect(await countRows(ks.client, ks.keyspace, 'checkins_by_day')).toBe(N);
  expect(await countRows(ks.client, ks.keyspace, 'observations_by_patient')).toBe(N * OBSERVATIONS_PER_CHECKIN);
  expect(await countRows(ks.client, ks.keyspace, 'latest_observations')).toBe(PATIENTS * OBSERVATIONS_PER_CHECKIN);
  const stored = new Set<string>();
  for await (const row of await ks.client.execute(`SELECT check_in_id FROM "${ks.keyspace}".checkins_by_patient`, [], { prepare: true, fetchSize: 2000 })) {
    stored.add(String(row['check_in_id']));
  }
  expect(stored.size).toBe(N);
  expect(ids.every((id) => stored.has(id))).toBe(true);
}

interface Child {
  proc: ChildProcess;
  /** Exit code, or the signal that ended it. */
  exited: Promise<number | string | null>;
  output: () => string;
}

function startWriterProcess(env: Record<string, string>, main = 'apps/timeseries-writer/src/main.ts'): Child {
  const proc = spawn(process.execPath, ['-r', './tools/register.js', main], {
    cwd: REPO,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  proc.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-20_000)));
  const exited = new Promise<number | string | null>((resolve) => proc.on('exit', (code, signal) => resolve(code ?? signal)));
  cleanup.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
  });
  return { proc, exited, output: () => out };
}

const DRAINED = /timeseries-writer stopped: in-flight batches drained and committed/;

function writerEnv(ks: TestKeyspace, topics: TestKafka, groupId: string, concurrency: string, sessionTimeoutMs = '15000'): Record<string, string> {
  return {
    ...cassandra.env,
    CASSANDRA_KEYSPACE: ks.keyspace,
    TOPIC_PREFIX: topics.prefix,
    WRITER_GROUP_ID: groupId,
    WRITER_CONCURRENCY: concurrency,
    WRITER_SESSION_TIMEOUT_MS: sessionTimeoutMs,
    WRITER_RETRY_MAX_MS: '2000',
    KAFKA_ENSURE_TOPICS: 'false',
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
  };
}

/**
 * A risk-scorer on the same private Cassandra, only to watch its readiness follow Cassandra: it
 * consumes its own (empty) topics, so it adds no load to the write path under test.
 */
async function startIdleScorer(ks: TestKeyspace): Promise<{ child: Child; url: string }> {
  const [prefix, redisPrefix, groupId, port] = [
    uniquePrefix('fault-scorer'),
    uniqueRedisPrefix('fault_scorer'),
    `scorer-fault-${Date.now()}`,
    await freePort(),
  ];
  cleanup.push(
    () => deleteRedisPrefix(redisPrefix),
    async () => {
      const kafka = testKafka('fault-scorer-cleanup');
      await deleteTestTopics(kafka, prefix, [groupId]);
    },
  );
  const env = {
    ...cassandra.env,
    CASSANDRA_KEYSPACE: ks.keyspace,
    TOPIC_PREFIX: prefix,
    KAFKA_GROUP_ID: groupId,
    REDIS_KEY_PREFIX: redisPrefix,
    ENGAGEMENT_ENABLED: 'false',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
  };
  return { child: startWriterProcess(env, 'apps/risk-scorer/src/main.ts'), url: `http://127.0.0.1:${port}` };
}

/** The HTTP base URL a writer child prints once listening. */
async function writerUrl(child: Child): Promise<string> {
  let url = '';
  await waitUntil(() => Boolean((url = /"msg":"listening","url":"([^"]+)"/.exec(child.output())?.[1] ?? '')), 120_000, 'the writer to listen');
  return url.replace('[::1]', '127.0.0.1');
}

it('Cassandra stopped while 5,000 check-ins are flowing, then started again: every check-in stored exactly once; readiness and lag follow', async () => {
  const t0 = Date.now();
  const { ks, topics } = await setup('fault_cass');
  const groupId = `writer-cass-${Date.now()}`;
  const writer = startWriterProcess(writerEnv(ks, topics, groupId, '32'));
  const scorer = await startIdleScorer(ks);
  const url = await writerUrl(writer);
  const readiness = async (base: string) => (await fetch(`${base}/health/ready`).catch(() => null))?.status;
  await waitUntil(async () => (await readiness(url)) === 200, 120_000, 'the writer ready');
  await waitUntil(async () => (await readiness(scorer.url)) === 200, 120_000, 'the scorer ready');
  const stored = () => countRows(ks.client, ks.keyspace, 'checkins_by_patient');
  const failedAttempts = async () => {
    const text = await (await fetch(`${url}/metrics`)).text();
    return Number(/^vigil_messages_failed_total\{[^}]*\} (\d+)/m.exec(text)?.[1] ?? 0);
  };
  const rejoins = () => (writer.output().match(/re-joining the group/g) ?? []).length;

  const events = manyCheckIns(N, PATIENTS);
  const HELD = 500; // published only while Cassandra is down: the lag must grow by them
  // The first of them go out as soon as it is down, so writes are sure to fail then: a fast writer
  // (or a slow drain on stop) can have stored everything published before the stop.
  const FIRST_HELD = 100;
  const publishing = (async () => {
    for (let i = 0; i < N - HELD; i += 250) {
      await publishAll(topics.publisher, events.slice(i, i + 250));
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  await waitUntil(async () => (await stored()) >= 1000, 180_000, '1000 check-ins written', 200);
  // The test's own client must not live across the restart (cassandra-driver 4.x can leave a
  // reconnecting pool behind a client that saw its node restart); the writer's must, and does.
  await ks.client.shutdown();
  await cassandra.stop();
  const stoppedAt = Date.now();
  await publishAll(topics.publisher, events.slice(N - HELD, N - HELD + FIRST_HELD));
  await waitUntil(async () => (await failedAttempts()) > 0, 60_000, 'writes failing');
  const notReady = await fetch(`${url}/health/ready`);
  expect(notReady.status).toBe(503);
  // Cassandra is what holds it back; the consumer stays in its group while its partitions retry.
  expect(await notReady.json()).toMatchObject({ error: { cassandra: { status: 'down' } }, info: { 'kafka-consumer': { status: 'up' } } });
  await waitUntil(async () => (await readiness(scorer.url)) === 503, 30_000, 'the scorer not ready');
  expect(await (await fetch(`${scorer.url}/health/ready`)).json()).toMatchObject({ error: { cassandra: { status: 'down' } } });
  const rejoinsBefore = rejoins();
  await publishing; // the rest keeps flowing into Kafka while Cassandra is down
  // Every partition is held in its retry loop: vigil_kafka_consumer_lag on /metrics rises as check-ins arrive.
  let lagDown = 0;
  await waitUntil(async () => (lagDown = (await scrapeLag(url, groupId)).total) > 0, 60_000, 'a lag while Cassandra is down', 250);
  await publishAll(topics.publisher, events.slice(N - HELD + FIRST_HELD));
  let lagDownLater = 0;
  const more = HELD - FIRST_HELD;
  await waitUntil(
    async () => (lagDownLater = (await scrapeLag(url, groupId)).total) >= lagDown + more,
    60_000,
    `the lag to grow past ${lagDown} + ${more}`,
    250,
  );
  await cassandra.up();
  const restartedAt = Date.now();
  ks.client = createCassandraClient(ks.config, { keyspace: null });
  await waitUntil(async () => (await stored()) >= N, 240_000, 'all check-ins written', 250);
  const caughtUp = Date.now();
  // Back: ready again, and the lag falls to 0 on every partition.
  await waitUntil(async () => (await readiness(url)) === 200, 60_000, 'the writer ready again', 250);
  await waitUntil(async () => (await readiness(scorer.url)) === 200, 120_000, 'the scorer ready again', 250);
  let lagAfter = await scrapeLag(url, groupId);
  await waitUntil(async () => (lagAfter = await scrapeLag(url, groupId)).total === 0, 60_000, 'the lag back to 0', 250);
  expect([...lagAfter.partitions.values()]).toEqual([0, 0, 0]);
  // A failing batch was retried for the whole outage (over a minute) with the partition held:
  // heartbeats kept the member in its group (session timeout 15 s), no rebalance.
  expect(rejoins()).toBe(rejoinsBefore);
  const failed = await failedAttempts();
  writer.proc.kill('SIGTERM');
  expect(await writer.exited).toBe(0);
  expect(writer.output()).toMatch(DRAINED);
  await expectExactlyOnce(
    ks,
    events.map((e) => e.data.checkInId),
  );
  process.stdout.write(
    `cassandra fault: down ${restartedAt - stoppedAt} ms (${failed} failed attempts; lag ${lagDown} then ${lagDownLater}), caught up ${caughtUp - restartedAt} ms after the restart; test body ${Date.now() - t0} ms\n`,
  );
});

it('the writer SIGKILLed mid-batch and restarted, then SIGTERMed mid-stream: exactly once, and SIGTERM commits what it wrote', async () => {
  const t0 = Date.now();
  const { ks, topics } = await setup('fault_kill');
  const topic = prefixedTopic(TOPICS.checkins, topics.prefix);
  const events = manyCheckIns(N, PATIENTS);
  await publishAll(topics.publisher, events);
  const groupId = `writer-kill-${Date.now()}`;
  const env = writerEnv(ks, topics, groupId, '16', '6000'); // a short session: the SIGKILLed member's partitions free up fast
  const stored = () => countRows(ks.client, ks.keyspace, 'checkins_by_patient');
  const admin = topics.kafka.admin();
  await admin.connect();
  cleanup.push(() => admin.disconnect());
  const committed = async () => {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return t.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
  };

  // 1. SIGKILL in the middle of the stream, with work stored but not committed: those check-ins
  // come again after the restart and must not be stored twice. Seen so, the writer could still
  // commit before a SIGKILL lands: freeze it (SIGSTOP), let the writes it already sent land, and
  // kill it only if stored work is still ahead of the committed offsets.
  const observations = () => countRows(ks.client, ks.keyspace, 'observations_by_patient');
  // Two writes at a time: batches take long enough to be caught in the middle.
  const first = startWriterProcess({ ...env, WRITER_CONCURRENCY: '2' });
  await waitUntil(
    async () => {
      const a = await stored();
      if (a >= N) throw new Error('the first writer stored every check-in before it could be stopped mid-stream');
      if (a < 1500) return false;
      first.proc.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 500));
      if ((await committed()) < (await stored())) return true;
      first.proc.kill('SIGCONT'); // stopped between a commit and the next batch's first write: again
      return false;
    },
    240_000,
    'the first writer to have stored check-ins it has not committed, after 1500',
    25,
  );
  first.proc.kill('SIGKILL');
  await first.exited;
  const atKill = await stored();
  const observationsAtKill = await observations();
  const committedAtKill = await committed();
  expect(atKill).toBeLessThan(N);
  expect(committedAtKill).toBeLessThan(atKill); // stored, not committed: redelivered after the restart

  // 2. Restart; SIGTERM mid-stream: it drains, commits what it wrote and stops cleanly.
  const second = startWriterProcess(env);
  await waitUntil(async () => (await stored()) >= Math.min(N - 500, atKill + 1000), 240_000, 'the second writer to make progress', 200);
  second.proc.kill('SIGTERM');
  expect(await second.exited).toBe(0); // drained, committed, closed, exit(0)
  expect(second.output()).toMatch(DRAINED);
  const committedAfterTerm = await committed();
  expect(committedAfterTerm).toBeGreaterThan(atKill - 1000);
  expect(await stored()).toBeGreaterThanOrEqual(committedAfterTerm); // nothing committed that is not stored

  // 3. Restart to the end; SIGTERM once everything is committed.
  const third = startWriterProcess(env);
  // The second writer may have committed everything already: wait for the third to be up (its
  // SIGTERM handler installed) before stopping it.
  await waitUntil(async () => /"msg":"listening"/.test(third.output()), 120_000, 'the third writer to listen', 200);
  await waitUntil(async () => (await committed()) >= N, 240_000, 'every offset committed', 250);
  third.proc.kill('SIGTERM');
  expect(await third.exited).toBe(0);
  expect(third.output()).toMatch(DRAINED);
  await expectExactlyOnce(
    ks,
    events.map((e) => e.data.checkInId),
  );
  process.stdout.write(
    `writer kill test body: ${Date.now() - t0} ms (stored at SIGKILL: ${atKill} check-ins, ${observationsAtKill} observations, ${committedAtKill} committed; committed at SIGTERM: ${committedAfterTerm})\n`,
  );
});
