/**
 * The risk-scorer's per-patient state round trip: what it pays, per check-in batch of a patient,
 * to turn the state row into bytes for Cassandra and back (apps/risk-scorer README "State").
 *
 *   npm run bench scorer-state     (= node -r ./tools/register.js bench/scorer-state.bench.ts [--patients 400] [--days 60] [--runs 7])
 *
 * Builds realistic states: a seeded cohort's check-ins (daily, with weight for heart failure, SpO2
 * and respiration for COPD, glucose, questionnaires) scored through the engine, plus the scorer's
 * 200 recent check-in ids. Then, interleaved per run, it round-trips every patient's row:
 *   - baseline: JSON, as the scorer stored it before migration 0007 (JSON.stringify / JSON.parse of
 *     the engine state, and of the ids list);
 *   - packed: libs/scoring encodeStateRow / decodeStateRow (the `state_packed` blob).
 * Both the engine state alone and the whole row are measured. Rates are per second of this
 * process's CPU time; the median of the runs. Prints a table, writes bench/results/scorer-state.json.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { deepStrictEqual } from 'node:assert';
import { initialState, scoreCheckIn, type Condition, type EngineCheckIn, type ModelVersion, type PatientProfile, type PatientState } from '@vigil/risk-engine';
import { decodeStateRow, encodeStateRow } from '@vigil/scoring';
import { rng } from '../apps/replay/src/test/fixtures';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}

const PATIENTS = arg('patients', 400);
const DAYS = arg('days', 60);
const RUNS = arg('runs', 7);
const RECENT_IDS = 200;
const MODEL: ModelVersion = 'v1';
const T0 = Date.UTC(2026, 0, 1, 8, 0);

const rnd = rng(20261207);
const round1 = (x: number) => Math.round(x * 10) / 10;

interface Row {
  state: PatientState;
  recentCheckIns: string[];
}

function cohort(): Row[] {
  const conditions: Condition[][] = [['heart-failure'], ['copd'], ['diabetes'], ['depression'], ['heart-failure', 'diabetes']];
  const rows: Row[] = [];
  for (let p = 0; p < PATIENTS; p++) {
    const cond = conditions[p % conditions.length];
    const profile: PatientProfile = {
      patientId: `p-${p}`,
      tenantId: 'org-bench',
      careTeamId: 'team-1',
      conditions: cond,
      news2SpO2Scale: cond.includes('copd') && rnd() < 0.5 ? 2 : 1,
      dryWeightKg: cond.includes('heart-failure') ? round1(60 + rnd() * 50) : undefined,
      expectedCheckInIntervalHours: 48,
    };
    let state = initialState(profile);
    const ids: string[] = [];
    const weight = 60 + rnd() * 50;
    for (let d = 0; d < DAYS; d++) {
      if (rnd() < 0.1) continue; // a missed day
      const at = T0 + d * 86_400_000 + Math.floor(rnd() * 3_600_000);
      const ci: EngineCheckIn = {
        checkInId: randomUUID(),
        patientId: profile.patientId,
        tenantId: profile.tenantId,
        recordedAt: new Date(at).toISOString(),
        vitals: {
          heartRate: Math.round(60 + rnd() * 40),
          systolicBp: Math.round(105 + rnd() * 40),
          spo2: Math.round(cond.includes('copd') ? 88 + rnd() * 8 : 94 + rnd() * 5),
          respiratoryRate: Math.round(12 + rnd() * 8),
          temperatureC: round1(36.2 + rnd() * 1.2),
          ...(cond.includes('heart-failure') ? { weightKg: round1(weight + (rnd() - 0.5) * 1.5) } : {}),
          ...(cond.includes('diabetes') ? { glucoseMgDl: Math.round(80 + rnd() * 150) } : {}),
          ...(cond.includes('copd') ? { onSupplementalOxygen: rnd() < 0.3 } : {}),
        },
        ...(cond.includes('depression') && d % 7 === 0
          ? { questionnaires: [{ instrument: 'PHQ-9' as const, answers: Array.from({ length: 9 }, () => Math.floor(rnd() * 3)) }] }
          : {}),
        ...(cond.includes('copd') && d % 7 === 0
          ? { questionnaires: [{ instrument: 'CAT' as const, answers: Array.from({ length: 8 }, () => Math.floor(rnd() * 4)) }] }
          : {}),
        mood: 1 + Math.floor(rnd() * 5),
      };
      state = scoreCheckIn(MODEL, profile, state, ci).state;
      ids.push(ci.checkInId);
    }
    while (ids.length < RECENT_IDS) ids.unshift(randomUUID());
    rows.push({ state, recentCheckIns: ids.slice(-RECENT_IDS) });
  }
  return rows;
}

interface Case {
  name: string;
  /** One round trip of every row; returns bytes written. */
  run(rows: readonly Row[]): number;
}

let sink = 0;
const cases: Case[] = [
  {
    name: 'baseline: engine state, JSON',
    run: (rows) => {
      let bytes = 0;
      for (const r of rows) {
        const text = JSON.stringify(r.state);
        bytes += Buffer.byteLength(text);
        sink += (JSON.parse(text) as PatientState).history.series.heartRate.t.length;
      }
      return bytes;
    },
  },
  {
    name: 'packed: engine state',
    run: (rows) => {
      let bytes = 0;
      for (const r of rows) {
        const buf = encodeStateRow({ state: r.state, recentCheckIns: [] });
        bytes += buf.length;
        sink += decodeStateRow<PatientState>(buf).state.history.series.heartRate.t.length;
      }
      return bytes;
    },
  },
  {
    name: 'baseline: state row (state + 200 ids), JSON',
    run: (rows) => {
      let bytes = 0;
      for (const r of rows) {
        const text = JSON.stringify(r.state);
        const ids = JSON.stringify(r.recentCheckIns);
        bytes += Buffer.byteLength(text) + Buffer.byteLength(ids);
        sink += (JSON.parse(text) as PatientState).history.series.heartRate.t.length + (JSON.parse(ids) as string[]).length;
      }
      return bytes;
    },
  },
  {
    name: 'packed: state row (state + 200 ids)',
    run: (rows) => {
      let bytes = 0;
      for (const r of rows) {
        const buf = encodeStateRow(r);
        bytes += buf.length;
        const back = decodeStateRow<PatientState>(buf);
        sink += back.state.history.series.heartRate.t.length + back.recentCheckIns.length;
      }
      return bytes;
    },
  },
];

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function cpuMs(fn: () => void): number {
  const a = process.cpuUsage();
  fn();
  const b = process.cpuUsage(a);
  return (b.user + b.system) / 1000;
}

function main(): void {
  const rows = cohort();
  // Exactness first: the packed round trip gives what the JSON round trip gives.
  for (const r of rows) deepStrictEqual(decodeStateRow(encodeStateRow(r)), JSON.parse(JSON.stringify(r)));
  // Each case repeats the cohort enough times for a measurable run.
  const reps = Math.max(1, Math.ceil(4000 / rows.length));
  for (const c of cases) c.run(rows); // warm-up (JIT)
  const samples = cases.map(() => [] as number[]);
  const sizes = cases.map(() => 0);
  for (let r = 0; r < RUNS; r++) {
    cases.forEach((c, i) => {
      let bytes = 0;
      const ms = cpuMs(() => {
        for (let k = 0; k < reps; k++) bytes = c.run(rows);
      });
      samples[i].push((rows.length * reps) / (ms / 1000));
      sizes[i] = Math.round(bytes / rows.length);
    });
  }
  const results = cases.map((c, i) => ({
    name: c.name,
    medianRoundTripsPerSec: Math.round(median(samples[i])),
    minRoundTripsPerSec: Math.round(Math.min(...samples[i])),
    maxRoundTripsPerSec: Math.round(Math.max(...samples[i])),
    microsPerRoundTrip: Number((1e6 / median(samples[i])).toFixed(2)),
    meanBytesPerPatient: sizes[i],
    timesBaseline: null as number | null,
  }));
  for (let i = 0; i < results.length; i += 2) {
    const base = results[i];
    for (const r of [results[i], results[i + 1]]) r.timesBaseline = Number((r.medianRoundTripsPerSec / base.medianRoundTripsPerSec).toFixed(2));
  }
  const pad = (s: string, n: number) => (s.length >= n ? s : s + ' '.repeat(n - s.length));
  const lpad = (s: string, n: number) => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
  console.log(
    `scorer state round trip: ${rows.length} patients, ${DAYS} days of check-ins each (${MODEL}), ${reps} passes per run, median of ${RUNS} runs (node ${process.version}, load average ${loadavg()[0].toFixed(1)})`,
  );
  console.log(`${pad('case', 46)} ${lpad('round trips/s', 14)} ${lpad('µs each', 9)} ${lpad('bytes', 7)} ${lpad('x baseline', 11)}`);
  for (const r of results) {
    console.log(
      `${pad(r.name, 46)} ${lpad(r.medianRoundTripsPerSec.toLocaleString('en-US'), 14)} ${lpad(r.microsPerRoundTrip.toFixed(2), 9)} ${lpad(String(r.meanBytesPerPatient), 7)} ${lpad(String(r.timesBaseline), 11)}`,
    );
  }
  const met = (results[1].timesBaseline ?? 0) >= 2;
  console.log(`target (the engine state's round trip at least 2x its JSON one): ${met ? 'met' : 'NOT met'}`);
  console.log('(the whole row gains less: 200 check-in ids cost about as much as strings in any encoding)');
  const out = {
    benchmark: 'scorer-state',
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? null,
    loadAverage: loadavg(),
    params: { patients: rows.length, days: DAYS, runs: RUNS, passesPerRun: reps, model: MODEL, recentIds: RECENT_IDS },
    results,
    sink: sink > 0,
  };
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'scorer-state.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${join(dir, 'scorer-state.json')}`);
}

main();
