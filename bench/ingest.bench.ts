/**
 * Ingest benchmark: accepted check-ins per second and p50/p99 latency through the full
 * ingest-api (auth, validation, rate limit and idempotency in Redis, acks from all in-sync
 * replicas), beside a bare Fastify + kafkajs endpoint that only produces the same payload
 * (bench/ingest-bare-server.ts), measured in the same run on the same Kafka.
 *
 *   node -r ./tools/register.js bench/ingest.bench.ts
 *   env: BENCH_CONNECTIONS (64), BENCH_DURATION (10 s), BENCH_WARMUP (3 s), BENCH_RUNS (1),
 *        BENCH_PATIENTS (1000), KAFKA_BROKERS, REDIS_URL
 *
 * Phases per run: (1) each endpoint at full speed with BENCH_CONNECTIONS concurrent connections;
 * (2) each at half of ingest-api's maximum rate (autocannon overallRate, latencies corrected for
 * coordinated omission). Both servers are separate processes; only 202s count as accepted.
 * Targets: ingest-api >= 0.6 x bare throughput; ingest-api p99 < 50 ms at half its maximum rate.
 * Prints a table; writes bench/results/ingest.json.
 * Each request is a fresh check-in (new checkInId) of a random patient of the pool, with an RS256
 * token; ingest-api runs with NODE_ENV=production, logs at info, and RATE_LIMIT_PER_MINUTE raised so
 * the limiter is exercised but never refuses.
 */
import { ChildProcess, execSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { exportSPKI, generateKeyPair } from 'jose';
import { mintToken } from '@vigil/auth';
import { prefixedTopic, TOPIC_SPECS, TOPICS } from '@vigil/contracts';
import { ensureTopics } from '@vigil/messaging';
import { deleteRedisPrefix, deleteTestTopics, freePort, testKafka, uniquePrefix, uniqueRedisPrefix } from '@vigil/testing';

const CONNECTIONS = Number(process.env['BENCH_CONNECTIONS'] ?? 64);
const DURATION = Number(process.env['BENCH_DURATION'] ?? 10);
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 3);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 1);
const PATIENTS = Number(process.env['BENCH_PATIENTS'] ?? 1000);
const ROOT = path.resolve(__dirname, '..');

interface Measure {
  acceptedPerSecond: number;
  /** CPU time (user + system) the server process used per accepted check-in, ms: less sensitive to a busy machine than throughput. */
  cpuMsPerAccepted: number;
  p50: number;
  p99: number;
  requests: number;
  accepted: number;
  non2xx: number;
  errors: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CLK_TCK = (() => {
  try {
    return Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user + system) a process has used so far (Linux /proc). */
function cpuSeconds(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return 0;
  }
}

function otelEnv(): Record<string, string> {
  return Object.fromEntries(Object.entries(process.env).filter((e): e is [string, string] => e[0].startsWith('OTEL_') && e[1] !== undefined));
}

function startProcess(script: string, env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['-r', './tools/register.js', script], {
    cwd: ROOT,
    // OTEL_* pass through (tracing is on by default in production, exporting nothing unless configured).
    env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', ...otelEnv(), ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  child.on('exit', (code, signal) => {
    if (code !== 0 && signal === null) process.stderr.write(`${script} exited with ${code}\n`);
  });
  return child;
}

async function waitReady(url: string, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not up yet
    }
    if (Date.now() > until) throw new Error(`${url} not ready after ${timeoutMs} ms`);
    await sleep(250);
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(15_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

function checkInBody(): string {
  return JSON.stringify({
    checkInId: randomUUID(),
    recordedAt: new Date(Date.now() - 60_000).toISOString(),
    vitals: { weightKg: 82.3, systolicBp: 131, diastolicBp: 84, heartRate: 76, spo2: 95, temperatureC: 36.8 },
    symptoms: { breathlessness: 1, swelling: 2, chestPain: false },
    questionnaires: [{ instrument: 'PHQ-9', answers: [1, 0, 1, 0, 0, 1, 0, 0, 0] }],
    medication: { adherence: 'all' },
    mood: 3,
    notes: 'slept badly, ankles a bit swollen',
  });
}

async function load(
  url: string,
  path: string,
  headersFor: () => Record<string, string>,
  opts: { duration: number; overallRate?: number; pid?: number },
): Promise<Measure> {
  const cpuBefore = cpuSeconds(opts.pid);
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    duration: opts.duration,
    overallRate: opts.overallRate,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path,
        setupRequest: (req) => ({ ...req, headers: { 'content-type': 'application/json', ...headersFor() }, body: checkInBody() }),
      },
    ],
  });
  const accepted = result.statusCodeStats['202']?.count ?? 0;
  const cpu = cpuSeconds(opts.pid) - cpuBefore;
  return {
    acceptedPerSecond: Math.round(accepted / result.duration),
    cpuMsPerAccepted: accepted ? Math.round((cpu * 1000 * 1000) / accepted) / 1000 : 0,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    accepted,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const kafka = testKafka('bench-ingest');
  const prefix = uniquePrefix('bench-ingest');
  const redisPrefix = uniqueRedisPrefix('bench-ingest');
  const checkinsSpec = TOPIC_SPECS.filter((s) => s.name === TOPICS.checkins);
  await ensureTopics(kafka, { prefix, partitions: 6, replicationFactor: 1, specs: checkinsSpec });
  await ensureTopics(kafka, { prefix: `${prefix}bare.`, partitions: 6, replicationFactor: 1, specs: checkinsSpec });

  const patients = Array.from({ length: PATIENTS }, (_, i) => `bench-p-${i}`);
  // Production-like auth: RS256 against a public key (as from a JWKS), NODE_ENV=production.
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  const tokens = await Promise.all(
    patients.map((sub) =>
      mintToken({ sub, role: 'patient', org: 'org-bench' }, { privateKey: privateKey as never, issuer: 'vigil-bench', audience: 'vigil', expiresIn: '2h' }),
    ),
  );
  const pick = () => Math.floor(Math.random() * PATIENTS);

  const brokers = process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
  const [barePort, ingestPort] = [await freePort(), await freePort()];
  const bare = startProcess('bench/ingest-bare-server.ts', {
    PORT: String(barePort),
    TOPIC: prefixedTopic(TOPICS.checkins, `${prefix}bare.`),
    KAFKA_BROKERS: brokers,
  });
  const ingest = startProcess('apps/ingest-api/src/main.ts', {
    PORT: String(ingestPort),
    HOST: '127.0.0.1',
    KAFKA_BROKERS: brokers,
    REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    TOPIC_PREFIX: prefix,
    REDIS_KEY_PREFIX: redisPrefix,
    KAFKA_TOPIC_PARTITIONS: '6',
    AUTH_PUBLIC_KEY: await exportSPKI(publicKey),
    AUTH_ISSUER: 'vigil-bench',
    AUTH_AUDIENCE: 'vigil',
    RATE_LIMIT_PER_MINUTE: '1000000',
    LOG_LEVEL: 'info',
    DOCS_ENABLED: 'false',
  });
  const bareUrl = `http://127.0.0.1:${barePort}`;
  const ingestUrl = `http://127.0.0.1:${ingestPort}`;
  const bareHeaders = () => ({ 'x-patient': patients[pick()] });
  const ingestHeaders = () => ({ authorization: `Bearer ${tokens[pick()]}` });

  const runs: { bare: Measure; ingest: Measure; bareHalf: Measure; ingestHalf: Measure; halfRate: number }[] = [];
  try {
    await Promise.all([waitReady(`${bareUrl}/health`), waitReady(`${ingestUrl}/health/ready`)]);
    for (let run = 0; run < RUNS; run++) {
      if (WARMUP > 0) {
        await load(bareUrl, '/produce', bareHeaders, { duration: WARMUP });
        await load(ingestUrl, '/v1/check-ins', ingestHeaders, { duration: WARMUP });
      }
      const bareM = await load(bareUrl, '/produce', bareHeaders, { duration: DURATION, pid: bare.pid });
      const ingestM = await load(ingestUrl, '/v1/check-ins', ingestHeaders, { duration: DURATION, pid: ingest.pid });
      const halfRate = Math.max(1, Math.floor(ingestM.acceptedPerSecond / 2));
      const ingestHalf = await load(ingestUrl, '/v1/check-ins', ingestHeaders, { duration: DURATION, overallRate: halfRate, pid: ingest.pid });
      const bareHalf = await load(bareUrl, '/produce', bareHeaders, { duration: DURATION, overallRate: halfRate, pid: bare.pid });
      runs.push({ bare: bareM, ingest: ingestM, bareHalf, ingestHalf, halfRate });
      process.stderr.write(
        `run ${run + 1}/${RUNS}: bare ${bareM.acceptedPerSecond}/s, ingest ${ingestM.acceptedPerSecond}/s, ingest p99 at ${halfRate}/s: ${ingestHalf.p99} ms\n`,
      );
    }
  } finally {
    await Promise.all([stopProcess(bare), stopProcess(ingest)]);
  }

  // Sanity: every 202 of ingest-api is on its topic.
  const admin = kafka.admin();
  await admin.connect();
  const offsets = await admin.fetchTopicOffsets(prefixedTopic(TOPICS.checkins, prefix));
  await admin.disconnect();
  const onTopic = offsets.reduce((n, p) => n + Number(p.high), 0);
  const acceptedByIngest = runs.reduce((n, r) => n + r.ingest.accepted + r.ingestHalf.accepted, 0);

  const m = (pick: (r: (typeof runs)[number]) => number) => median(runs.map(pick));
  const of = (k: 'bare' | 'ingest' | 'bareHalf' | 'ingestHalf') => ({
    acceptedPerSecond: Math.round(m((r) => r[k].acceptedPerSecond)),
    p50: m((r) => r[k].p50),
    p99: m((r) => r[k].p99),
    cpuMsPerAccepted: m((r) => r[k].cpuMsPerAccepted),
  });
  const summary = {
    bare: of('bare'),
    ingest: of('ingest'),
    halfRate: Math.round(m((r) => r.halfRate)),
    ingestHalf: of('ingestHalf'),
    bareHalf: of('bareHalf'),
  };
  const ratio = summary.ingest.acceptedPerSecond / Math.max(1, summary.bare.acceptedPerSecond);
  const targets = {
    throughputRatio: { value: Math.round(ratio * 1000) / 1000, target: 0.6, met: ratio >= 0.6 },
    p99AtHalfRate: { value: summary.ingestHalf.p99, target: 50, met: summary.ingestHalf.p99 < 50 },
  };

  const row = (name: string, rate: string, x: { acceptedPerSecond: number; p50: number; p99: number; cpuMsPerAccepted: number }) =>
    `| ${name.padEnd(36)} | ${rate.padStart(12)} | ${String(x.acceptedPerSecond).padStart(10)} | ${x.p50.toFixed(1).padStart(8)} | ${x.p99.toFixed(1).padStart(8)} | ${x.cpuMsPerAccepted.toFixed(3).padStart(11)} |`;
  const lines = [
    `ingest benchmark: ${CONNECTIONS} connections, ${DURATION} s per phase, ${RUNS} run(s), medians; ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`,
    `| ${'endpoint'.padEnd(36)} | ${'offered rate'.padStart(12)} | ${'accepted/s'.padStart(10)} | ${'p50 ms'.padStart(8)} | ${'p99 ms'.padStart(8)} | ${'CPU ms/item'.padStart(11)} |`,
    `|${'-'.repeat(38)}|${'-'.repeat(14)}|${'-'.repeat(12)}|${'-'.repeat(10)}|${'-'.repeat(10)}|${'-'.repeat(13)}|`,
    row('bare Fastify + kafkajs (baseline)', 'max', summary.bare),
    row('ingest-api (full)', 'max', summary.ingest),
    row('bare Fastify + kafkajs (baseline)', `${summary.halfRate}/s`, summary.bareHalf),
    row('ingest-api (full)', `${summary.halfRate}/s`, summary.ingestHalf),
    '',
    `ingest / bare throughput: ${targets.throughputRatio.value} (target >= 0.6: ${targets.throughputRatio.met ? 'met' : 'NOT met'})`,
    `ingest p99 at half its max rate: ${summary.ingestHalf.p99} ms (target < 50 ms: ${targets.p99AtHalfRate.met ? 'met' : 'NOT met'})`,
    `CPU per accepted check-in (server process only): ingest-api ${summary.ingest.cpuMsPerAccepted} ms, bare ${summary.bare.cpuMsPerAccepted} ms`,
    `sanity: ${acceptedByIngest} check-ins answered 202 by ingest-api, ${onTopic} records on its topic (incl. warm-up)`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const out = path.join(ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'ingest.json'),
    JSON.stringify(
      {
        at: new Date().toISOString(),
        settings: {
          connections: CONNECTIONS,
          durationSeconds: DURATION,
          warmupSeconds: WARMUP,
          runs: RUNS,
          patients: PATIENTS,
          cpus: os.cpus().length,
          loadavg: os.loadavg(),
        },
        summary,
        targets,
        runs,
        sanity: { acceptedByIngest, recordsOnTopic: onTopic },
        elapsedSeconds: Math.round((Date.now() - started) / 1000),
      },
      null,
      2,
    ),
  );
  await deleteTestTopics(kafka, prefix).catch(() => undefined);
  await deleteRedisPrefix(redisPrefix).catch(() => undefined);
}

main().catch((e: unknown) => {
  process.stderr.write(`ingest benchmark failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
