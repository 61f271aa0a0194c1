/**
 * The feed's posting mode against the REAL ingest-api (a child process) on a PRIVATE Kafka (the
 * shared one is never touched) and the shared Redis under its own key prefix:
 *   - 429 from ingest's real per-patient rate limit (RATE_LIMIT_PER_MINUTE set just below one
 *     patient's history, so its fast as-sent upload runs over within one minute);
 *   - 503 from ingest while its Kafka is down (killed by pid, then started again).
 * Every check-in must end up accepted exactly once: ledger = cohort = topic, no checkInId twice on
 * the topic, every retry the same checkInId and body, and each wait at least the Retry-After given.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { TOPICS } from '@vigil/contracts';
import {
  consumeAll,
  deleteRedisPrefix,
  freePort,
  startPrivateServer,
  testKafka,
  testRedisUrl,
  uniquePrefix,
  uniqueRedisPrefix,
  waitFor,
  type PrivateServer,
} from '@vigil/testing';
import { Feeder, LedgerEntry } from './lib/feed';
import { TUNED } from './lib/params';
import { historyUploads, PlannedPatient } from './lib/run-feed';
import { planWith } from './test/plan-with';
import { HttpRecorder } from './test/http-recorder';
import { IngestProcess } from './test/ingest-process';

jest.setTimeout(180_000);

const SECRET = 'simulator-real-ingest-test-secret-0123456789';
// Plans are drawn back from today (over 1,500 days, on 72 a K patient had no check-in at all):
// planWith takes the first seed whose plan has what the test needs.
const plan = (seed: string, patients: number, days: number, fits: (plan: PlannedPatient[]) => boolean): PlannedPatient[] =>
  planWith({ seed, params: TUNED, patients, days, org: 'org-demo', teams: ['team-a', 'team-b'] }, fits);

// R: one patient with four weeks of history, posted as fast as the phone can: runs into the rate limit.
const rated = plan('real-rate', 1, 28, ([p]) => p.history.length >= 13);
// K: four patients with three days each, posted while Kafka is down.
const outage = plan('real-kafka', 4, 3, (plan) => plan.every((p) => p.history.length > 0));
const cohort = new Map(
  [...rated, ...outage].flatMap((p) => p.history.map((l) => [l.checkIn.checkInId, { patientId: p.profile.patientId, body: JSON.stringify(l.checkIn) }])),
);
// Three check-ins over the limit: what is left after the 429 fits the next minute's budget even
// after a few 503s, so the test crosses one minute boundary, not two.
const LIMIT = rated[0].history.length - 3;

describe('feed against the real ingest-api: its rate limit (429) and a Kafka outage (503)', () => {
  let kafka: PrivateServer;
  let ingest: IngestProcess;
  let dir: string;
  const topicPrefix = uniquePrefix('sim-feed');
  const redisPrefix = uniqueRedisPrefix('sim-feed');
  const recorder = new HttpRecorder();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sim-feed-real-'));
    kafka = await startPrivateServer('kafka');
    ingest = new IngestProcess({
      PORT: String(await freePort()),
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      KAFKA_BROKERS: kafka.address,
      KAFKA_TOPIC_PARTITIONS: '3',
      TOPIC_PREFIX: topicPrefix,
      REDIS_URL: testRedisUrl(),
      REDIS_KEY_PREFIX: redisPrefix,
      AUTH_HS256_SECRET: SECRET,
      AUTH_DEV_MODE: 'true',
      RATE_LIMIT_PER_MINUTE: String(LIMIT),
      RETRY_AFTER_SECONDS: '2',
      KAFKA_ACK_TIMEOUT_MS: '1500',
    });
    await ingest.start();
    recorder.install(ingest.url);
  }, 150_000);

  afterAll(async () => {
    recorder.uninstall();
    await ingest?.stop().catch(() => undefined);
    await kafka?.remove().catch(() => undefined);
    await deleteRedisPrefix(redisPrefix).catch(() => undefined);
    if (dir) rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('every check-in is accepted exactly once, retried with the same id and body after the Retry-After given', async () => {
    expect(LIMIT).toBeGreaterThanOrEqual(10); // the plan has the history it needs
    const ledgerPath = join(dir, 'ledger.ndjson');
    const feeder = new Feeder({
      ingestUrl: ingest.url,
      secret: SECRET,
      ratePerSecond: 0,
      concurrency: 4,
      maxAttempts: 40,
      ledgerPath,
      log: () => undefined,
      progressEveryMs: 0,
    });
    await feeder.open();

    // R must run over within one minute window: not in its last seconds. (The 429's Retry-After is
    // what is left of the calendar minute, so this test takes 15 to 60 s more than its set-up.)
    const left = 60 - (Date.now() % 60_000) / 1000;
    if (left < 4) await new Promise((r) => setTimeout(r, left * 1000 + 200));
    const sendingR = feeder.send(historyUploads(rated, 'as-sent'));
    await waitFor(() => feeder.stats.http429 > 0 && recorder.inFlight === 0, 60_000, { what: 'the rate limit to answer 429' });

    // While R waits for its Retry-After (nothing in flight), Kafka goes down: K's posts get 503s.
    await kafka.kill();
    const sendingK = feeder.send(historyUploads(outage, 'as-sent'));
    const outageIds = new Set(outage.flatMap((p) => p.history.map((l) => l.checkIn.checkInId)));
    await waitFor(
      () => recorder.exchanges.filter((e) => e.status === 503 && [...e.sent.keys()].some((id) => outageIds.has(id))).length >= outage.length,
      60_000,
      {
        what: '503s from ingest with its Kafka down',
      },
    );
    await kafka.up();
    await Promise.all([sendingR, sendingK]);
    await feeder.close();

    // The feed: everything accepted, nothing given up, refused or conflicting.
    expect(feeder.stats).toMatchObject({ submitted: cohort.size, accepted: cohort.size, failed: 0, rejected: 0, conflicts: 0 });
    expect(feeder.stats.http429).toBeGreaterThan(0);
    expect(feeder.stats.http503).toBeGreaterThan(0);

    // The ledger: one line per check-in of the cohort, for the right patient.
    const ledger = readFileSync(ledgerPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LedgerEntry);
    expect(ledger).toHaveLength(cohort.size);
    expect(new Set(ledger.map((e) => e.checkInId))).toEqual(new Set(cohort.keys()));
    for (const e of ledger) expect(e.patientId).toBe(cohort.get(e.checkInId)?.patientId);

    // On the wire: every attempt carried the cohort's own body for its checkInId.
    const ex = recorder.exchanges;
    for (const e of ex) for (const [id, body] of e.sent) expect(body).toBe(cohort.get(id)?.body);
    const statusesOf = (id: string): number[] => ex.filter((e) => e.sent.has(id)).map((e) => HttpRecorder.statusOf(e, id));

    // The topic: every check-in of the cohort, each from its patient's token. Delivery into Kafka is
    // at-least-once (DESIGN "Delivery"; consumers de-duplicate by checkInId): a produce given up at the
    // ack timeout (answered 503) can still land once the broker is back, and the retry lands too. So a
    // check-in may be there twice only if it was answered 503; none answered 429 or 202 alone.
    const records = await consumeAll(testKafka('sim-feed-real', { brokers: [kafka.address] }), `${topicPrefix}${TOPICS.checkins}`, { timeoutMs: 30_000 });
    expect(records.filter((r) => r.decodeError)).toEqual([]);
    const onTopic = records.map((r) => r.event!.id);
    expect(new Set(onTopic)).toEqual(new Set(cohort.keys()));
    const twice = [...new Set(onTopic.filter((id, i) => onTopic.indexOf(id) !== i))];
    for (const id of twice) expect({ id, statuses: statusesOf(id) }).toEqual({ id, statuses: expect.arrayContaining([503]) });
    for (const r of records) expect(r.event!.subject).toBe(cohort.get(r.event!.id)?.patientId);
    if (twice.length)
      console.log(`at-least-once: ${twice.length} check-in(s) answered 503 landed twice: ${twice.map((id) => statusesOf(id).join('>')).join(', ')}`);
    const retriedAfter = (status: number): string[] => [...cohort.keys()].filter((id) => statusesOf(id).includes(status));
    // Real 429s of the limiter (a single post answered 429) and real 503s, each followed by a 202 for the same id.
    expect(ex.some((e) => !e.batch && e.status === 429)).toBe(true);
    expect(retriedAfter(429).length).toBeGreaterThan(0);
    expect(retriedAfter(503).length).toBeGreaterThanOrEqual(outage.length);
    for (const id of [...retriedAfter(429), ...retriedAfter(503)]) expect(statusesOf(id).at(-1)).toBe(202);

    // Retry-After honoured: the next attempt at an id never came sooner than the server asked.
    let waits = 0;
    ex.forEach((e, i) => {
      for (const id of e.sent.keys()) {
        const s = HttpRecorder.statusOf(e, id);
        if (s !== 429 && s !== 503) continue;
        expect(e.retryAfter).toMatch(/^\d+$/);
        const next = ex.slice(i + 1).find((n) => n.sent.has(id));
        expect(next).toBeDefined();
        expect(next!.sentAt - e.answeredAt).toBeGreaterThanOrEqual(Number(e.retryAfter) * 1000 - 5);
        waits++;
      }
    });
    expect(waits).toBeGreaterThanOrEqual(retriedAfter(429).length + retriedAfter(503).length);
  });
});
