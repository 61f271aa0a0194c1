/**
 * The feed: a cohort anchored to today (its history ends yesterday, inside ingest's 30-day window),
 * enrolled through care-api and posted to ingest-api; optionally then live, in compressed time:
 * every `interval` each patient sends its next simulated day, stamped with the device time "now".
 */
import type { CheckIn } from '@vigil/contracts';
import { CheckInLine, CohortOptions, assertValid, patientSim, simulateDays } from './cohort';
import { Feeder, Upload } from './feed';
import { SimParams } from './params';
import { DAY_MS, EnrolProfile, PatientSim } from './patient';

/** Ingest refuses device times older than 30 days; the history stays a day inside that. */
export const MAX_HISTORY_DAYS = 29;

export interface FeedPlan {
  seed: string;
  params: SimParams;
  patients: number;
  /** Days of history before today (0 to 29). */
  days: number;
  org: string;
  teams: string[];
  nowMs: number;
}

export interface PlannedPatient {
  sim: PatientSim;
  profile: EnrolProfile;
  history: CheckInLine[];
}

export function feedStart(nowMs: number, days: number): string {
  if (!Number.isInteger(days) || days < 0 || days > MAX_HISTORY_DAYS)
    throw new Error(`days must be an integer from 0 to ${MAX_HISTORY_DAYS} (ingest refuses check-ins older than 30 days)`);
  const today = Math.floor(nowMs / DAY_MS) * DAY_MS;
  return new Date(today - days * DAY_MS).toISOString().slice(0, 10);
}

/** The patients and their history up to yesterday; the simulators stay ready for live days. */
export function planFeed(p: FeedPlan): PlannedPatient[] {
  const o: CohortOptions = {
    seed: p.seed,
    params: p.params,
    patients: p.patients,
    days: p.days,
    start: feedStart(p.nowMs, p.days),
    org: p.org,
    teams: p.teams,
  };
  const out: PlannedPatient[] = [];
  for (let i = 0; i < p.patients; i++) {
    const { sim, profile } = patientSim(o, i, null);
    out.push({ sim, profile, history: simulateDays(sim, profile, p.days) });
  }
  return out;
}

/**
 * Uploads of the history. `as-sent`: as the phones sent them (one at a time when online, an offline
 * queue as one batch), in the order they were sent. `batched`: each patient's history as batches
 * (a quick backfill).
 */
export function historyUploads(patients: readonly PlannedPatient[], mode: 'as-sent' | 'batched'): Upload[] {
  const uploads: (Upload & { sentAt: string })[] = [];
  for (const p of patients) {
    const { patientId, tenantId } = p.profile;
    if (mode === 'batched') {
      if (p.history.length > 0) uploads.push({ patientId, tenantId, items: p.history.map((l) => l.checkIn), batch: true, sentAt: '' });
      continue;
    }
    const bySent = new Map<string, CheckInLine[]>();
    for (const l of p.history) {
      const list = bySent.get(l.sentAt);
      if (list) list.push(l);
      else bySent.set(l.sentAt, [l]);
    }
    for (const [sentAt, lines] of bySent) {
      const offline = lines.length > 1 || Date.parse(sentAt) - Date.parse(lines[0].checkIn.recordedAt) > 3_600_000 / 2;
      uploads.push({ patientId, tenantId, items: lines.map((l) => l.checkIn), batch: offline, sentAt });
    }
  }
  if (mode === 'as-sent') uploads.sort((a, b) => (a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : a.patientId < b.patientId ? -1 : 1));
  return uploads.map(({ sentAt: _s, ...u }) => u);
}

export interface LiveOptions {
  /** Each patient sends its next simulated day this often. */
  intervalMs: number;
  /** Stop after this long; null: until the signal. */
  durationMs: number | null;
  signal: AbortSignal;
}

function sleepUntil(at: number, signal: AbortSignal): Promise<void> {
  const ms = at - Date.now();
  if (ms <= 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Live, compressed time: patient i sends at t0 + i × interval / n + k × interval. A day the patient
 * skips sends nothing; an offline day is queued on the "phone" and sent as a batch on the day it
 * comes back. Resolves when stopped, after the requests in flight have finished.
 */
export async function runLive(feeder: Feeder, patients: readonly PlannedPatient[], o: LiveOptions): Promise<{ ticks: number }> {
  const n = patients.length;
  if (n === 0) return { ticks: 0 };
  const t0 = Date.now();
  const queued: { c: CheckIn; sendOnDay: number }[][] = patients.map(() => []);
  const chains: Promise<void>[] = patients.map(() => Promise.resolve());
  let j = 0;
  for (;;) {
    const at = t0 + (j * o.intervalMs) / n;
    if (o.durationMs !== null && at - t0 >= o.durationMs) break;
    await sleepUntil(at, o.signal);
    if (o.signal.aborted) break;
    const i = j % n;
    j++;
    const p = patients[i];
    const out = p.sim.step(Date.now());
    const q = queued[i];
    if (out.checkIn !== undefined) {
      assertValid(out.checkIn, `${p.profile.patientId} live day ${out.day}`);
      q.push({ c: out.checkIn, sendOnDay: out.sentOnDay ?? out.day });
    }
    const due = q.filter((x) => x.sendOnDay <= out.day);
    if (due.length === 0) continue;
    queued[i] = q.filter((x) => x.sendOnDay > out.day);
    const upload: Upload = { patientId: p.profile.patientId, tenantId: p.profile.tenantId, items: due.map((x) => x.c), batch: due.length > 1 };
    // One request at a time per phone; patients in parallel.
    chains[i] = chains[i].then(() => feeder.sendUpload(upload));
  }
  await Promise.all(chains);
  return { ticks: j };
}
