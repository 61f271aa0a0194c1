/**
 * Re-scoring one patient's check-ins with one or more model versions: pure, no I/O.
 *
 * What it reproduces of the live scorer (apps/risk-scorer/src/scorer.ts), per model:
 *   - a check-in is validated by the contract without the time window; invalid ones are skipped
 *     (the scorer dead-letters them); the same check-in id twice is scored once;
 *   - fresh state (`initialState`) at the start of the read range, then `scoreCheckIn` in order;
 *   - `risk.scored` for every scored check-in (id from model version + check-in id, time = device
 *     time, the check-in's traceparent) and `alert.raised` for its alerts, which are published only
 *     while the profile is active (a discharged patient's alerts are counted as suppressed; the
 *     engine's state moves on as live);
 *   - missed check-ins (`--no-engagement` turns this off): the live scorer checks engagement on a
 *     clock; here the clock is the data's own. Before each check-in, and at the end of the range,
 *     `checkEngagement` runs at that instant, so a silence longer than the profile's interval raises
 *     its alert (same id and content as live: both depend only on the silence). Only silences after
 *     a first check-in in the range count: fresh state knows nothing earlier.
 * What differs, by design: order is device time per patient (live is arrival order, so a late
 * check-in is scored in its place here and is never `late`), and the profile is the version in
 * effect at each check-in's device time (profiles.ts).
 */
import { validateCheckInFast, type AlertRaisedData, type CheckIn, type RiskScoredData, type VigilEvent } from '@vigil/contracts';
import { checkEngagement, initialState, scoreCheckIn, type ModelVersion, type PatientState } from '@vigil/risk-engine';
import { alertRaisedEvent, riskScoredEvent, toEngineCheckIn, toEngineProfile, withoutNotes } from '@vigil/scoring';
import { iso } from '../cli/time';
import { fileSortKey } from '../events/events';
import { profileAt, type ProfileVersion } from './profiles';

export const DAY_MS = 86_400_000;

export interface RescoreSettings {
  models: readonly ModelVersion[];
  /** Output range [from, to): scores and alerts before `from` (warm-up) are computed, not written. */
  from: number;
  to: number;
  engagement: boolean;
}

export interface CheckInInput {
  event: VigilEvent;
  /** Device time (ms). */
  at: number;
}

export interface ModelOutput {
  scores: VigilEvent<RiskScoredData>[];
  /** In file order. */
  alerts: VigilEvent<AlertRaisedData>[];
}

export class ModelStats {
  scored = 0;
  alerts = 0;
  suppressed = 0;
  engagementAlerts = 0;
  /** v2: alert.updated (new evidence for an open alert), and those that interrupt (a severity rise). */
  updates = 0;
  interruptingUpdates = 0;
  /** `rule\u0000severity` -> count. */
  readonly byRule = new Map<string, number>();
  patientsScored = 0;
  /** Patient exposure in whole milliseconds (integers add up the same in any order). */
  patientMs = 0;

  get patientDays(): number {
    return this.patientMs / DAY_MS;
  }

  countAlert(a: AlertRaisedData): void {
    this.alerts++;
    const k = `${a.ruleCode}\u0000${a.severity}`;
    this.byRule.set(k, (this.byRule.get(k) ?? 0) + 1);
  }

  snapshot(): ModelStatsSnapshot {
    return {
      scored: this.scored,
      alerts: this.alerts,
      suppressed: this.suppressed,
      engagementAlerts: this.engagementAlerts,
      updates: this.updates,
      interruptingUpdates: this.interruptingUpdates,
      byRule: [...this.byRule.entries()],
      patientsScored: this.patientsScored,
      patientMs: this.patientMs,
    };
  }

  merge(s: ModelStatsSnapshot): void {
    this.scored += s.scored;
    this.alerts += s.alerts;
    this.suppressed += s.suppressed;
    this.engagementAlerts += s.engagementAlerts;
    // (absent in a shard manifest written before issue 17)
    this.updates += s.updates ?? 0;
    this.interruptingUpdates += s.interruptingUpdates ?? 0;
    for (const [k, n] of s.byRule) this.byRule.set(k, (this.byRule.get(k) ?? 0) + n);
    this.patientsScored += s.patientsScored;
    this.patientMs += s.patientMs;
  }
}

export interface ModelStatsSnapshot {
  scored: number;
  alerts: number;
  suppressed: number;
  engagementAlerts: number;
  updates?: number;
  interruptingUpdates?: number;
  byRule: [string, number][];
  patientsScored: number;
  patientMs: number;
}

export interface RescoreStatsSnapshot {
  read: number;
  warmup: number;
  invalid: number;
  duplicates: number;
  noProfile: number;
  patientsNoProfile: number;
  fastValidated: number;
  models: [ModelVersion, ModelStatsSnapshot][];
}

export class RescoreStats {
  /** Check-in events read in the (read) range. */
  read = 0;
  warmup = 0;
  invalid = 0;
  duplicates = 0;
  /** Check-ins of patients with no profile at all (never enrolled): not scored, as live parks them. */
  noProfile = 0;
  patientsNoProfile = 0;
  fastValidated = 0;
  readonly models = new Map<ModelVersion, ModelStats>();

  constructor(models: readonly ModelVersion[]) {
    for (const m of models) this.models.set(m, new ModelStats());
  }

  model(m: ModelVersion): ModelStats {
    return this.models.get(m) as ModelStats;
  }

  snapshot(): RescoreStatsSnapshot {
    return {
      read: this.read,
      warmup: this.warmup,
      invalid: this.invalid,
      duplicates: this.duplicates,
      noProfile: this.noProfile,
      patientsNoProfile: this.patientsNoProfile,
      fastValidated: this.fastValidated,
      models: [...this.models.entries()].map(([m, s]) => [m, s.snapshot()]),
    };
  }

  merge(s: RescoreStatsSnapshot): void {
    this.read += s.read;
    this.warmup += s.warmup;
    this.invalid += s.invalid;
    this.duplicates += s.duplicates;
    this.noProfile += s.noProfile;
    this.patientsNoProfile += s.patientsNoProfile;
    this.fastValidated += s.fastValidated;
    for (const [m, ms] of s.models) this.models.get(m)?.merge(ms);
  }
}

interface Prepared {
  at: number;
  checkIn: CheckIn;
  traceparent?: string;
}

/**
 * Scores one patient's check-ins (sorted by device time, then check-in id) with every model of
 * `settings`. Returns the outputs per model, or null when the patient has no profile.
 */
export function rescorePatient(
  tenantId: string,
  patientId: string,
  items: readonly CheckInInput[],
  versions: readonly ProfileVersion[] | null,
  settings: RescoreSettings,
  stats: RescoreStats,
): Map<ModelVersion, ModelOutput> | null {
  stats.read += items.length;
  for (const item of items) if (item.at < settings.from) stats.warmup++;
  if (versions === null || versions.length === 0) {
    stats.noProfile += items.length;
    stats.patientsNoProfile++;
    return null;
  }
  const seen = new Set<string>();
  const prepared: Prepared[] = [];
  for (const item of items) {
    const v = validateCheckInFast(item.event.data);
    if (!v.ok) {
      stats.invalid++;
      continue;
    }
    if (v.fast) stats.fastValidated++;
    if (seen.has(v.value.checkInId)) {
      stats.duplicates++;
      continue;
    }
    seen.add(v.value.checkInId);
    prepared.push({ at: item.at, checkIn: withoutNotes(v.value), traceparent: item.event.traceparent });
  }
  const out = new Map<ModelVersion, ModelOutput>();
  for (const model of settings.models) out.set(model, scoreModel(model, tenantId, patientId, prepared, versions, settings, stats.model(model)));
  return out;
}

function scoreModel(
  model: ModelVersion,
  tenantId: string,
  patientId: string,
  prepared: readonly Prepared[],
  versions: readonly ProfileVersion[],
  settings: RescoreSettings,
  stats: ModelStats,
): ModelOutput {
  const scores: VigilEvent<RiskScoredData>[] = [];
  const alerts: VigilEvent<AlertRaisedData>[] = [];
  let state: PatientState | null = null;
  let firstOutputAt: number | null = null;
  const ids = { subject: patientId, tenantid: tenantId };

  const engagementAt = (now: number): void => {
    if (!settings.engagement || state === null || state.history.newestAt === null) return;
    const profile = profileAt(versions, now);
    // The live schedule has no due time for a discharged patient (no engagement alert at all).
    if (profile.status !== 'active') return;
    const r = checkEngagement(model, toEngineProfile(profile), state, iso(now));
    state = r.state;
    for (const a of r.alerts) {
      if (Date.parse(a.triggeredAt) < settings.from) continue;
      const e = alertRaisedEvent(a);
      alerts.push(e);
      stats.countAlert(e.data);
      stats.engagementAlerts++;
    }
  };

  for (const item of prepared) {
    engagementAt(item.at);
    const profile = profileAt(versions, item.at);
    const engineProfile = toEngineProfile(profile);
    const current: PatientState = state ?? initialState(engineProfile);
    const r = scoreCheckIn(model, engineProfile, current, toEngineCheckIn(ids, item.checkIn));
    state = r.state;
    if (item.at < settings.from) continue;
    firstOutputAt ??= item.at;
    scores.push(riskScoredEvent(r.score, item.traceparent));
    stats.scored++;
    if (profile.status === 'active') {
      for (const a of r.alerts) {
        const e = alertRaisedEvent(a, item.traceparent);
        alerts.push(e);
        stats.countAlert(e.data);
      }
      // Counted, not written: updates are no new alerts, and compare matches alerts on their cause.
      stats.updates += r.updates.length;
      stats.interruptingUpdates += r.updates.filter((u) => u.interrupts).length;
    } else stats.suppressed += r.alerts.length;
  }
  engagementAt(settings.to);
  if (firstOutputAt !== null) {
    stats.patientsScored++;
    stats.patientMs += settings.to - Math.max(settings.from, firstOutputAt);
  }
  if (alerts.length > 1) {
    const keyed = alerts.map((e) => ({ e, k: fileSortKey(e, Date.parse(e.time)) }));
    keyed.sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : 0));
    return { scores, alerts: keyed.map((x) => x.e) };
  }
  return { scores, alerts };
}
