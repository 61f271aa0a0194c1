/**
 * The drill: a steady feed of check-ins with a ledger of every 202, one reconnecting SSE
 * client per team, and in sequence, with normal running between: the broker killed and restarted,
 * Cassandra stopped and started, Redis's data lost and then Redis restarted, each service SIGKILLed
 * and restarted, and one of two care-api instances killed while dashboards are connected. At the end:
 * ledger = archive = scores (each exactly once); the alerts stored = what an offline run of the engine
 * (`replay rescore`, the analysts' tool) raises for exactly those check-ins; the alerts each team's
 * client received = the team's stored alerts, none missed, none twice; every dead-letter topic empty.
 *
 * Kafka, Cassandra and Redis here are private servers this suite starts (and only these are stopped
 * or killed, by their pids); the shared ones are not touched. `npm run drill` runs a longer version
 * (DRILL_STEADY_S, DRILL_RATE) and writes the report to bench/results/.
 *
 * With DRILL_NODES=3 (`npm run drill -- --nodes 3`, not in CI: too heavy) it runs against the local
 * cluster of `infra.sh --nodes 3` (replication 3, min ISR 2, LOCAL_QUORUM) with two instances of every
 * service, each pair in one consumer group, and the faults are: the broker leading a partition of
 * checkins.v1 SIGKILLed (its leaders move), one Cassandra node SIGKILLed, then every service rolled
 * one instance at a time. The same counts are asserted, and no 5xx but 503 reaches the phones.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { allTopicSpecs, dlqTopic, TOPICS } from '@vigil/contracts';
import { freePort, startPrivateServer, testKafka, waitFor, type PrivateServer } from '@vigil/testing';
import { DrillCluster } from './support/drill/cluster';
import { writeDrillMarkdown } from './support/drill/drill-report';
import { LedgerFeed } from './support/drill/ledger-feed';
import { LoadSampler, percentiles } from './support/drill/load-sampler';
import { ReconnectingAlertClient } from './support/drill/reconnecting-sse';
import { REPO_ROOT, ServiceProcess } from './support/service-process';
import { startVigilStack, type VigilStack } from './support/vigil-stack';

const DAY = 86_400_000;
const STEADY_S = Number(process.env['DRILL_STEADY_S'] ?? 8);
const RATE = Number(process.env['DRILL_RATE'] ?? 6);
/** 1: private single servers (CI). 3: the local cluster of `infra.sh --nodes 3`, two instances of every service. */
const NODES = Number(process.env['DRILL_NODES'] ?? 1);
const TEAMS = ['team-a', 'team-b', 'team-c'];
const PATIENTS_PER_TEAM = 6;
/** Recovery bounds asserted here (the drill targets, with room for a loaded 2-core CI machine). */
const BOUNDS_MS = { brokerBack: 15_000, killedService: 30_000, pipeline: 60_000 };

jest.setTimeout(20 * 60_000);

interface PhaseReport {
  fault: string;
  /** From the fault's end (the server answering again; for a killed service, the kill: it is restarted at once) until every service answers ready. */
  readyMs: number;
  /** From the fault's end until a check-in sent after it has its score stored (the whole pipeline moves). */
  pipelineMs: number;
  acceptedDuring: number;
  /** How long the fault itself lasted (kill until the server answers again; for a rolled service, stop until it is ready). */
  faultMs: number;
  /** What the phones waited for a 202 (retries included) for check-ins accepted from the fault's start until the pipeline moved again. */
  acceptLatencyMs: { p50: number; p95: number; max: number; n: number };
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

describe('the drill: faults under a steady feed lose nothing and duplicate nothing', () => {
  const servers: PrivateServer[] = [];
  const savedEnv: Record<string, string | undefined> = {};
  let stack: VigilStack | undefined;
  const twins: ServiceProcess[] = [];
  const load = new LoadSampler();
  let feed: LedgerFeed | undefined;
  const clients: ReconnectingAlertClient[] = [];
  const phases: PhaseReport[] = [];

  let reportWritten = false;
  afterAll(async () => {
    if (!reportWritten && phases.length > 0) {
      // A failed run still leaves what it measured (the phases it got through), marked incomplete.
      const out = (process.env['DRILL_REPORT'] ?? path.join(REPO_ROOT, 'tmp/drill/report.json')).replace(/\.json$/, '.partial.json');
      mkdirSync(path.dirname(out), { recursive: true });
      const stats = feed ? { accepted: feed.stats.accepted, retries: feed.stats.retries, rejected: feed.stats.rejected.length } : undefined;
      writeFileSync(out, JSON.stringify({ completed: false, nodes: NODES, loadAverage1m: load.summary(), feed: stats, phases }, null, 2) + '\n');
    }
    await feed?.stop().catch(() => undefined);
    await Promise.all(clients.map((c) => c.close()));
    load.stop();
    await Promise.all(twins.map((t) => t.stop(5000).catch(() => undefined)));
    await stack?.close().catch(() => undefined);
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await Promise.all(servers.map((s) => s.remove().catch(() => undefined)));
  });

  it(`keeps every check-in, score and alert exactly once through the faults (${NODES} node${NODES > 1 ? 's' : ''})`, async () => {
    load.start();
    const cluster = NODES > 1 ? new DrillCluster(NODES) : undefined;
    let kafka: PrivateServer | undefined;
    let cassandra: PrivateServer | undefined;
    const redis = await startPrivateServer('redis');
    servers.push(redis);
    const env: Record<string, string> = { ...redis.env };
    if (cluster) {
      await cluster.up();
      Object.assign(env, await cluster.env());
    } else {
      [kafka, cassandra] = await Promise.all([startPrivateServer('kafka'), startPrivateServer('cassandra')]);
      servers.push(kafka, cassandra);
      Object.assign(env, kafka.env, cassandra.env);
    }
    // Every helper below (topics, keyspace, the services' environment) reads these.
    for (const [k, v] of Object.entries(env)) {
      savedEnv[k] = process.env[k];
      process.env[k] = v;
    }
    const clusterSettings = cluster
      ? {
          envAll: Object.fromEntries(
            ['CASSANDRA_LOCAL_DC', 'CASSANDRA_READ_CONSISTENCY', 'CASSANDRA_WRITE_CONSISTENCY', 'KAFKA_REPLICATION_FACTOR'].map((k) => [k, env[k] ?? '']),
          ),
          replication: { kafka: Number(env['KAFKA_REPLICATION_FACTOR']), cassandra: env['CASSANDRA_REPLICATION'] ?? '' },
        }
      : {};
    const s = (stack = await startVigilStack('drill', { env: { care: { SSE_RETRY_MS: '1000' } }, ...clusterSettings }));
    /** A second instance: same environment (so the same consumer group), its own port. */
    const twin = async (svc: ServiceProcess) => {
      const t = new ServiceProcess(`${svc.name}-2`, svc.main, { ...svc.env, PORT: String(await freePort()) });
      twins.push(t);
      await t.start();
      return t;
    };
    const care2 = await twin(s.care);
    const cares = [s.care, care2];
    const [ingest2, writer2, scorer2] = cluster ? await Promise.all([twin(s.ingest), twin(s.writer), twin(s.scorer)]) : [];
    const services = [s.ingest, s.writer, s.scorer, s.care, ...twins];
    const ingests = [s.ingest, ...(ingest2 ? [ingest2] : [])];
    let turn = 0;
    /** The phones' load balancer: the next running ingest-api instance. */
    const ingestUrl = () => {
      const live = ingests.filter((i) => i.running);
      return (live.length ? live : ingests)[turn++ % (live.length || ingests.length)].url;
    };

    const patients = TEAMS.flatMap((t) => Array.from({ length: PATIENTS_PER_TEAM }, (_, i) => ({ id: `${t}-p${i}`, team: t })));
    for (const p of patients) await s.enrol(p.id, { careTeamId: p.team, conditions: ['heart-failure'], dryWeightKg: 80 });
    const teamOf = new Map(patients.map((p) => [p.id, p.team]));

    // One client per team, spread over both instances; each moves to the other when its instance dies.
    TEAMS.forEach((team, i) => {
      const nurse = s.token('care-manager', `nurse-${team}`, [team]);
      const order = i % 2 === 0 ? cares : [...cares].reverse();
      clients.push(
        new ReconnectingAlertClient(
          team,
          () =>
            order
              .filter((c) => c.running)
              .map((c) => c.url)
              .concat(order[0].url),
          () => nurse,
        ),
      );
    });
    await Promise.all(clients.map((c) => c.start()));

    const patientTokens = new Map<string, Promise<string>>();
    const run = randomBytes(4).toString('hex');
    const startMs = Date.now() - 20 * DAY;
    feed = new LedgerFeed({
      run,
      patients: patients.map((p) => p.id),
      ratePerSecond: RATE,
      startMs,
      ingestUrl,
      token: (id) => patientTokens.get(id) ?? (patientTokens.set(id, s.token('patient', id)).get(id) as Promise<string>),
    });
    const f = feed;
    f.start();

    const nurseToken = s.token('care-admin', 'drill-auditor', TEAMS);
    const scoresOf = async (patientId: string): Promise<string[]> => {
      const ids: string[] = [];
      let cursor: string | null = null;
      do {
        const q = new URLSearchParams({ from: new Date(startMs - DAY).toISOString(), limit: '1000', ...(cursor ? { cursor } : {}) });
        const res = await fetch(`${s.care.url}/v1/patients/${patientId}/risk?${q}`, { headers: { authorization: `Bearer ${await nurseToken}` } });
        if (res.status !== 200) throw new Error(`risk of ${patientId}: ${res.status}`);
        const page = (await res.json()) as { items: { checkInId: string }[]; nextCursor: string | null };
        ids.push(...page.items.map((i) => i.checkInId));
        cursor = page.nextCursor;
      } while (cursor);
      return ids;
    };
    const allReady = async () =>
      (
        await Promise.all(
          services.map((svc) =>
            fetch(`${svc.url}/health/ready`, { signal: AbortSignal.timeout(2000) }).then(
              (r) => r.status === 200,
              () => false,
            ),
          ),
        )
      ).every(Boolean);
    /** Normal running: wait until the feed accepted `n` more check-ins (conditions, not times). */
    const steady = async (seconds = STEADY_S) => {
      const target = f.stats.accepted + Math.ceil(seconds * RATE * 0.5);
      await waitFor(() => f.stats.accepted >= target, 120_000, { intervalMs: 200, what: `${target} accepted check-ins` });
    };
    /** Times the recovery after a fault ended at `endedAt`. */
    const recovered = async (fault: string, endedAt: number, acceptedBefore: number) => {
      await waitFor(allReady, 120_000, { intervalMs: 200, what: `every service ready after ${fault}` });
      const readyMs = Date.now() - endedAt;
      // A check-in accepted after the fault ended, scored: the whole pipeline moves again.
      const mark = f.stats.accepted;
      await waitFor(() => f.stats.accepted > mark, 120_000, { intervalMs: 100, what: `a check-in accepted after ${fault}` });
      const probe = [...f.ledger.values()].at(-1)!;
      await waitFor(async () => (await scoresOf(probe.patientId)).includes(probe.checkInId), 120_000, { intervalMs: 250, what: `a score after ${fault}` });
      phases.push({
        fault,
        readyMs,
        pipelineMs: Date.now() - endedAt,
        acceptedDuring: f.stats.accepted - acceptedBefore,
        faultMs: 0,
        acceptLatencyMs: percentiles([]),
      });
    };
    const fault = async (name: string, act: () => Promise<number>) => {
      const before = f.stats.accepted;
      const startedAt = Date.now();
      const endedAt = await act();
      await recovered(name, endedAt, before);
      const phase = phases.at(-1)!;
      phase.faultMs = endedAt - startedAt;
      phase.acceptLatencyMs = percentiles(f.stats.latencies.filter((l) => l.atMs >= startedAt).map((l) => l.ms));
      await steady();
    };

    await steady();
    const baselineLatency = percentiles(f.stats.latencies.map((l) => l.ms));
    let leaderMove: { broker: number; ms: number } | undefined;
    if (cluster) {
      // The broker leading partition 0 of checkins.v1 is killed: its partitions' leaders move to the others.
      const admin = testKafka('drill-leaders').admin();
      await admin.connect();
      const topic = `${s.topicPrefix}${TOPICS.checkins}`;
      const leaders = async () => (await admin.fetchTopicMetadata({ topics: [topic] })).topics[0].partitions.map((p) => p.leader);
      try {
        const victim = (await leaders())[0];
        await fault(`kafka-${victim} SIGKILL (a partition leader), back after 10 s`, async () => {
          await cluster.kill(`kafka-${victim}`);
          const killedAt = Date.now();
          await waitFor(async () => !(await leaders().catch(() => [victim])).includes(victim), 60_000, {
            intervalMs: 200,
            what: `the leaders of kafka-${victim} to move`,
          });
          leaderMove = { broker: victim, ms: Date.now() - killedAt };
          await sleep(Math.max(0, 10_000 - (Date.now() - killedAt)));
          await cluster.up(`kafka-${victim}`);
          return Date.now();
        });
      } finally {
        await admin.disconnect();
      }
      await fault('cassandra-2 SIGKILL, back after 15 s', async () => {
        await cluster.kill('cassandra-2');
        await sleep(15_000);
        await cluster.up('cassandra-2');
        return Date.now();
      });
      // A rolling restart: every service, one instance at a time, the other one serving meanwhile.
      for (const svc of [s.ingest, ingest2!, s.writer, writer2!, s.scorer, scorer2!, s.care, care2]) {
        await fault(`${svc.name} rolled (SIGTERM, restart)`, async () => {
          const stoppedAt = Date.now();
          await svc.stop(15_000);
          await svc.start();
          return stoppedAt;
        });
      }
    } else {
      const k = kafka!;
      const c = cassandra!;
      await fault('kafka killed 8 s', async () => {
        await k.kill();
        await sleep(8000);
        await k.up();
        return Date.now();
      });
      await fault('cassandra stopped 10 s', async () => {
        await c.stop();
        await sleep(10_000);
        await c.up();
        return Date.now();
      });
      await fault('redis data lost (FLUSHALL)', async () => {
        const r = new Redis(redis.env['REDIS_URL'], { lazyConnect: true });
        await r.connect();
        await r.flushall();
        await r.quit();
        return Date.now();
      });
      await fault('redis killed and restarted (empty)', async () => {
        await redis.kill();
        await sleep(2000);
        await redis.up();
        return Date.now();
      });
      for (const svc of [s.ingest, s.writer, s.scorer, s.care]) {
        await fault(`${svc.name} SIGKILL and restart`, async () => {
          const killedAt = Date.now();
          await svc.kill();
          await svc.start();
          return killedAt; // the restart begins at once: its boot is part of the recovery
        });
      }
      await fault('care-api-2 SIGKILL with dashboards connected', async () => {
        await care2.kill();
        await sleep(3000); // dashboards move to care-api-1 meanwhile
        const restartedAt = Date.now();
        await care2.start();
        return restartedAt;
      });
    }

    await f.stop();
    expect(f.stats.rejected).toEqual([]);
    // The phones saw no 5xx but 503 (retried); connection errors and timeouts are retried too.
    expect(Object.keys(f.stats.retries).filter((k) => /^5\d\d$/.test(k) && k !== '503')).toEqual([]);
    const ledger = f.byPatient();
    const total = f.ledger.size;

    // Scores: each accepted check-in exactly once, per patient.
    await waitFor(
      async () => {
        for (const [p, list] of ledger) if ((await scoresOf(p)).length < list.length) return false;
        return true;
      },
      180_000,
      { intervalMs: 1000, what: 'a score for every accepted check-in' },
    );
    for (const [p, list] of ledger) {
      const got = await scoresOf(p);
      expect({ patient: p, scores: [...got].sort() }).toEqual({ patient: p, scores: list.map((c) => c.checkInId).sort() });
    }

    // Archive: each accepted check-in exactly once.
    const ks = s.keyspace.client;
    const buckets = [...new Set([...f.ledger.values()].map((c) => c.recordedAt.slice(0, 7)))];
    const archived = async (patientId: string) =>
      (
        await ks.execute(
          `SELECT check_in_id FROM ${s.keyspace.keyspace}.checkins_by_patient WHERE tenant_id = ? AND patient_id = ? AND bucket IN ?`,
          [s.org, patientId, buckets],
          {
            prepare: true,
            fetchSize: 5000,
          },
        )
      ).rows.map((r) => String(r['check_in_id']));
    await waitFor(
      async () => {
        for (const [p, list] of ledger) if ((await archived(p)).length < list.length) return false;
        return true;
      },
      120_000,
      { intervalMs: 1000, what: 'every accepted check-in archived' },
    );
    for (const [p, list] of ledger)
      expect({ patient: p, archive: (await archived(p)).sort() }).toEqual({ patient: p, archive: list.map((c) => c.checkInId).sort() });

    // Alerts stored (care-api) = the offline engine's alerts for exactly these check-ins.
    const stored = await storedAlerts(s.care.url, await nurseToken);
    const model = [...new Set(stored.map((a) => a.modelVersion))];
    expect(model.length).toBeLessThanOrEqual(1);
    const lastDevice = Math.max(...[...f.ledger.values()].map((c) => Date.parse(c.recordedAt)));
    const offline = await rescoreOffline(s, model[0] ?? 'v1', startMs - DAY, lastDevice + 1);
    expect(stored.map((a) => a.alertId).sort()).toEqual(offline.sort());
    expect(stored.length).toBeGreaterThan(0);

    // Alerts each team's dashboard received = the team's stored alerts, none missed, none twice.
    for (const c of clients) {
      const want = stored
        .filter((a) => a.careTeamId === c.name)
        .map((a) => a.alertId)
        .sort();
      await waitFor(() => new Set(c.received.filter((r) => r.type === 'alert.raised').map((r) => r.alertId)).size >= want.length, 60_000, {
        intervalMs: 250,
        what: `${c.name}'s client to receive ${want.length} alerts`,
      });
      const raised = c.received.filter((r) => r.type === 'alert.raised');
      expect({ team: c.name, received: raised.map((r) => r.alertId).sort() }).toEqual({ team: c.name, received: want });
      expect({ team: c.name, duplicates: c.duplicates() }).toEqual({ team: c.name, duplicates: [] });
      expect(raised.every((r) => teamOf.get(r.patientId) === c.name)).toBe(true);
    }

    // Nothing was dead-lettered.
    const admin = testKafka('drill-dlq').admin();
    await admin.connect();
    try {
      for (const spec of allTopicSpecs().filter((t) => !t.name.endsWith('.dlq'))) {
        const dlq = `${s.topicPrefix}${dlqTopic(spec.name)}`;
        const offsets = await admin.fetchTopicOffsets(dlq).catch(() => []);
        expect({ dlq, records: offsets.reduce((n, o) => n + Number(o.high) - Number(o.low), 0) }).toEqual({ dlq, records: 0 });
      }
    } finally {
      await admin.disconnect();
    }

    for (const p of phases) {
      const bound = p.fault.startsWith('kafka') ? BOUNDS_MS.brokerBack : BOUNDS_MS.killedService;
      expect({ fault: p.fault, readyWithinBound: p.readyMs <= bound }).toEqual({ fault: p.fault, readyWithinBound: true });
      expect({ fault: p.fault, pipelineWithinBound: p.pipelineMs <= BOUNDS_MS.pipeline }).toEqual({ fault: p.fault, pipelineWithinBound: true });
    }

    const report = {
      nodes: NODES,
      instancesPerService: cluster ? 2 : { 'care-api': 2, others: 1 },
      steadySeconds: STEADY_S,
      loadAverage1m: load.summary(),
      baselineAcceptLatencyMs: baselineLatency,
      ...(leaderMove ? { leaderMove } : {}),
      ledger: total,
      archive: total,
      scores: total,
      alertsStored: stored.length,
      alertsOffline: offline.length,
      sseClients: clients.map((c) => ({ team: c.name, received: c.received.length, reconnects: c.reconnects })),
      feed: { rate: RATE, retries: f.stats.retries },
      phases,
    };
    const out = process.env['DRILL_REPORT'] ?? path.join(REPO_ROOT, 'tmp/drill/report.json');
    mkdirSync(path.dirname(out), { recursive: true });
    writeFileSync(out, JSON.stringify(report, null, 2) + '\n');
    if (out.endsWith('.json')) writeDrillMarkdown(out.replace(/\.json$/, '.md'), report);
    reportWritten = true;
    console.log(`drill report (${out}):\n${JSON.stringify(report, null, 2)}`);
  });
});

interface StoredAlert {
  alertId: string;
  careTeamId: string;
  modelVersion: string;
}

/** Every alert of the organisation, any status, through care-api's paged list. */
async function storedAlerts(careUrl: string, token: string): Promise<StoredAlert[]> {
  const out: StoredAlert[] = [];
  let cursor: string | null = null;
  do {
    const q = new URLSearchParams({ status: 'open,acknowledged,resolved', limit: '200', ...(cursor ? { cursor } : {}) });
    const res = await fetch(`${careUrl}/v1/alerts?${q}`, { headers: { authorization: `Bearer ${token}` } });
    if (res.status !== 200) throw new Error(`alerts: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { items: StoredAlert[]; nextCursor: string | null };
    out.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/** `replay rescore` over the drill's topics: the alert ids the engine raises for exactly what Kafka holds. */
async function rescoreOffline(s: VigilStack, model: string, fromMs: number, toMs: number): Promise<string[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'vigil-drill-rescore-'));
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        process.execPath,
        [
          '-r',
          './tools/register.js',
          'apps/replay/src/main.ts',
          'rescore',
          '--model',
          model,
          '--from',
          new Date(fromMs).toISOString(),
          '--to',
          new Date(toMs).toISOString(),
          '--no-engagement',
          '--progress',
          'none',
          '--out',
          dir,
        ],
        { cwd: REPO_ROOT, env: { ...process.env, TOPIC_PREFIX: s.topicPrefix, CASSANDRA_KEYSPACE: s.keyspace.keyspace }, maxBuffer: 16 * 1024 * 1024 },
        (err, _stdout, stderr) => (err ? reject(new Error(`replay rescore failed: ${err.message}\n${stderr.slice(-3000)}`)) : resolve()),
      );
    });
    return readFileSync(path.join(dir, 'alerts.ndjson'), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { data: { alertId: string } }).data.alertId);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
