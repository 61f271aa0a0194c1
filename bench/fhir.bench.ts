/**
 * FHIR ingestion benchmark: server CPU per request of a vitals transaction Bundle (six
 * Observations: weight, BP panel, heart rate, respiratory rate, SpO2, temperature) through
 * POST /fhir/R4, beside the same data as our own check-ins in the same run against the same process:
 * (a) POST /v1/check-ins:batch with the six check-ins the Bundle becomes (the same events), and
 * (b) POST /v1/check-ins with one check-in carrying all six vitals. Bar: FHIR <= 2 x (a).
 *
 *   npm run bench fhir      env: BENCH_REQUESTS (600 per phase and run), BENCH_RUNS (3), BENCH_CONCURRENCY (16)
 * Phases alternate within each run; medians; CPU is user + system of the ingest-api process (/proc).
 */
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mintToken } from '@vigil/auth';
import { TOPIC_SPECS, TOPICS } from '@vigil/contracts';
import { ensureTopics } from '@vigil/messaging';
import { deleteRedisPrefix, deleteTestTopics, freePort, testKafka, uniquePrefix, uniqueRedisPrefix } from '@vigil/testing';
import { bundle, fhirObservation } from '../apps/ingest-api/src/fhir/fhir-fixtures';

const ROOT = path.resolve(__dirname, '..');
const REQUESTS = Number(process.env['BENCH_REQUESTS'] ?? 600);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 3);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const SECRET = 'vigil-bench-fhir-secret-0123456789abcdef';
const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / CLK_TCK;
}

async function waitReady(url: string): Promise<void> {
  for (const until = Date.now() + 120_000; Date.now() < until; await sleep(250)) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not up yet
    }
  }
  throw new Error(`${url} not ready`);
}

const at = () => new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
const VITALS = { weightKg: 82.3, systolicBp: 131, diastolicBp: 84, heartRate: 76, respiratoryRate: 16, spo2: 95, temperatureC: 36.8 };

type Phase = { name: string; path: string; contentType: string; body: (patient: string) => string; expect: number };
const PHASES: Phase[] = [
  {
    name: 'FHIR transaction Bundle (6 Observations)',
    path: '/fhir/R4',
    contentType: 'application/fhir+json',
    expect: 200,
    body: (patient) => {
      const o = { patient, at: at() };
      return JSON.stringify(
        bundle('transaction', [
          fhirObservation.weight(o, 82.3),
          fhirObservation.bloodPressure(o, 131, 84),
          fhirObservation.heartRate(o, 76),
          fhirObservation.respiratoryRate(o, 16),
          fhirObservation.spo2(o, 95),
          fhirObservation.temperature(o, 36.8),
        ]),
      );
    },
  },
  {
    name: 'check-in batch (the same 6 check-ins)',
    path: '/v1/check-ins:batch',
    contentType: 'application/json',
    expect: 200,
    body: () => {
      const t = at();
      const items = [
        { weightKg: 82.3 },
        { systolicBp: 131, diastolicBp: 84 },
        { heartRate: 76 },
        { respiratoryRate: 16 },
        { spo2: 95 },
        { temperatureC: 36.8 },
      ];
      return JSON.stringify({ items: items.map((vitals) => ({ checkInId: randomUUID(), recordedAt: t, vitals })) });
    },
  },
  {
    name: 'one check-in with the 6 vitals',
    path: '/v1/check-ins',
    contentType: 'application/json',
    expect: 202,
    body: () => JSON.stringify({ checkInId: randomUUID(), recordedAt: at(), vitals: VITALS }),
  },
];

async function runPhase(url: string, pid: number, phase: Phase, tokens: { sub: string; token: string }[]): Promise<{ cpuMsPerRequest: number; bad: number }> {
  const bodies = Array.from({ length: REQUESTS }, (_, i) => tokens[i % tokens.length]).map((t) => ({ t, body: phase.body(t.sub) }));
  let next = 0;
  let bad = 0;
  const before = cpuSeconds(pid);
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const { t, body } = bodies[next++];
        const res = await fetch(`${url}${phase.path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t.token}`, 'content-type': phase.contentType },
          body,
        });
        await res.arrayBuffer();
        if (res.status !== phase.expect) bad++;
      }
    }),
  );
  return { cpuMsPerRequest: Math.round(((cpuSeconds(pid) - before) * 1e6) / REQUESTS) / 1000, bad };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const kafka = testKafka('bench-fhir');
  const prefix = uniquePrefix('bench-fhir');
  const redisPrefix = uniqueRedisPrefix('bench-fhir');
  await ensureTopics(kafka, { prefix, partitions: 6, replicationFactor: 1, specs: TOPIC_SPECS.filter((s) => s.name === TOPICS.checkins) });
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['-r', './tools/register.js', 'apps/ingest-api/src/main.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env['PATH'] ?? '',
      NODE_ENV: 'test',
      OTEL_SDK_DISABLED: 'true',
      PORT: String(port),
      HOST: '127.0.0.1',
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
      REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      TOPIC_PREFIX: prefix,
      REDIS_KEY_PREFIX: redisPrefix,
      KAFKA_TOPIC_PARTITIONS: '6',
      AUTH_HS256_SECRET: SECRET,
      RATE_LIMIT_PER_MINUTE: '1000000',
      LOG_LEVEL: 'warn',
      DOCS_ENABLED: 'false',
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${url}/health/ready`);
    const tokens = await Promise.all(
      Array.from({ length: 200 }, async (_, i) => ({
        sub: `bench-fhir-p-${i}`,
        token: await mintToken({ sub: `bench-fhir-p-${i}`, role: 'patient', org: 'org-bench' }, { secret: SECRET, expiresIn: '2h' }),
      })),
    );
    for (const p of PHASES) await runPhase(url, child.pid as number, { ...p }, tokens); // warm-up
    const results = PHASES.map(() => [] as number[]);
    let bad = 0;
    for (let r = 0; r < RUNS; r++) {
      for (const [i, p] of PHASES.entries()) {
        const x = await runPhase(url, child.pid as number, p, tokens);
        results[i].push(x.cpuMsPerRequest);
        bad += x.bad;
      }
    }
    const cpu = results.map(median);
    const ratioBatch = Math.round((cpu[0] / cpu[1]) * 100) / 100;
    const ratioOne = Math.round((cpu[0] / cpu[2]) * 100) / 100;
    const lines = [
      `fhir ingest benchmark: ${REQUESTS} requests x ${RUNS} runs per phase, ${CONCURRENCY} concurrent; ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`,
      `| ${'request'.padEnd(42)} | ${'CPU ms/request'.padStart(14)} |`,
      `| ${'-'.repeat(42)} | ${'-'.repeat(14)} |`,
      ...PHASES.map((p, i) => `| ${p.name.padEnd(42)} | ${cpu[i].toFixed(3).padStart(14)} |`),
      `FHIR / same check-ins as a batch: ${ratioBatch} x (bar <= 2); FHIR / one check-in with all six vitals: ${ratioOne} x; unexpected statuses: ${bad}`,
    ];
    console.log(lines.join('\n'));
    mkdirSync(path.join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(
      path.join(ROOT, 'bench', 'results', 'fhir.json'),
      `${JSON.stringify(
        {
          at: new Date().toISOString(),
          settings: { requests: REQUESTS, runs: RUNS, concurrency: CONCURRENCY },
          phases: PHASES.map((p, i) => ({ name: p.name, cpuMsPerRequest: cpu[i], runs: results[i] })),
          ratioToBatch: ratioBatch,
          ratioToOneCheckIn: ratioOne,
          unexpectedStatuses: bad,
        },
        null,
        2,
      )}\n`,
    );
    if (bad > 0) process.exitCode = 1;
  } finally {
    child.kill('SIGTERM');
    await Promise.race([new Promise((r) => child.on('exit', r)), sleep(15_000)]);
    await deleteTestTopics(kafka, prefix).catch(() => undefined);
    await deleteRedisPrefix(redisPrefix).catch(() => undefined);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
