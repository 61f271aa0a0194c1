/**
 * End-to-end benchmark (DESIGN.md "Bars"): latency from POST /v1/check-ins to the alert
 * arriving on an SSE client, p50 / p99, at a steady rate, beside a baseline measured in the same
 * run (the same path at a low rate: the pipeline's floor on this machine, without queueing).
 *
 *   node -r ./tools/register.js bench/e2e.bench.ts
 *   env: BENCH_RATE (200/s), BENCH_SECONDS (20), BENCH_BASELINE_RATE (10/s), BENCH_BASELINE_SECONDS (5), BENCH_NODE20 (1),
 *        BENCH_PATIENTS (400), BENCH_CARE_INSTANCES (1; the SSE client is on the last one),
 *        BENCH_PARTITIONS (6), KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS, REDIS_URL
 *
 * Starts ingest-api, risk-scorer and care-api as processes (e2e/care-stack.ts: fresh keyspace,
 * topics, Redis prefix, groups), enrols the patients through care-api, opens one SSE stream of
 * their team, then posts check-ins that each raise a critical alert (chest pain with a red flag).
 * Each patient's check-ins are 13 h apart in device time (beyond the 12 h alert cool-down; all
 * within the 30 days ingest accepts), so every check-in alerts. Latency = SSE receipt - POST start,
 * both on this process's clock. Prints a table; writes bench/results/e2e.json.
 *
 * Where the time goes: a tap consumer (its own group) notes when each check-in appears on
 * checkins.v1 and its alert on alerts.v1, so each check-in's latency splits into three stages:
 * ingest (POST start -> on checkins.v1), scorer (-> on alerts.v1), care-api (-> on the SSE client).
 * The tap's own fetch delay (tens of ms) is in every "on topic" time alike, so it moves time from
 * one stage to the previous one, never hides a queue of seconds.
 *
 * Worklist (issue #18, bar: p99 < 1 s from the risk.scored to the dashboard's stream): a second SSE
 * client on /v1/worklist/stream (same instance, same nurse) stamps the first `worklist` event whose
 * entry shows the check-in (patient + lastCheckInAt = its device time); the tap stamps its
 * risk.scored on risk-scores.v1. Reported beside the alert path of the same run: alert.raised on
 * alerts.v1 -> alert on the alert stream.
 *
 * Memory (issue #16): each service's resident set is sampled every 250 ms from /proc/<pid>/status
 * (bench/rss.ts) over each phase, and its VmHWM (the kernel's peak since start) read at the end;
 * target: every service under 150 MB. Then the same stack runs again with the services on the
 * machine's Node 20 (/usr/bin/node; BENCH_NODE20=0 skips, BENCH_NODE20_BINARY names another), so
 * memory and latency of both runtimes are side by side from one run; if they cannot start on it,
 * the output and the JSON say why. The timeseries-writer is not in this path (no SSE alert depends
 * on it), so it is not measured here.
 */
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fromKafkaRecord, prefixedTopic, TOPICS } from '@vigil/contracts';
import { openSse } from '@vigil/http';
import { testKafka } from '@vigil/testing';
import { alertingCheckIn, REPO_ROOT, startCareStack } from '../e2e/care-stack';
import { procStatusMb, sampleRss } from './rss';

const RATE = Number(process.env['BENCH_RATE'] ?? 200);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 20);
const BASE_RATE = Number(process.env['BENCH_BASELINE_RATE'] ?? 10);
const BASE_SECONDS = Number(process.env['BENCH_BASELINE_SECONDS'] ?? 5);
const PATIENTS = Number(process.env['BENCH_PATIENTS'] ?? 400);
const CARE_INSTANCES = Number(process.env['BENCH_CARE_INSTANCES'] ?? 1);
const PARTITIONS = Number(process.env['BENCH_PARTITIONS'] ?? 6);
const TARGET_P99_MS = 1000;
const SPACING_MS = 13 * 3600_000;
const DRAIN_MS = 20_000;
/** Every service's peak RSS under the steady load should stay below this (issue #16). */
const TARGET_RSS_MB = 150;
/** The machine's Node 20, for the same run on the old runtime (BENCH_NODE20=0 skips it). */
const NODE20 = process.env['BENCH_NODE20_BINARY'] ?? '/usr/bin/node';
const RUN_NODE20 = process.env['BENCH_NODE20'] !== '0';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** CPU seconds a process has used (utime + stime of /proc/<pid>/stat), NaN if unreadable. */
function cpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

/** The machine's busy and total CPU seconds (all cores) from /proc/stat. */
function machineCpu(): { busy: number; total: number } {
  const [, ...v] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
  const n = v.map(Number);
  const total = n.slice(0, 8).reduce((a, b) => a + b, 0) / 100;
  return { busy: total - (n[3] + n[4]) / 100, total };
}

/** The local servers' pids (deploy/local writes them; read only). */
function serverPid(name: string): number | undefined {
  const f = path.join(process.env['VIGIL_INFRA_DIR'] ?? path.join(REPO_ROOT, '.infra'), 'run', `${name}.pid`);
  return existsSync(f) ? Number(readFileSync(f, 'utf8').trim()) : undefined;
}

interface Sent {
  checkInId: string;
  sentAt: number;
  status?: number;
  postMs?: number;
  alertAt?: number;
  /** When the tap saw the check-in on checkins.v1 / its alert on alerts.v1 (Date.now()). */
  checkInOnTopicAt?: number;
  alertOnTopicAt?: number;
  /** When its risk.scored was seen on risk-scores.v1 / its worklist change reached the worklist stream client. */
  scoredOnTopicAt?: number;
  worklistAt?: number;
}

interface PhaseResult {
  phase: string;
  targetRate: number;
  achievedRate: number;
  seconds: number;
  sent: number;
  accepted: number;
  alerted: number;
  missing: number;
  postP50: number;
  postP99: number;
  e2eP50: number;
  e2eP90: number;
  e2eP99: number;
  e2eMax: number;
  /** From the 202 to the SSE receipt: Kafka -> risk-scorer -> alerts.v1 -> care-api -> Redis -> SSE. */
  after202P50: number;
  after202P99: number;
  /** Alerts the scorer raised / care-api stored during the phase (a check-in overtaking an earlier one of the same patient may raise none). */
  raisedByScorer: number;
  storedByCare: number;
  /** HTTP statuses of the POSTs (0: network error, pending: no answer by the end of the drain). */
  statuses: Record<string, number>;
  /** Server-side means over the phase from the services' /metrics (histogram sum / count deltas). */
  stages: Record<string, { count: number; meanMs: number }>;
  /** Cores each process used on average while sending, and the machine's busy share (everyone's work). */
  cpu: Record<string, number>;
  /** Per check-in stage times from the tap (alerted check-ins seen on both topics): p50 / p99 ms. */
  split: Record<'ingest' | 'scorer' | 'care', { n: number; p50: number; p99: number }>;
  /** risk.scored on risk-scores.v1 -> worklist event on the worklist stream; POST start -> worklist event; and how many never came. */
  worklist: { scoredToStream: { n: number; p50: number; p99: number }; e2e: { n: number; p50: number; p99: number }; missing: number };
  /** Each service's peak resident set (MB) sampled every 250 ms from the phase's start to the end of its drain. */
  rssPeakMb: Record<string, number>;
}

/** One stack's run (the services on one node binary). */
interface RunResult {
  runtime: string;
  node: string;
  rows: PhaseResult[];
  pass: boolean;
  /** VmHWM at the end of the run: each service's peak resident set since it started (start-up included). */
  hwmMb: Record<string, number>;
  /** The worklist stream bar (risk.scored -> worklist event p99, nothing missing) in the steady phase. */
  worklistPass: boolean;
}

/**
 * A consumer of checkins.v1 and alerts.v1 (fresh group) that stamps each check-in when it is seen on
 * each topic. Resolves once it has joined, before anything is posted.
 */
async function startTap(prefix: string, byCheckIn: Map<string, Sent>): Promise<{ stop(): Promise<void> }> {
  const kafka = testKafka('bench-e2e-tap');
  const consumer = kafka.consumer({ groupId: `${prefix}bench-tap`, maxWaitTimeInMs: 20, minBytes: 1, sessionTimeout: 30_000, allowAutoTopicCreation: false });
  const topics = {
    checkins: prefixedTopic(TOPICS.checkins, prefix),
    alerts: prefixedTopic(TOPICS.alerts, prefix),
    scores: prefixedTopic(TOPICS.riskScores, prefix),
  };
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topics: [topics.checkins, topics.alerts, topics.scores], fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 12,
    eachBatch: async ({ batch }) => {
      const now = Date.now();
      for (const m of batch.messages) {
        let data: { checkInId?: string };
        try {
          data = fromKafkaRecord<{ checkInId?: string }>({ key: m.key, value: m.value, headers: m.headers }).data;
        } catch {
          continue;
        }
        const s = data.checkInId ? byCheckIn.get(data.checkInId) : undefined;
        if (!s) continue;
        if (batch.topic === topics.checkins) s.checkInOnTopicAt ??= now;
        else if (batch.topic === topics.scores) s.scoredOnTopicAt ??= now;
        else s.alertOnTopicAt ??= now;
      }
    },
  });
  await Promise.race([joined, sleep(60_000).then(() => Promise.reject(new Error('the tap consumer did not join its group in 60 s')))]);
  return { stop: () => consumer.disconnect() };
}

/** Histograms whose mean over a phase tells where the time goes. */
const COUNTERS: [string, string, string, RegExp][] = [
  ['raised', 'scorer', 'alerts raised by the scorer', /^vigil_alerts_raised_total\{/],
  ['stored', 'care', 'alert.raised events stored by care-api', /^vigil_care_alert_events_total\{(?=[^}]*type="alert\.raised")(?=[^}]*outcome="stored")/],
];

const STAGE_HISTOGRAMS: [string, string, RegExp][] = [
  ['ingest', 'ingest POST handling (incl. Kafka ack)', /^vigil_http_server_request_duration_seconds_(sum|count)\{[^}]*route="\/v1\/check-ins"/],
  ['scorer', 'risk-scorer: one patient of a batch (score, publish, persist)', /^vigil_risk_scorer_patient_batch_seconds_(sum|count)/],
  ['care', 'care-api: store one alert event (dedupe, Redis append, Cassandra)', /^vigil_care_alert_store_seconds_(sum|count)/],
];

async function scrape(urls: Record<string, string>): Promise<Record<string, { sum: number; count: number }>> {
  const out: Record<string, { sum: number; count: number }> = {};
  const texts: Record<string, string> = {};
  for (const [k, url] of Object.entries(urls))
    texts[k] = await fetch(`${url}/metrics`).then(
      (r) => r.text(),
      () => '',
    );
  const lines = (k: string) => texts[k]?.split('\n') ?? [];
  const value = (line: string) => Number(line.slice(line.lastIndexOf(' ') + 1));
  for (const [key, , re] of STAGE_HISTOGRAMS) {
    const acc = { sum: 0, count: 0 };
    for (const line of lines(key)) {
      const m = re.exec(line);
      if (m) acc[m[1] === 'sum' ? 'sum' : 'count'] += value(line);
    }
    out[key] = acc;
  }
  for (const [key, svc, , re] of COUNTERS) {
    let n = 0;
    for (const line of lines(svc)) if (re.test(line)) n += value(line);
    out[key] = { sum: n, count: n };
  }
  return out;
}

/** Starts the stack with its services on `binary`, runs warm-up, baseline and steady phases, prints its tables. */
async function runStack(runtime: string, binary: string): Promise<RunResult> {
  const t0 = Date.now();
  const node = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  process.stdout.write(
    `\n=== ${runtime}: services on ${binary} (${node}); starting ingest-api, risk-scorer and ${CARE_INSTANCES} care-api (load average ${os
      .loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')})...\n`,
  );
  const stack = await startCareStack({
    label: 'bench-e2e',
    nodeBinary: binary,
    careInstances: CARE_INSTANCES,
    partitions: PARTITIONS,
    env: { 'risk-scorer': { LOG_LEVEL: 'warn' }, 'care-api': { LOG_LEVEL: 'warn' }, 'ingest-api': { LOG_LEVEL: 'warn' } },
  });
  process.stdout.write(`stack ready in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  try {
    // Patients (one care team) and their tokens.
    const patients = Array.from({ length: PATIENTS }, (_, i) => `bench-p-${i}`);
    for (let i = 0; i < patients.length; i += 20) {
      const statuses = await Promise.all(patients.slice(i, i + 20).map((p) => stack.enrol('org-1', p, 'team-a')));
      if (statuses.some((s) => s !== 201)) throw new Error(`enrolment failed: ${statuses.join(',')}`);
    }
    const tokens = await Promise.all(patients.map((p) => stack.token(p, 'patient', 'org-1')));

    // The SSE client (on the last care-api instance: with several, most alerts are stored by another).
    const byCheckIn = new Map<string, Sent>();
    const nurse = await stack.token('bench-nurse', 'care-manager', 'org-1', ['team-a']);
    const sse = await openSse(`${stack.cares[stack.cares.length - 1].url}/v1/alerts/stream`, {
      headers: { authorization: `Bearer ${nurse}` },
      onEvent: (e) => {
        if (e.event !== 'alert') return;
        const d = JSON.parse(e.data) as { type: string; alert?: { checkInId?: string } };
        const id = d.alert?.checkInId;
        const s = id ? byCheckIn.get(id) : undefined;
        if (s && s.alertAt === undefined && d.type === 'alert.raised') s.alertAt = e.receivedAt;
      },
    });
    if (sse.status !== 200) throw new Error(`SSE answered ${sse.status}: ${sse.body}`);
    await sse.waitFor((es) => es.some((e) => e.event === 'ready'), 30_000, 'ready');
    // The worklist stream client: a check-in is matched by patient and device time (the entry carries no check-in id).
    const byDeviceTime = new Map<string, Sent>();
    const wl = await openSse(`${stack.cares[stack.cares.length - 1].url}/v1/worklist/stream`, {
      headers: { authorization: `Bearer ${nurse}` },
      onEvent: (e) => {
        if (e.event !== 'worklist') return;
        const d = JSON.parse(e.data) as { patientId: string; entry?: { lastCheckInAt?: string | null } };
        const s = d.entry?.lastCheckInAt ? byDeviceTime.get(`${d.patientId}|${d.entry.lastCheckInAt}`) : undefined;
        if (s) s.worklistAt ??= e.receivedAt;
      },
    });
    if (wl.status !== 200) throw new Error(`worklist SSE answered ${wl.status}: ${wl.body}`);
    await wl.waitFor((es) => es.some((e) => e.event === 'ready'), 30_000, 'worklist ready');
    const tap = await startTap(stack.prefix, byCheckIn);

    const networkErrors = new Map<string, number>();
    // Keep-alive connections (Node's http: lighter than fetch for a steady stream of small POSTs).
    // No socket cap: an open-loop load is many phones, each with its own connection; a capped pool
    // queues POSTs in this process once the server's answer takes longer than cap / rate (128
    // sockets at 200/s: 640 ms), and that queue is the client's, not the service's.
    const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
    const stageUrls: Record<string, string> = { ingest: stack.ingest.url, scorer: stack.scorer.url, care: stack.cares[0].url };
    const cpuPids: Record<string, number | undefined> = {
      ingest: stack.ingest.pid,
      scorer: stack.scorer.pid,
      ...Object.fromEntries(stack.cares.map((c, i) => [`care${i + 1}`, c.pid])),
      bench: process.pid,
      kafka: serverPid('kafka'),
      cassandra: serverPid('cassandra'),
    };
    // Our services only (Kafka and Cassandra are the shared servers' JVMs).
    const servicePids: Record<string, number | undefined> = {
      'ingest-api': stack.ingest.pid,
      'risk-scorer': stack.scorer.pid,
      ...Object.fromEntries(stack.cares.map((c, i) => [stack.cares.length > 1 ? `care-api-${i + 1}` : 'care-api', c.pid])),
    };
    if (stack.cares.length > 1) process.stdout.write('(care-api metrics are of the first instance only)\n');
    // Device times: patient p's k-th check-in at base + k * 13 h.
    const base = Date.now() - 29 * 86_400_000;
    const nextK = new Map<string, number>(patients.map((p) => [p, 0]));
    const post = (i: number): Sent => {
      const p = i % PATIENTS;
      const k = nextK.get(patients[p]) ?? 0;
      nextK.set(patients[p], k + 1);
      const recordedAt = new Date(base + k * SPACING_MS);
      if (recordedAt.getTime() > Date.now()) throw new Error('too many check-ins per patient for 29 days at 13 h spacing: raise BENCH_PATIENTS');
      const s: Sent = { checkInId: randomUUID(), sentAt: Date.now() };
      byCheckIn.set(s.checkInId, s);
      byDeviceTime.set(`${patients[p]}|${recordedAt.toISOString()}`, s);
      const started = performance.now();
      const body = JSON.stringify(alertingCheckIn(s.checkInId, recordedAt));
      const req = http.request(
        `${stack.ingest.url}/v1/check-ins`,
        {
          method: 'POST',
          agent,
          headers: { authorization: `Bearer ${tokens[p]}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            s.status = res.statusCode;
            s.postMs = performance.now() - started;
          });
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => {
        s.status = 0;
        const why = String(e.code ?? e.message).slice(0, 60);
        networkErrors.set(why, (networkErrors.get(why) ?? 0) + 1);
      });
      req.end(body);
      return s;
    };

    /** Posts at a steady rate (a schedule, not a closed loop: a slow answer does not slow the sender). */
    async function phase(name: string, rate: number, seconds: number, first: number): Promise<{ result: PhaseResult; next: number }> {
      const total = Math.round(rate * seconds);
      const sent: Sent[] = [];
      const before = await scrape(stageUrls);
      const rss = sampleRss(servicePids);
      const cpu0 = { procs: Object.fromEntries(Object.entries(cpuPids).map(([k, pid]) => [k, cpuSeconds(pid)])), machine: machineCpu() };
      const start = performance.now();
      let i = 0;
      while (i < total) {
        const due = Math.floor(((performance.now() - start) / 1000) * rate) + 1;
        while (i < Math.min(due, total)) sent.push(post(first + i++));
        await sleep(Math.max(1, Math.min(5, 1000 / rate)));
      }
      const elapsed = (performance.now() - start) / 1000;
      // CPU while sending (the drain after it would dilute it).
      const m1 = machineCpu();
      const cpu: Record<string, number> = { machineBusy: Math.round(((m1.busy - cpu0.machine.busy) / (m1.total - cpu0.machine.total)) * 100) / 100 };
      for (const [k, pid] of Object.entries(cpuPids)) cpu[k] = Math.round(((cpuSeconds(pid) - (cpu0.procs[k] ?? NaN)) / elapsed) * 100) / 100;
      const until = Date.now() + DRAIN_MS;
      while (
        Date.now() < until &&
        sent.some((s) => (s.alertAt === undefined || s.worklistAt === undefined) && s.status !== 0 && (s.status === undefined || s.status === 202))
      )
        await sleep(100);
      const rssPeakMb = rss.stop();
      const after = await scrape(stageUrls);
      const stages: PhaseResult['stages'] = {};
      for (const [key] of STAGE_HISTOGRAMS) {
        const count = after[key].count - before[key].count;
        stages[key] = { count, meanMs: count > 0 ? Math.round(((after[key].sum - before[key].sum) / count) * 10000) / 10 : NaN };
      }
      const delta = (k: string) => after[k].count - before[k].count;
      const statuses: Record<string, number> = {};
      for (const s of sent) {
        const k = s.status === undefined ? 'pending' : String(s.status);
        statuses[k] = (statuses[k] ?? 0) + 1;
      }
      const accepted = sent.filter((s) => s.status === 202);
      const lat = accepted.flatMap((s) => (s.alertAt === undefined ? [] : [s.alertAt - s.sentAt])).sort((a, b) => a - b);
      const postLat = accepted.map((s) => s.postMs ?? NaN).sort((a, b) => a - b);
      const after202 = accepted
        .flatMap((s) => (s.alertAt === undefined || s.postMs === undefined ? [] : [s.alertAt - s.sentAt - s.postMs]))
        .sort((a, b) => a - b);
      const traced = accepted.flatMap((s) =>
        s.alertAt !== undefined && s.checkInOnTopicAt !== undefined && s.alertOnTopicAt !== undefined
          ? [{ sent: s.sentAt, checkIn: s.checkInOnTopicAt, alert: s.alertOnTopicAt, sse: s.alertAt }]
          : [],
      );
      const stat = (xs: number[]) => {
        const sorted = [...xs].sort((a, b) => a - b);
        return { n: sorted.length, p50: Math.round(percentile(sorted, 50)), p99: Math.round(percentile(sorted, 99)) };
      };
      const split: PhaseResult['split'] = {
        ingest: stat(traced.map((t) => t.checkIn - t.sent)),
        scorer: stat(traced.map((t) => t.alert - t.checkIn)),
        care: stat(traced.map((t) => t.sse - t.alert)),
      };
      const worklist: PhaseResult['worklist'] = {
        scoredToStream: stat(
          accepted.flatMap((s) => (s.worklistAt !== undefined && s.scoredOnTopicAt !== undefined ? [s.worklistAt - s.scoredOnTopicAt] : [])),
        ),
        e2e: stat(accepted.flatMap((s) => (s.worklistAt !== undefined ? [s.worklistAt - s.sentAt] : []))),
        missing: accepted.filter((s) => s.worklistAt === undefined).length,
      };
      const result: PhaseResult = {
        phase: name,
        targetRate: rate,
        achievedRate: Math.round((sent.length / elapsed) * 10) / 10,
        seconds: Math.round(elapsed * 10) / 10,
        sent: sent.length,
        accepted: accepted.length,
        alerted: lat.length,
        missing: accepted.length - lat.length,
        postP50: Math.round(percentile(postLat, 50)),
        postP99: Math.round(percentile(postLat, 99)),
        e2eP50: Math.round(percentile(lat, 50)),
        e2eP90: Math.round(percentile(lat, 90)),
        e2eP99: Math.round(percentile(lat, 99)),
        e2eMax: lat.length ? lat[lat.length - 1] : NaN,
        after202P50: Math.round(percentile(after202, 50)),
        after202P99: Math.round(percentile(after202, 99)),
        raisedByScorer: delta('raised'),
        storedByCare: delta('stored'),
        statuses,
        stages,
        split,
        worklist,
        cpu,
        rssPeakMb,
      };
      return { result, next: first + total };
    }

    // Warm-up: one check-in per patient (scorer state, prepared statements, connections); not measured.
    const warm = await phase('warm-up', Math.min(50, RATE), PATIENTS / Math.min(50, RATE), 0);
    process.stdout.write(`warm-up: ${warm.result.alerted}/${warm.result.sent} alerted\n`);
    const baseline = await phase('baseline', BASE_RATE, BASE_SECONDS, warm.next);
    process.stdout.write(`baseline done (${baseline.result.alerted}/${baseline.result.sent})\n`);
    const steady = await phase('steady', RATE, SECONDS, baseline.next);
    sse.close();
    wl.close();
    await tap.stop().catch(() => undefined);

    const rows = [baseline.result, steady.result];
    const head = [
      'phase',
      'rate/s (target)',
      'sent',
      '202',
      'raised',
      'stored',
      'on SSE',
      'POST p50',
      'POST p99',
      'e2e p50',
      'e2e p90',
      'e2e p99',
      'e2e max',
      '202->SSE p50',
      '202->SSE p99',
    ];
    const line = (r: PhaseResult) =>
      [
        r.phase,
        `${r.achievedRate} (${r.targetRate})`,
        r.sent,
        r.accepted,
        r.raisedByScorer,
        r.storedByCare,
        r.alerted,
        `${r.postP50} ms`,
        `${r.postP99} ms`,
        `${r.e2eP50} ms`,
        `${r.e2eP90} ms`,
        `${r.e2eP99} ms`,
        `${r.e2eMax} ms`,
        `${r.after202P50} ms`,
        `${r.after202P99} ms`,
      ].map(String);
    const table = [head, ...rows.map(line)];
    const widths = head.map((_, c) => Math.max(...table.map((r) => r[c].length)));
    process.stdout.write(
      '\nPOST /v1/check-ins -> alert on an SSE client (ingest-api -> checkins.v1 -> risk-scorer -> alerts.v1 -> care-api -> Redis -> SSE)\n',
    );
    for (const r of table) process.stdout.write(`${r.map((v, c) => v.padEnd(widths[c])).join('  ')}\n`);
    for (const r of rows) {
      process.stdout.write(`${r.phase}: POST statuses ${JSON.stringify(r.statuses)}; server-side means: `);
      process.stdout.write(`${STAGE_HISTOGRAMS.map(([k, what]) => `${what}: ${r.stages[k].meanMs} ms (n=${r.stages[k].count})`).join('; ')}\n`);
    }
    process.stdout.write(
      'stages per check-in (tap on the topics; p50 / p99): ingest = POST start -> on checkins.v1; scorer = -> on alerts.v1; care-api = -> on the SSE client\n',
    );
    for (const r of rows) {
      const f = (k: keyof PhaseResult['split']) => `${r.split[k].p50} / ${r.split[k].p99} ms`;
      process.stdout.write(`  ${r.phase.padEnd(8)}  ingest ${f('ingest')}  scorer ${f('scorer')}  care-api ${f('care')}  (n=${r.split.ingest.n})\n`);
    }
    process.stdout.write(
      'worklist stream (p50 / p99): risk.scored on risk-scores.v1 -> worklist event, beside alert.raised on alerts.v1 -> alert event (care-api above); POST start -> worklist event\n',
    );
    for (const r of rows) {
      const w = r.worklist;
      process.stdout.write(
        `  ${r.phase.padEnd(8)}  scored->worklist ${w.scoredToStream.p50} / ${w.scoredToStream.p99} ms (n=${w.scoredToStream.n})  alert->alert ${r.split.care.p50} / ${r.split.care.p99} ms  POST->worklist ${w.e2e.p50} / ${w.e2e.p99} ms  missing ${w.missing}\n`,
      );
    }
    process.stdout.write("CPU while sending, in cores (machineBusy: busy share of all cores, other people's work included):\n");
    for (const r of rows)
      process.stdout.write(
        `  ${r.phase.padEnd(8)}  ${Object.entries(r.cpu)
          .map(([k, v]) => `${k} ${v}`)
          .join('  ')}\n`,
      );
    const hwmMb = Object.fromEntries(Object.entries(servicePids).map(([k, pid]) => [k, procStatusMb(pid, 'VmHWM')]));
    process.stdout.write('peak RSS (MB; sampled every 250 ms over the phase and its drain):\n');
    for (const r of rows)
      process.stdout.write(
        `  ${r.phase.padEnd(8)}  ${Object.entries(r.rssPeakMb)
          .map(([k, v]) => `${k} ${v}`)
          .join('  ')}\n`,
      );
    process.stdout.write(
      `  VmHWM     ${Object.entries(hwmMb)
        .map(([k, v]) => `${k} ${v}`)
        .join('  ')}  (the kernel's peak since start, start-up included)\n`,
    );
    // What the services complained about (their JSON logs carry ids and counts only): stalls show up here.
    for (const svc of [stack.ingest, stack.scorer, ...stack.cares]) {
      const msgs = new Map<string, number>();
      for (const l of svc.keptOutput.split('\n')) {
        try {
          const o = JSON.parse(l) as { level?: number | string; msg?: string };
          if (typeof o.level === 'number' ? o.level >= 40 : o.level === 'warn' || o.level === 'error')
            msgs.set(String(o.msg).slice(0, 80), (msgs.get(String(o.msg).slice(0, 80)) ?? 0) + 1);
        } catch {
          // not a JSON line
        }
      }
      if (msgs.size) process.stdout.write(`${svc.name} warnings/errors: ${JSON.stringify(Object.fromEntries(msgs))}\n`);
    }
    if (networkErrors.size) process.stdout.write(`client-side POST failures: ${JSON.stringify(Object.fromEntries(networkErrors))}\n`);
    process.stdout.write(
      'raised: alerts.v1 events the scorer published; stored: raised events care-api stored; on SSE: check-ins whose alert reached the client.\n',
    );
    // Every alert care-api stored must reach the client (that part is care-api's); latency target on the whole path.
    const pass = steady.result.alerted >= steady.result.storedByCare && steady.result.accepted === steady.result.sent && steady.result.e2eP99 < TARGET_P99_MS;
    const wlPass = steady.result.worklist.missing === 0 && steady.result.worklist.scoredToStream.p99 < TARGET_P99_MS;
    process.stdout.write(`${runtime}: target p99 < ${TARGET_P99_MS} ms at ${RATE}/s, nothing missing -> ${pass ? 'PASS' : 'FAIL'}\n`);
    process.stdout.write(
      `${runtime}: worklist target: risk.scored -> worklist stream p99 < ${TARGET_P99_MS} ms at ${RATE}/s, nothing missing -> ${wlPass ? 'PASS' : 'FAIL'}\n`,
    );
    return { runtime, node, rows, pass, hwmMb, worklistPass: wlPass };
  } finally {
    await stack.stop();
  }
}

/**
 * Node 20 beside Node 24 in the same run, the services started from the same source by /usr/bin/node.
 * A stack that cannot start there is reported with the reason (its output), not as a failed benchmark.
 */
async function runNode20(): Promise<RunResult | { runtime: string; skipped: string }> {
  const runtime = 'node20';
  if (!RUN_NODE20) return { runtime, skipped: 'BENCH_NODE20=0' };
  if (!existsSync(NODE20)) return { runtime, skipped: `no ${NODE20} on this machine` };
  try {
    return await runStack(runtime, NODE20);
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).replace(/\s+/g, ' ').slice(0, 600);
    process.stdout.write(`${runtime}: the services did not run on ${NODE20}: ${why}\n`);
    return { runtime, skipped: `the services did not run on ${NODE20}: ${why}` };
  }
}

async function main(): Promise<void> {
  const load0 = os.loadavg();
  const node24 = await runStack('node24', process.execPath);
  const node20 = await runNode20();
  const load1 = os.loadavg();
  const runs = [node24, ...('rows' in node20 ? [node20] : [])];
  const steadyOf = (r: RunResult): PhaseResult => r.rows[r.rows.length - 1] as PhaseResult; // [baseline, steady]

  process.stdout.write(`\nmemory per service at ${RATE} check-ins/s (peak RSS over the steady phase; VmHWM since start), target < ${TARGET_RSS_MB} MB\n`);
  const services = Object.keys(node24.hwmMb);
  const head = ['service', ...runs.flatMap((r) => [`${r.runtime} steady peak`, `${r.runtime} VmHWM`]), `< ${TARGET_RSS_MB} MB`];
  const rows = services.map((svc) => [
    svc,
    ...runs.flatMap((r) => [`${steadyOf(r).rssPeakMb[svc]} MB`, `${r.hwmMb[svc]} MB`]),
    runs.every((r) => (r.hwmMb[svc] ?? NaN) < TARGET_RSS_MB) ? 'yes' : 'NO',
  ]);
  const table = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...table.map((r) => String(r[c]).length)));
  for (const r of table) process.stdout.write(`${r.map((v, c) => v.padEnd(widths[c] ?? 0)).join('  ')}\n`);
  if (!('rows' in node20)) process.stdout.write(`node20: not measured (${node20.skipped})\n`);
  process.stdout.write(
    `latency at ${RATE}/s (e2e p50 / p99): ${runs.map((r) => `${r.runtime} (${r.node}) ${steadyOf(r).e2eP50} / ${steadyOf(r).e2eP99} ms`).join('; ')}\n`,
  );

  const memoryPass = runs.every((r) => Object.values(r.hwmMb).every((mb) => mb < TARGET_RSS_MB));
  const pass = node24.pass && memoryPass;
  process.stdout.write(
    `\ntarget: p99 < ${TARGET_P99_MS} ms at ${RATE}/s, nothing missing, every service < ${TARGET_RSS_MB} MB -> ${pass ? 'PASS' : 'FAIL'}\n` +
      `machine: ${os.cpus().length} cores, load average ${load0.map((l) => l.toFixed(1)).join(' ')} at start, ${load1.map((l) => l.toFixed(1)).join(' ')} at end\n`,
  );
  const out = path.join(REPO_ROOT, 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'e2e.json'),
    JSON.stringify(
      {
        benchmark: 'e2e: POST /v1/check-ins -> alert on SSE',
        at: new Date().toISOString(),
        settings: {
          rate: RATE,
          seconds: SECONDS,
          baselineRate: BASE_RATE,
          baselineSeconds: BASE_SECONDS,
          patients: PATIENTS,
          careInstances: CARE_INSTANCES,
          partitions: PARTITIONS,
        },
        target: { p99Ms: TARGET_P99_MS, rssMb: TARGET_RSS_MB, pass, latencyPass: node24.pass, memoryPass, worklistPass: node24.worklistPass },
        machine: { cores: os.cpus().length, model: os.cpus()[0]?.model, loadAverageStart: load0, loadAverageEnd: load1, node: process.version },
        // The Node 24 run's phases, as before; memory per service beside the Node 20 run's.
        results: node24.rows,
        memory: Object.fromEntries(runs.map((r) => [r.runtime, { node: r.node, steadyPeakRssMb: steadyOf(r).rssPeakMb, vmHwmMb: r.hwmMb }])),
        runs: { node24, node20 },
      },
      null,
      2,
    ),
  );
  process.stdout.write(`wrote bench/results/e2e.json\n`);
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    process.stderr.write(`e2e benchmark failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
