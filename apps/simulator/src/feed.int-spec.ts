/**
 * The feed's retry and counting rules against an in-test HTTP server that behaves like ingest-api
 * and care-api at their worst, including what the real ones cannot be made to do on demand:
 * answers lost after the check-in was accepted, a 503 on enrolment, a 409. (The posting mode
 * against the real ingest-api, its rate limit and a Kafka outage: feed.ingest.int-spec.ts.)
 * No Kafka, Cassandra or Redis is touched.
 */
import { mkdtempSync, readFileSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import Fastify, { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, DEV_HS256_SECRET, bearerToken, verifyToken } from '@vigil/auth';
import { CheckIn, VigilClaims, validateCheckIn } from '@vigil/contracts';
import { runCli } from './cli';
import { Feeder, LedgerEntry } from './lib/feed';
import { TUNED } from './lib/params';
import { historyUploads, type PlannedPatient } from './lib/run-feed';
import { planWith } from './test/plan-with';

// Generous: the machine is shared, and a test that times out would leave its requests running into the next one.
jest.setTimeout(60_000);

const verifier = { issuer: DEFAULT_ISSUER, audience: DEFAULT_AUDIENCE, hs256Secret: DEV_HS256_SECRET, devMode: true };

class StubServices {
  readonly app: FastifyInstance = Fastify();
  /** checkInId -> body as stored (once). */
  readonly stored = new Map<string, string>();
  readonly storedBy = new Map<string, string>();
  readonly enrolled = new Map<string, unknown>();
  /** Registered teams, `org|team`. */
  readonly teams = new Set<string>();
  /** Attempts per id (check-ins) or patient (enrolment), with their times. */
  readonly attempts = new Map<string, number[]>();
  requests = 0;
  /** checkInIds in the order first seen (their index picks the misbehaviour). */
  readonly firstSeen: string[] = [];

  constructor() {
    this.app.put('/v1/teams/:id', async (req, reply) => {
      const claims = await this.auth(req, reply, 'care-admin');
      if (!claims) return;
      const id = (req.params as { id: string }).id;
      if (this.attempt(`team:${id}`) === 1) return reply.code(503).header('retry-after', '0').send({ title: 'Service Unavailable' });
      if (!(claims.teams ?? []).includes(id)) return reply.code(403).send({ title: 'Forbidden' });
      this.teams.add(`${claims.org}|${id}`);
      return reply.code(201).send({ teamId: id });
    });

    this.app.put('/v1/patients/:id', async (req, reply) => {
      const claims = await this.auth(req, reply, 'care-admin');
      if (!claims) return;
      const id = (req.params as { id: string }).id;
      const n = this.attempt(`enrol:${id}`);
      if (n === 1) return reply.code(503).header('retry-after', '0').send({ title: 'Service Unavailable' });
      const body = req.body as { careTeamId: string };
      if (!(claims.teams ?? []).includes(body.careTeamId)) return reply.code(403).send({ title: 'Forbidden' });
      if (!this.teams.has(`${claims.org}|${body.careTeamId}`)) return reply.code(400).send({ title: 'Invalid request' });
      this.enrolled.set(id, body);
      return reply.code(200).send({ patientId: id });
    });

    this.app.post('/v1/check-ins', async (req, reply) => {
      const claims = await this.auth(req, reply, 'patient');
      if (!claims) return;
      const body = req.body as CheckIn;
      if (!validateCheckIn(body, { now: new Date() }).ok) return reply.code(400).send({ title: 'Bad Request' });
      const n = this.attempt(body.checkInId);
      const i = this.indexOf(body.checkInId);
      if (n === 1 && i % 3 === 0) return reply.code(503).header('retry-after', '0').send({ title: 'Service Unavailable' });
      if (n === 1 && i % 3 === 1)
        return reply
          .code(429)
          .header('retry-after', i === 1 ? '1' : '0')
          .send({ title: 'Too Many Requests' });
      const outcome = this.store(claims.sub, body);
      if (outcome === 409) return reply.code(409).send({ title: 'Conflict' });
      if (n <= 2 && i % 4 === 2) {
        // Accepted, then the answer is lost on the way back: the phone must retry and count it once.
        reply.raw.destroy();
        return reply;
      }
      return reply.code(202).send({ checkInId: body.checkInId, status: 'accepted', receivedAt: new Date().toISOString() });
    });

    this.app.post('/v1/check-ins:batch', async (req, reply) => {
      const claims = await this.auth(req, reply, 'patient');
      if (!claims) return;
      const items = (req.body as { items: CheckIn[] }).items;
      const n = this.attempt(`batch:${items[0].checkInId}`);
      if (n === 1) return reply.code(503).header('retry-after', '0').send({ title: 'Service Unavailable' });
      const results = items.map((c, index) => {
        const k = this.attempt(`item:${c.checkInId}`);
        if (k === 1 && this.indexOf(c.checkInId) % 2 === 0) return { index, checkInId: c.checkInId, status: 429, body: { title: 'Too Many Requests' } };
        const s = this.store(claims.sub, c);
        return s === 409
          ? { index, checkInId: c.checkInId, status: 409, body: { title: 'Conflict' } }
          : { index, checkInId: c.checkInId, status: 202, body: { status: 'accepted', receivedAt: new Date().toISOString() } };
      });
      if (results.some((r) => r.status === 429)) reply.header('retry-after', '0');
      return reply.code(200).send({ results });
    });
  }

  async listen(): Promise<string> {
    return this.app.listen({ host: '127.0.0.1', port: 0 });
  }

  private async auth(req: FastifyRequest, reply: FastifyReply, role: VigilClaims['role']): Promise<VigilClaims | null> {
    this.requests++;
    try {
      const claims = await verifyToken(bearerToken(req.headers.authorization), verifier);
      if (claims.role !== role) {
        await reply.code(403).send({ title: 'Forbidden' });
        return null;
      }
      return claims;
    } catch {
      await reply.code(401).send({ title: 'Unauthorized' });
      return null;
    }
  }

  private attempt(key: string): number {
    const list = this.attempts.get(key) ?? [];
    list.push(Date.now());
    this.attempts.set(key, list);
    return list.length;
  }

  private indexOf(id: string): number {
    let i = this.firstSeen.indexOf(id);
    if (i < 0) i = this.firstSeen.push(id) - 1;
    return i;
  }

  private store(patient: string, c: CheckIn): 202 | 409 {
    const body = JSON.stringify(c);
    const prev = this.stored.get(c.checkInId);
    if (prev !== undefined) return prev === body ? 202 : 409;
    this.stored.set(c.checkInId, body);
    this.storedBy.set(c.checkInId, patient);
    return 202;
  }
}

/**
 * On about half of all days the tuned preset's 5 patients x 8 days had no offline batch at all (a
 * CI run failed on one). With a raised offline rate the first seed alone had both kinds of upload
 * on each of 1,500 days tried; planWith still takes the first of ten that has.
 */
function hasBothUploadKinds(patients: PlannedPatient[]): boolean {
  const uploads = historyUploads(patients, 'as-sent');
  return uploads.some((u) => u.batch) && uploads.some((u) => !u.batch);
}

describe('feed: retries like a phone and never double-counts (stub services)', () => {
  let stub: StubServices;
  let url: string;
  let dir: string;
  const lines: string[] = [];
  const patients = planWith(
    { seed: 'feed-int', params: { ...TUNED, offlineRatePerDay: [0.2, 0.2] }, patients: 5, days: 8, org: 'org-demo', teams: ['team-a', 'team-b'] },
    hasBothUploadKinds,
  );
  const all = patients.flatMap((p) => p.history.map((l) => l.checkIn.checkInId));
  const feeder = (ledgerPath: string) =>
    new Feeder({
      ingestUrl: url,
      careUrl: url,
      secret: DEV_HS256_SECRET,
      ratePerSecond: 0,
      concurrency: 4,
      baseDelayMs: 5,
      maxAttempts: 12,
      ledgerPath,
      log: (l) => lines.push(l),
      progressEveryMs: 0,
    });

  beforeAll(async () => {
    stub = new StubServices();
    url = await stub.listen();
    dir = mkdtempSync(join(tmpdir(), 'sim-feed-'));
  });
  afterAll(async () => {
    await stub?.app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enrols through care-api, retrying a 503', async () => {
    const f = feeder(join(dir, 'enrol.ndjson'));
    await f.open();
    await f.enrol(
      patients.map((p) => p.profile),
      new Map([['org-demo', ['team-a', 'team-b']]]),
    );
    await f.close();
    // Both teams registered first (each once refused with a 503, then retried), then the five patients.
    expect(f.stats).toMatchObject({ enrolled: 5, enrolFailed: 0, http503: 7 });
    expect([...stub.teams].sort()).toEqual(['org-demo|team-a', 'org-demo|team-b']);
    expect([...stub.enrolled.keys()].sort()).toEqual(patients.map((p) => p.profile.patientId).sort());
  });

  it('posts every check-in, one by one and as offline batches: each stored once, each counted once', async () => {
    const ledgerPath = join(dir, 'ledger.ndjson');
    const f = feeder(ledgerPath);
    await f.open();
    const uploads = historyUploads(patients, 'as-sent');
    expect(uploads.some((u) => u.batch)).toBe(true);
    expect(uploads.some((u) => !u.batch)).toBe(true);
    await f.send(uploads);
    await f.close();

    expect(f.clean()).toBe(true);
    expect(new Set(stub.stored.keys())).toEqual(new Set(all));
    for (const p of patients) for (const l of p.history) expect(stub.storedBy.get(l.checkIn.checkInId)).toBe(p.profile.patientId);
    const ledger = readFileSync(ledgerPath, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LedgerEntry);
    expect(ledger).toHaveLength(all.length);
    expect(new Set(ledger.map((e) => e.checkInId))).toEqual(new Set(all));
    const s = f.stats;
    expect(s.accepted).toBe(all.length);
    expect(s.submitted).toBe(all.length);
    expect(s.http503).toBeGreaterThan(0);
    expect(s.http429).toBeGreaterThan(0);
    // Answers lost after the server had accepted: retried, answered 202 again, in the ledger once.
    const lost = all.filter((id) => (stub.attempts.get(id)?.length ?? 0) >= 2 && stub.firstSeen.indexOf(id) % 4 === 2);
    expect(lost.length).toBeGreaterThan(0);
    expect(s.networkErrors).toBeGreaterThanOrEqual(lost.length);
    for (const id of lost) expect(ledger.filter((e) => e.checkInId === id)).toHaveLength(1);
    expect(s).toMatchObject({ rejected: 0, conflicts: 0, failed: 0 });
  });

  it('waits as long as Retry-After says', () => {
    const slow = [...stub.attempts.entries()].find(([k, v]) => !k.includes(':') && v.length >= 2 && stub.firstSeen.indexOf(k) === 1);
    expect(slow).toBeDefined();
    const [first, second] = slow![1];
    expect(second - first).toBeGreaterThanOrEqual(900);
  });

  it('resumes from its ledger: nothing accepted is sent again', async () => {
    const before = stub.requests;
    const f = feeder(join(dir, 'ledger.ndjson'));
    await f.open();
    await f.send(historyUploads(patients, 'batched'));
    await f.close();
    expect(stub.requests).toBe(before);
    expect(f.stats).toMatchObject({ accepted: 0, alreadyAccepted: all.length });
    expect(f.acceptedCount()).toBe(all.length);
  });

  it('cli feed --realtime: enrols, backfills as batches, then goes live with device time now; exit 0', async () => {
    const storedBefore = stub.stored.size;
    const err: string[] = [];
    const ledger = join(dir, 'cli.ndjson');
    const started = Date.now();
    const args = [
      'feed',
      '--ingest',
      url,
      '--care',
      url,
      '--patients',
      '3',
      '--seed',
      'cli-int',
      '--days',
      '4',
      '--rate',
      '0',
      '--realtime',
      '--interval',
      '0.3',
      '--duration',
      '1.5',
      '--ledger',
      ledger,
    ];
    const code = await runCli(args, { out: () => undefined, err: (x) => void err.push(x) });
    expect(err.join('')).toContain('live: each patient every 0.3 s');
    expect(code).toBe(0);
    const entries = readFileSync(ledger, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LedgerEntry);
    expect(new Set(entries.map((e) => e.checkInId)).size).toBe(entries.length);
    expect(stub.stored.size - storedBefore).toBe(entries.length);
    const live = entries.filter((e) => Date.parse(e.recordedAt) >= started - 1000);
    expect(live.length).toBeGreaterThanOrEqual(3); // about 5 simulated days each, less the days skipped
    expect(entries.length - live.length).toBeGreaterThan(0); // the backfill
    for (const p of ['sim-cliint-0001', 'sim-cliint-0002', 'sim-cliint-0003']) expect(stub.enrolled.has(p)).toBe(true);
  });

  it('counts a 409 (the same id with another body) as a bug, without retrying', async () => {
    const f = feeder(join(dir, 'conflict.ndjson'));
    await f.open();
    const p = patients[0];
    const c = { ...p.history[0].checkIn, mood: p.history[0].checkIn.mood === 5 ? 4 : 5 };
    const tries = stub.attempts.get(c.checkInId)?.length ?? 0;
    await f.send([{ patientId: p.profile.patientId, tenantId: 'org-demo', items: [c], batch: false }]);
    await f.close();
    expect(f.stats).toMatchObject({ conflicts: 1, accepted: 0, failed: 0 });
    expect(f.clean()).toBe(false);
    expect(stub.attempts.get(c.checkInId)!.length).toBe(tries + 1);
    expect(lines.some((l) => l.includes('409'))).toBe(true);
  });
});
