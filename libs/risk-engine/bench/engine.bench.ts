/**
 * Risk engine benchmark: check-ins scored per second on one core.
 *
 *   node -r ./tools/register.js libs/risk-engine/bench/engine.bench.ts [--patients 500] [--days 60] [--runs 5] [--only v1]
 *
 * Generates a deterministic synthetic cohort (seeded PRNG; conditions, offline batches arriving
 * late and out of order, deteriorations), then, per run, scores every check-in in arrival order,
 * threading each patient's state. Reports the median of the runs for static-v0 and v1, beside a
 * floor measured in the same process (JSON.parse + JSON.stringify of the same check-ins) and v1
 * including a JSON round trip of the state (what a scorer persisting state pays on top).
 * Prints a table and writes libs/risk-engine/bench/results/engine.json.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Condition, EngineCheckIn, EngineQuestionnaire, ModelVersion, PatientProfile, PatientState, initialState, scoreCheckIn } from '../src';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? Number(process.argv[i + 1]) : fallback;
}

const PATIENTS = arg('patients', 500);
const DAYS = arg('days', 60);
const RUNS = arg('runs', 5);
const SEED = 20250301;

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const rnd = prng(SEED);
const uniform = (lo: number, hi: number): number => lo + (hi - lo) * rnd();
const chance = (p: number): boolean => rnd() < p;
const normal = (mean: number, sd: number): number => {
  const u = Math.max(rnd(), 1e-12);
  return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rnd());
};
const int = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, Math.round(x)));
const hex = (n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) s += Math.floor(rnd() * 16).toString(16);
  return s;
};
const uuid = (): string => `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;

interface Arrival {
  arrivesAt: number;
  checkIn: EngineCheckIn;
}

function answers(n: number, max: number, level: number): number[] {
  return Array.from({ length: n }, () => int(normal(level, 0.8), 0, max));
}

function generate(): { profiles: Map<string, PatientProfile>; arrivals: Arrival[] } {
  const profiles = new Map<string, PatientProfile>();
  const arrivals: Arrival[] = [];
  const start = Date.UTC(2025, 0, 1, 7, 0, 0);
  for (let p = 0; p < PATIENTS; p++) {
    const patientId = `patient-${String(p).padStart(5, '0')}`;
    const tenantId = `tenant-${p % 4}`;
    const conditions: Condition[] = [];
    if (chance(0.4)) conditions.push('heart-failure');
    if (chance(0.3)) conditions.push('copd');
    if (chance(0.3)) conditions.push('diabetes');
    if (chance(0.2) || conditions.length === 0) conditions.push('depression');
    const hf = conditions.includes('heart-failure');
    const copd = conditions.includes('copd');
    const diabetes = conditions.includes('diabetes');
    const depression = conditions.includes('depression');
    const scale2 = copd && chance(0.5);
    const dry = uniform(55, 110);
    profiles.set(patientId, {
      patientId,
      tenantId,
      careTeamId: `team-${p % 25}`,
      conditions,
      dryWeightKg: hf ? Math.round(dry * 10) / 10 : undefined,
      news2SpO2Scale: scale2 ? 2 : 1,
      expectedCheckInIntervalHours: 48,
    });
    // The patient's own normals.
    const spo2 = scale2 ? uniform(87, 91) : copd ? uniform(91, 95) : uniform(95, 99);
    const hr = uniform(58, 92);
    const sbp = hf ? uniform(95, 135) : uniform(110, 150);
    const rr = uniform(13, copd ? 22 : 18);
    const onLtot = copd && chance(0.25);
    const perDay = chance(0.15) ? 2 : 1;
    const tz = [0, 60, -300, 330][p % 4];
    const offset = `${tz < 0 ? '-' : '+'}${String(Math.floor(Math.abs(tz) / 60)).padStart(2, '0')}:${String(Math.abs(tz) % 60).padStart(2, '0')}`;
    // One deterioration episode for a third of patients.
    const episodeDay = chance(0.33) ? Math.floor(uniform(10, DAYS - 5)) : -1;
    let weight = hf ? dry + uniform(-0.5, 1.5) : uniform(50, 110);
    let offlineUntil = -1;
    for (let d = 0; d < DAYS; d++) {
      if (chance(0.06)) continue; // a missed day
      if (offlineUntil < d && chance(0.02)) offlineUntil = d + Math.floor(uniform(1, 4));
      const sick = episodeDay >= 0 && d >= episodeDay && d < episodeDay + 4 ? d - episodeDay + 1 : 0;
      for (let k = 0; k < perDay; k++) {
        const deviceTime = start + d * 86_400_000 + k * 11 * 3_600_000 + Math.floor(uniform(-90, 90)) * 60_000;
        if (hf) weight += normal(sick > 0 ? 0.6 : 0, 0.25) - (weight - dry - 0.5) * 0.05;
        const ci: EngineCheckIn = {
          checkInId: uuid(),
          patientId,
          tenantId,
          recordedAt: new Date(deviceTime - tz * 60_000).toISOString().replace('Z', '').slice(0, 19) + offset,
        };
        const vitals: NonNullable<EngineCheckIn['vitals']> = {};
        if (hf || chance(0.3)) vitals.weightKg = Math.round(weight * 10) / 10;
        if (chance(0.8)) {
          vitals.systolicBp = int(normal(sbp - sick * 4, 8), 60, 220);
          vitals.diastolicBp = int(vitals.systolicBp * 0.62, 40, 120);
          vitals.heartRate = int(normal(hr + sick * 8, 5), 35, 180);
        }
        if (copd || hf ? chance(0.9) : chance(0.5)) {
          vitals.spo2 = int(normal(spo2 - sick * 1.8 + (onLtot ? 1 : 0), 1.1), 70, 100);
          vitals.onSupplementalOxygen = onLtot;
        }
        if (chance(0.4)) vitals.respiratoryRate = int(normal(rr + sick * 2, 1.5), 6, 40);
        if (chance(0.2)) vitals.temperatureC = Math.round(normal(36.8 + (sick > 2 ? 1 : 0), 0.3) * 10) / 10;
        if (chance(0.1)) vitals.consciousness = sick > 3 && chance(0.3) ? 'C' : 'A';
        if (diabetes && chance(0.9)) vitals.glucoseMgDl = int(normal(150, 45), 40, 500);
        ci.vitals = vitals;
        if (chance(0.7)) {
          ci.symptoms = {
            breathlessness: int(normal(1 + sick * 0.6, 0.8), 0, 4),
            swelling: int(normal(hf ? 1 + sick * 0.5 : 0.3, 0.7), 0, 4),
            fatigue: int(normal(1.5, 0.9), 0, 4),
            dizziness: int(normal(0.4, 0.6), 0, 4),
            chestPain: chance(0.01 + sick * 0.02),
            pain: int(normal(2, 2), 0, 10),
          };
        }
        const qs: EngineQuestionnaire[] = [];
        if (depression && d % 7 === 0 && k === 0) {
          const phq = answers(9, 3, 1 + sick * 0.3);
          phq[8] = chance(0.04) ? 1 : 0; // item 9 is positive in a few per cent of answers
          qs.push({ instrument: 'PHQ-9', answers: phq });
        }
        if (depression && d % 14 === 3 && k === 0) qs.push({ instrument: 'GAD-7', answers: answers(7, 3, 1) });
        if (copd && d % 7 === 2 && k === 0) qs.push({ instrument: 'CAT', answers: answers(8, 5, 2 + sick * 0.4) });
        if (qs.length > 0) ci.questionnaires = qs;
        if (chance(0.8)) ci.medication = { adherence: chance(0.85) ? 'all' : chance(0.7) ? 'some' : 'none' };
        if (chance(0.6)) ci.mood = int(normal(3.5, 1), 1, 5);
        const arrivesAt = d <= offlineUntil ? start + (offlineUntil + 1) * 86_400_000 + 3_600_000 + k : deviceTime + Math.floor(uniform(1, 60)) * 1000;
        arrivals.push({ arrivesAt, checkIn: ci });
      }
    }
  }
  // Arrival order; ties keep generation order (Array.prototype.sort is stable).
  arrivals.sort((a, b) => a.arrivesAt - b.arrivesAt);
  return { profiles, arrivals };
}

interface RunOutcome {
  /** CPU time of this process (user + system) during the run: robust to other processes on the host. */
  ms: number;
  wallMs: number;
  alerts: number;
  late: number;
  levels: Record<string, number>;
  stateBytes: number;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

function runEngine(model: ModelVersion, profiles: Map<string, PatientProfile>, checkIns: readonly EngineCheckIn[], roundTripState: boolean): RunOutcome {
  const states = new Map<string, PatientState>();
  let alerts = 0;
  let late = 0;
  const levels: Record<string, number> = { none: 0, low: 0, medium: 0, high: 0, critical: 0 };
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const ci of checkIns) {
    const profile = profiles.get(ci.patientId) as PatientProfile;
    const prior = states.get(ci.patientId) ?? initialState(profile);
    const r = scoreCheckIn(model, profile, prior, ci);
    states.set(ci.patientId, roundTripState ? (JSON.parse(JSON.stringify(r.state)) as PatientState) : r.state);
    alerts += r.alerts.length;
    if (r.score.late) late++;
    levels[r.score.level]++;
  }
  const wallMs = performance.now() - t0;
  const ms = cpuMs(c0);
  let stateBytes = 0;
  for (const s of states.values()) stateBytes += JSON.stringify(s).length;
  return { ms, wallMs, alerts, late, levels, stateBytes: Math.round(stateBytes / states.size) };
}

function runFloor(checkIns: readonly EngineCheckIn[]): RunOutcome {
  let sink = 0;
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const ci of checkIns) sink += (JSON.parse(JSON.stringify(ci)) as EngineCheckIn).checkInId.length;
  const wallMs = performance.now() - t0;
  const ms = cpuMs(c0);
  if (sink < 0) console.log(sink);
  return { ms, wallMs, alerts: 0, late: 0, levels: {}, stateBytes: 0 };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

function main(): void {
  const tGen = performance.now();
  const { profiles, arrivals } = generate();
  const checkIns = arrivals.map((a) => a.checkIn);
  const genMs = performance.now() - tGen;
  const patientDays = PATIENTS * DAYS;
  const cases: { name: string; run: () => RunOutcome }[] = [
    { name: 'floor: JSON.parse(JSON.stringify(checkIn))', run: () => runFloor(checkIns) },
    { name: 'static-v0', run: () => runEngine('static-v0', profiles, checkIns, false) },
    { name: 'v1', run: () => runEngine('v1', profiles, checkIns, false) },
    { name: 'v1 + state JSON round trip', run: () => runEngine('v1', profiles, checkIns, true) },
    { name: 'v2', run: () => runEngine('v2', profiles, checkIns, false) },
    { name: 'v2 + state JSON round trip', run: () => runEngine('v2', profiles, checkIns, true) },
  ];
  const only = process.argv.indexOf('--only');
  if (only >= 0) {
    const keep = process.argv[only + 1];
    for (let i = cases.length - 1; i >= 0; i--) if (cases[i].name !== keep) cases.splice(i, 1);
  }
  // Warm up every case once (JIT), then measure RUNS rounds, interleaved so drift hits all alike.
  for (const c of cases) c.run();
  const samples = cases.map(() => [] as RunOutcome[]);
  for (let r = 0; r < RUNS; r++) cases.forEach((c, i) => samples[i].push(c.run()));

  const rows = cases.map((c, i) => {
    const perSec = samples[i].map((s) => checkIns.length / (s.ms / 1000));
    const wallPerSec = samples[i].map((s) => checkIns.length / (s.wallMs / 1000));
    const last = samples[i][samples[i].length - 1];
    return {
      name: c.name,
      medianCheckInsPerSec: Math.round(median(perSec)),
      minCheckInsPerSec: Math.round(Math.min(...perSec)),
      maxCheckInsPerSec: Math.round(Math.max(...perSec)),
      medianMicrosPerCheckIn: Number(((1e6 * median(samples[i].map((s) => s.ms / 1000))) / checkIns.length).toFixed(2)),
      runsCheckInsPerSec: perSec.map((x) => Math.round(x)),
      timesFloor: null as number | null,
      medianWallCheckInsPerSec: Math.round(median(wallPerSec)),
      alerts: last.alerts,
      alertsPer100PatientDays: Number(((100 * last.alerts) / patientDays).toFixed(2)),
      lateCheckIns: last.late,
      levels: last.levels,
      meanStateBytes: last.stateBytes,
    };
  });

  const floorRow = rows.find((r) => r.name.startsWith('floor'));
  if (floorRow) for (const r of rows) r.timesFloor = Number((r.medianMicrosPerCheckIn / floorRow.medianMicrosPerCheckIn).toFixed(2));
  const pad = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
  const lpad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
  console.log(
    `risk-engine benchmark: ${checkIns.length} check-ins, ${PATIENTS} patients, ${DAYS} days, median of ${RUNS} runs (node ${process.version}, ${cpus()[0]?.model ?? 'cpu'}, load average ${loadavg()[0].toFixed(1)})`,
  );
  console.log(`cohort generated in ${genMs.toFixed(0)} ms; rates are per second of this process's CPU time (wall-clock rates in the JSON)`);
  const floorMicros = rows[0].name.startsWith('floor') ? rows[0].medianMicrosPerCheckIn : NaN;
  console.log(
    `${pad('case', 44)} ${lpad('check-ins/s', 12)} ${lpad('best run', 10)} ${lpad('µs/check-in', 12)} ${lpad('x floor', 8)} ${lpad('alerts/100pd', 13)} ${lpad('state bytes', 12)}`,
  );
  for (const r of rows) {
    const isFloor = r.name.startsWith('floor');
    const ratio = Number.isNaN(floorMicros) ? '-' : (r.medianMicrosPerCheckIn / floorMicros).toFixed(2);
    console.log(
      `${pad(r.name, 44)} ${lpad(r.medianCheckInsPerSec.toLocaleString('en-US'), 12)} ${lpad(r.maxCheckInsPerSec.toLocaleString('en-US'), 10)} ${lpad(r.medianMicrosPerCheckIn.toFixed(2), 12)} ${lpad(ratio, 8)} ${lpad(isFloor ? '-' : r.alertsPer100PatientDays.toFixed(2), 13)} ${lpad(isFloor ? '-' : String(r.meanStateBytes), 12)}`,
    );
  }
  const v1 = rows.find((r) => r.name === 'v1');
  const target = 50_000;
  console.log(`target v1 >= ${target.toLocaleString('en-US')} check-ins/s: ${v1 && v1.medianCheckInsPerSec >= target ? 'met' : 'NOT met'}`);

  const out = {
    benchmark: 'risk-engine',
    measuredAt: new Date().toISOString(),
    node: process.version,
    cpu: cpus()[0]?.model ?? null,
    params: { patients: PATIENTS, days: DAYS, runs: RUNS, seed: SEED, checkIns: checkIns.length, patientDays },
    targetCheckInsPerSecV1: target,
    loadAverage: loadavg(),
    results: rows,
  };
  const dir = join(__dirname, 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'engine.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`wrote ${join(dir, 'engine.json')}`);
}

main();
