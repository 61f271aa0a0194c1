/**
 * Worklist read benchmark: latency of GET /v1/worklist (first page, limit 50) for a care
 * team of BENCH_PATIENTS (2,000) active patients, beside GET /v1/alerts?teamId= (first page, limit
 * 50) of the same team, against one care-api process on the real Cassandra. Bar: worklist p99 < 50 ms.
 *
 *   npm run bench worklist    env: BENCH_PATIENTS (2000), BENCH_REQUESTS (100 per phase and run), BENCH_RUNS (3)
 * Requests one at a time (latency, not throughput); phases alternate within each run; p50 / p99 over all runs.
 * The team is seeded straight into its tables: every patient has a profile, 8 days of daily scores,
 * and one in four an open alert (the same alerts in the alert tables, for the baseline).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mintToken } from '@vigil/auth';
import type { AlertRaisedData } from '@vigil/contracts';
import { WorklistStateRepository } from '@vigil/storage';
import { createTestKeyspace, deleteRedisPrefix, deleteTestTopics, freePort, testKafka, uniquePrefix, uniqueRedisPrefix, waitFor } from '@vigil/testing';
import { AlertsRepository } from '../apps/care-api/src/alerts/alerts.repository';
import { applyWorklistEvent, emptyState, type WorklistEvent, type WorklistState } from '../apps/care-api/src/worklist/worklist-state';

const ROOT = path.resolve(__dirname, '..');
const PATIENTS = Number(process.env['BENCH_PATIENTS'] ?? 2000);
const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 100);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const SECRET = 'vigil-bench-worklist-secret-0123456789abcdef';
const CURSOR_KEY = 'vigil-bench-worklist-cursor-key-0123456789abcdef';
const ORG = 'org-bench';
const TEAM = 'team-bench';
// Device times: fixed, never today's date.
const T0 = Date.parse('2026-03-10T08:00:00Z');
const DAY = 86_400_000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A patient's state as the consumer would have folded it: profile, 8 daily scores, maybe an alert. */
function patientState(i: number, alert: AlertRaisedData | null): WorklistState {
  const events: WorklistEvent[] = [
    {
      kind: 'profile',
      profile: { careTeamId: TEAM, status: 'active', conditions: ['heart-failure'], expectedCheckInIntervalHours: 24, updatedAtMs: T0 - 30 * DAY },
    },
  ];
  for (let d = 7; d >= 0; d--) {
    const score = (i * 37 + d * 11) % 100;
    const level = score >= 80 ? 'critical' : score >= 60 ? 'high' : score >= 35 ? 'medium' : score >= 15 ? 'low' : 'none';
    events.push({
      kind: 'score',
      score: {
        checkInId: `c-${i}-${d}`,
        score,
        level,
        atMs: T0 - d * DAY,
        factors: [{ code: 'news2.total', message: `NEWS2 total ${score % 9}`, points: score % 9, severity: 'medium' }],
      },
    });
  }
  if (alert) {
    events.push({
      kind: 'alert.raised',
      alert: {
        alertId: alert.alertId,
        severity: alert.severity,
        ruleCode: alert.ruleCode,
        summary: alert.summary,
        triggeredAtMs: Date.parse(alert.triggeredAt),
        reasons: [{ code: alert.ruleCode, message: alert.summary }],
      },
    });
  }
  return events.reduce(applyWorklistEvent, emptyState());
}

function raised(i: number): AlertRaisedData {
  const severity = (['medium', 'high', 'critical'] as const)[i % 3];
  return {
    alertId: randomUUID(),
    modelVersion: 'v1',
    patientId: `p-${i}`,
    tenantId: ORG,
    careTeamId: TEAM,
    ruleCode: 'news2.total',
    severity,
    level: 'high',
    score: 70,
    checkInId: `c-${i}-0`,
    triggeredAt: new Date(T0 - (i % 5) * 3_600_000).toISOString(),
    summary: 'NEWS2 total 7',
    reasons: [{ code: 'news2.total', value: 7, threshold: '5', points: 70, severity: 'high', message: 'NEWS2 total 7' }],
  };
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await fn(items[next++]);
    }),
  );
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] * 10) / 10;
};

type Phase = { name: string; path: string; expected: number; count: (body: Record<string, unknown>) => number };
const PHASES: Phase[] = [
  { name: 'GET /v1/worklist (limit 50)', path: `/v1/worklist?team=${TEAM}&limit=50`, expected: 50, count: (b) => (b['items'] as unknown[]).length },
  {
    name: 'GET /v1/alerts?teamId= (limit 50), baseline',
    path: `/v1/alerts?teamId=${TEAM}&limit=50`,
    expected: 50,
    count: (b) => (b['items'] as unknown[]).length,
  },
];

async function runPhase(url: string, token: string, phase: Phase): Promise<{ ms: number[]; bad: number }> {
  const ms: number[] = [];
  let bad = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const t = process.hrtime.bigint();
    const res = await fetch(`${url}${phase.path}`, { headers: { authorization: `Bearer ${token}` } });
    const body = (await res.json()) as Record<string, unknown>;
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
    if (res.status !== 200 || phase.count(body) !== phase.expected) bad++;
  }
  return { ms, bad };
}

/** Means of care-api's own worklist histograms (/metrics): the whole handler, and the part before the audit write. */
async function serverSplit(url: string): Promise<{ listMs: number; pageMs: number }> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const mean = (name: string) => {
    const v = (suffix: string) => Number(new RegExp(`^${name}_${suffix}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    return Math.round((v('sum') / v('count')) * 10000) / 10;
  };
  return { listMs: mean('vigil_care_worklist_list_seconds'), pageMs: mean('vigil_care_worklist_page_seconds') };
}

async function main(): Promise<void> {
  const kafka = testKafka('bench-worklist');
  const prefix = uniquePrefix('bench-worklist');
  const redisPrefix = uniqueRedisPrefix('bench-worklist');
  const groupId = `care-api-${prefix}`;
  const ks = await createTestKeyspace('bench_worklist');
  let child: ChildProcess | null = null;
  try {
    const started = Date.now();
    const states = new WorklistStateRepository<WorklistState>(ks.client, ks.keyspace);
    const alerts = new AlertsRepository(ks.client, ks.keyspace);
    await pool(
      Array.from({ length: PATIENTS }, (_, i) => i),
      64,
      async (i) => {
        const alert = i % 4 === 0 ? raised(i) : null;
        const patientId = `p-${i}`;
        const state = patientState(i, alert);
        await states.put({ tenantId: ORG, patientId, careTeamId: TEAM, status: 'active', state, version: 1, updatedAt: new Date() }, 0);
        await states.setTeam(ORG, patientId, TEAM, null);
        if (alert) await alerts.syncIndexes(await alerts.insertRaised(alert));
      },
    );
    const seededMs = Date.now() - started;

    const port = await freePort();
    child = spawn(process.execPath, ['-r', './tools/register.js', 'apps/care-api/src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env['PATH'] ?? '',
        NODE_ENV: 'test',
        OTEL_SDK_DISABLED: 'true',
        PORT: String(port),
        HOST: '127.0.0.1',
        KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
        REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
        CASSANDRA_CONTACT_POINTS: process.env['CASSANDRA_CONTACT_POINTS'] ?? '127.0.0.1:9042',
        CASSANDRA_KEYSPACE: ks.keyspace,
        TOPIC_PREFIX: prefix,
        REDIS_KEY_PREFIX: redisPrefix,
        KAFKA_GROUP_ID: groupId,
        KAFKA_TOPIC_PARTITIONS: '3',
        AUTH_HS256_SECRET: SECRET,
        AUTH_DEV_MODE: 'true',
        CURSOR_SIGNING_KEYS: CURSOR_KEY,
        LOG_LEVEL: 'warn',
        DOCS_ENABLED: 'false',
        // One user sends every request here: the per-user rate limit (600/min) would answer 429s.
        RATE_LIMIT_REQUESTS: '10000000',
      },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/health/ready`)).status === 200, 120_000, { intervalMs: 250, what: `${url} ready` });
    const token = await mintToken({ sub: 'bench-nurse', role: 'care-manager', org: ORG, teams: [TEAM] }, { secret: SECRET, expiresIn: '2h' });
    for (const p of PHASES) await runPhase(url, token, { ...p }); // warm-up
    const all = PHASES.map(() => [] as number[]);
    let bad = 0;
    for (let r = 0; r < RUNS; r++) {
      for (const [i, p] of PHASES.entries()) {
        const x = await runPhase(url, token, p);
        all[i].push(...x.ms);
        bad += x.bad;
      }
    }
    const server = await serverSplit(url);
    const rows = PHASES.map((p, i) => ({ name: p.name, p50Ms: pct(all[i], 50), p99Ms: pct(all[i], 99), requests: all[i].length }));
    const lines = [
      `worklist benchmark: a team of ${PATIENTS} active patients (${PATIENTS / 4} open alerts; seeded in ${seededMs} ms), ${REQUESTS} requests x ${RUNS} runs per phase, one at a time; ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`,
      `| ${'request'.padEnd(44)} | ${'p50 ms'.padStart(7)} | ${'p99 ms'.padStart(7)} |`,
      `| ${'-'.repeat(44)} | ${'-'.repeat(7)} | ${'-'.repeat(7)} |`,
      ...rows.map((r) => `| ${r.name.padEnd(44)} | ${r.p50Ms.toFixed(1).padStart(7)} | ${r.p99Ms.toFixed(1).padStart(7)} |`),
      `server side, mean per request (all runs and warm-up): whole handler ${server.listMs} ms, of which team view + ranking + page ${server.pageMs} ms (the rest: the audit write to Cassandra and audit.v1)`,
      `worklist p99 ${rows[0].p99Ms} ms (bar < 50 ms); ${Math.round((rows[0].p99Ms / rows[1].p99Ms) * 100) / 100} x the alerts read's p99; unexpected answers: ${bad}`,
    ];
    console.log(lines.join('\n'));
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(
      path.join(ROOT, 'bench', 'results', 'worklist.json'),
      `${JSON.stringify({ at: new Date().toISOString(), settings: { patients: PATIENTS, requests: REQUESTS, runs: RUNS }, phases: rows, serverMeansMs: server, loadAverage: os.loadavg(), unexpectedAnswers: bad }, null, 2)}\n`,
    );
    if (bad > 0) process.exitCode = 1;
  } finally {
    if (child) {
      child.kill('SIGTERM');
      await Promise.race([new Promise((r) => child?.on('exit', r)), sleep(15_000)]);
    }
    await deleteTestTopics(kafka, prefix, [groupId, `${groupId}.worklist`]).catch(() => undefined);
    await deleteRedisPrefix(redisPrefix).catch(() => undefined);
    await ks.drop().catch(() => undefined);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
