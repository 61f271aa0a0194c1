/**
 * A cohort: patients, their labelled episodes and their check-ins, as NDJSON lines in a stable
 * order (header; then per patient: the patient, its episodes by onset, its check-ins by device
 * time). Generation is pure: the same options give the same bytes.
 */
import { createReadStream, createWriteStream } from 'fs';
import { createInterface } from 'readline';
import { createGunzip, createGzip } from 'zlib';
import { once } from 'events';
import { CheckIn, validateCheckIn } from '@vigil/contracts';
import { EpisodeType, SimParams } from './params';
import { EnrolProfile, Episode, EpisodeSigns, PatientSim, Traits, isoSeconds } from './patient';

export const COHORT_FORMAT = 'vigil-simulator-cohort/1';

export interface CohortHeader {
  kind: 'cohort';
  format: typeof COHORT_FORMAT;
  seed: string;
  preset: string;
  patients: number;
  days: number;
  /** First day, YYYY-MM-DD (UTC). */
  start: string;
  org: string;
  teams: string[];
}

export interface PatientLine {
  kind: 'patient';
  patientId: string;
  profile: EnrolProfile;
  traits: Traits;
}

export interface EpisodeLine {
  kind: 'episode';
  patientId: string;
  type: EpisodeType;
  /** Onset, peak and end of recovery: the patient's habitual check-in time on those days (ISO, UTC). */
  start: string;
  peak: string;
  end: string;
  /** The peak falls beyond the cohort's last day: not scored, and alerts in its window are not false. */
  censored: boolean;
  signs: EpisodeSigns;
}

export interface CheckInLine {
  kind: 'checkin';
  patientId: string;
  /** When the phone sends it: seconds after recordedAt, or days later after an offline spell. */
  sentAt: string;
  checkIn: CheckIn;
}

export type CohortLine = CohortHeader | PatientLine | EpisodeLine | CheckInLine;

export interface CohortOptions {
  seed: string | number;
  params: SimParams;
  patients: number;
  days: number;
  start: string;
  org: string;
  teams: string[];
}

export interface CohortPatient {
  profile: EnrolProfile;
  traits: Traits;
  episodes: EpisodeLine[];
  checkIns: CheckInLine[];
}

export interface Cohort {
  header: CohortHeader;
  patients: CohortPatient[];
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function startMsOf(start: string): number {
  const ms = Date.parse(`${start}T00:00:00Z`);
  if (!DATE.test(start) || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== start)
    throw new Error(`start must be a date YYYY-MM-DD, got ${start}`);
  return ms;
}

export function patientIdOf(seed: string | number, index: number): string {
  return `sim-${String(seed).replace(/[^A-Za-z0-9]/g, '')}-${String(index + 1).padStart(4, '0')}`;
}

/** The simulator of patient `index`: identity from (seed, preset, index); days also from the start date. */
export function patientSim(o: CohortOptions, index: number, horizonDays: number | null): { sim: PatientSim; profile: EnrolProfile } {
  const base = `vigil-sim|${o.seed}|${o.params.name}|${index}`;
  const startMs = startMsOf(o.start);
  const sim = new PatientSim({ params: o.params, traitsKey: `${base}|traits`, daysKey: `${base}|${o.start}`, startMs, horizonDays });
  const t = sim.traits;
  const profile: EnrolProfile = {
    patientId: patientIdOf(o.seed, index),
    tenantId: o.org,
    careTeamId: o.teams[index % o.teams.length],
    conditions: t.conditions,
    ...(t.dryWeightKg !== undefined ? { dryWeightKg: t.dryWeightKg } : {}),
    news2SpO2Scale: t.news2SpO2Scale,
    expectedCheckInIntervalHours: 48,
  };
  return { sim, profile };
}

export function episodeLine(sim: PatientSim, patientId: string, ep: Episode): EpisodeLine {
  return {
    kind: 'episode',
    patientId,
    type: ep.type,
    start: isoSeconds(sim.habitualMs(ep.startDay)),
    peak: isoSeconds(sim.habitualMs(ep.peakDay)),
    end: isoSeconds(sim.habitualMs(ep.endDay)),
    censored: sim.censored(ep),
    signs: ep.signs,
  };
}

/** Every generated check-in must pass the contract (without the time window): anything else is a simulator bug. */
export function assertValid(checkIn: CheckIn, where: string): void {
  const v = validateCheckIn(checkIn);
  if (!v.ok) throw new Error(`simulator produced an invalid check-in (${where}): ${v.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`);
}

/** Runs `days` more days of a patient; returns its check-in lines in device-time order. */
export function simulateDays(sim: PatientSim, profile: EnrolProfile, days: number): CheckInLine[] {
  const lines: CheckInLine[] = [];
  for (let k = 0; k < days; k++) {
    const out = sim.step();
    if (out.checkIn === undefined) continue;
    assertValid(out.checkIn, `${profile.patientId} day ${out.day}`);
    lines.push({ kind: 'checkin', patientId: profile.patientId, sentAt: isoSeconds(out.sentAtMs as number), checkIn: out.checkIn });
  }
  lines.sort((a, b) => Date.parse(a.checkIn.recordedAt) - Date.parse(b.checkIn.recordedAt) || (a.checkIn.checkInId < b.checkIn.checkInId ? -1 : 1));
  return lines;
}

export function generatePatient(o: CohortOptions, index: number): CohortPatient {
  const { sim, profile } = patientSim(o, index, o.days);
  const checkIns = simulateDays(sim, profile, o.days);
  const episodes = sim.episodes.filter((e) => e.startDay < o.days).map((e) => episodeLine(sim, profile.patientId, e));
  return { profile, traits: sim.traits, episodes, checkIns };
}

export function checkOptions(o: CohortOptions): void {
  if (!Number.isInteger(o.patients) || o.patients < 1 || o.patients > 100_000) throw new Error('patients must be an integer from 1 to 100000');
  if (!Number.isInteger(o.days) || o.days < 1 || o.days > 3650) throw new Error('days must be an integer from 1 to 3650');
  startMsOf(o.start);
  if (o.teams.length === 0) throw new Error('at least one team');
}

export function headerOf(o: CohortOptions): CohortHeader {
  return {
    kind: 'cohort',
    format: COHORT_FORMAT,
    seed: String(o.seed),
    preset: o.params.name,
    patients: o.patients,
    days: o.days,
    start: o.start,
    org: o.org,
    teams: [...o.teams],
  };
}

/** The cohort's lines, one patient at a time (memory stays bounded by one patient). */
export function* cohortLines(o: CohortOptions): Generator<CohortLine> {
  checkOptions(o);
  yield headerOf(o);
  for (let i = 0; i < o.patients; i++) {
    const p = generatePatient(o, i);
    yield { kind: 'patient', patientId: p.profile.patientId, profile: p.profile, traits: p.traits };
    for (const e of p.episodes) yield e;
    for (const c of p.checkIns) yield c;
  }
}

export function generateCohort(o: CohortOptions): Cohort {
  checkOptions(o);
  const patients: CohortPatient[] = [];
  for (let i = 0; i < o.patients; i++) patients.push(generatePatient(o, i));
  return { header: headerOf(o), patients };
}

export function cohortToNdjson(o: CohortOptions): string {
  let s = '';
  for (const line of cohortLines(o)) s += `${JSON.stringify(line)}\n`;
  return s;
}

/** Writes the cohort as NDJSON (gzip when the path ends in .gz). Resolves to the number of lines. */
export async function writeCohortFile(o: CohortOptions, path: string): Promise<{ lines: number; checkIns: number; episodes: number }> {
  checkOptions(o);
  const file = createWriteStream(path);
  const gz = path.endsWith('.gz') ? createGzip() : null;
  if (gz) gz.pipe(file);
  const sink = gz ?? file;
  let lines = 0;
  let checkIns = 0;
  let episodes = 0;
  for (const line of cohortLines(o)) {
    lines++;
    if (line.kind === 'checkin') checkIns++;
    if (line.kind === 'episode') episodes++;
    if (!sink.write(`${JSON.stringify(line)}\n`)) await once(sink, 'drain');
  }
  sink.end();
  await once(file, 'close');
  return { lines, checkIns, episodes };
}

/** Reads lines into a Cohort; checks the format and that every line belongs to a known patient. */
export function parseCohortLines(lines: Iterable<string>): Cohort {
  let header: CohortHeader | null = null;
  const patients: CohortPatient[] = [];
  const byId = new Map<string, CohortPatient>();
  let n = 0;
  for (const raw of lines) {
    n++;
    if (raw.trim() === '') continue;
    let line: CohortLine;
    try {
      line = JSON.parse(raw) as CohortLine;
    } catch {
      throw new Error(`line ${n}: not JSON`);
    }
    if (line.kind === 'cohort') {
      if (line.format !== COHORT_FORMAT) throw new Error(`line ${n}: unknown format ${String(line.format)}`);
      header = line;
    } else if (line.kind === 'patient') {
      const p: CohortPatient = { profile: line.profile, traits: line.traits, episodes: [], checkIns: [] };
      patients.push(p);
      byId.set(line.patientId, p);
    } else if (line.kind === 'episode' || line.kind === 'checkin') {
      const p = byId.get(line.patientId);
      if (!p) throw new Error(`line ${n}: ${line.kind} of unknown patient ${line.patientId}`);
      if (line.kind === 'episode') p.episodes.push(line);
      else p.checkIns.push(line);
    } else {
      throw new Error(`line ${n}: unknown kind ${String((line as { kind?: unknown }).kind)}`);
    }
  }
  if (header === null) throw new Error('no cohort header line');
  return { header, patients };
}

export async function readCohortFile(path: string): Promise<Cohort> {
  const input = createReadStream(path);
  const stream = path.endsWith('.gz') ? input.pipe(createGunzip()) : input;
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  const lines: string[] = [];
  for await (const l of rl) lines.push(l);
  return parseCohortLines(lines);
}
