/**
 * Alert-quality evaluation: replays a cohort through the risk engine, per patient in device-time
 * order, for static-v0 (NEWS2, fixed weight rules, questionnaire bands, glucose, chest pain) and
 * v1 (the same plus personal baselines), and scores the alerts against the labelled episodes.
 *
 * Matching (README "Evaluation"): an alert matches an episode when one of its reasons (factors
 * with a severity above info) is a sign of that episode's type (MATCH_CODES). A matching alert from
 * `leadAllowanceHours` before the onset to `peakGraceHours` after the peak is a true alert and
 * detects the episode; lead time = peak − the first true alert. A matching alert after that, up to
 * `afterEndHours` after the end of recovery, is "during" the episode: neither detection nor false.
 * Alerts in the window of a censored episode (peak beyond the cohort) are set aside. Every other
 * alert is false. Missed-check-in alerts are counted apart: they say nothing about deterioration.
 */
import type { Condition } from '@vigil/contracts';
import { CONDITIONS } from '@vigil/contracts';
import { EngineCheckIn, ModelVersion, PatientProfile, PatientState, RaisedAlert, checkEngagement, initialState, scoreCheckIn } from '@vigil/risk-engine';
import { Cohort, CohortHeader, CohortPatient, EpisodeLine } from './cohort';
import { EPISODE_CONDITION, EpisodeType } from './params';
import { DAY_MS, HOUR_MS } from './patient';

export const MODELS: readonly ModelVersion[] = ['static-v0', 'v1', 'v2'];
/** The pair the `differences` listing and v1's target compare. */
const PAIR: readonly ModelVersion[] = ['static-v0', 'v1'];

/** Factor codes that are signs of each episode type (a code ending in `*` is a prefix). */
export const MATCH_CODES: Readonly<Record<EpisodeType, readonly string[]>> = {
  'hf-decompensation': [
    'hf.*',
    'baseline.weightKg',
    'news2.*',
    'baseline.spo2',
    'baseline.respiratoryRate',
    'baseline.heartRate',
    'baseline.systolicBp',
    'symptom.breathlessness',
    'symptom.swelling',
    'symptom.fatigue',
    'symptom.chestPain',
  ],
  'copd-exacerbation': [
    'news2.*',
    'baseline.spo2',
    'baseline.respiratoryRate',
    'baseline.heartRate',
    'baseline.temperatureC',
    'cat.total',
    'symptom.breathlessness',
    'symptom.fatigue',
    'symptom.chestPain',
  ],
  hypoglycaemia: ['glucose.low1', 'glucose.low2', 'symptom.dizziness', 'news2.consciousness', 'news2.heartRate', 'baseline.heartRate'],
  hyperglycaemia: ['glucose.high', 'symptom.fatigue'],
  'depressive-episode': ['phq9.*', 'gad7.total', 'mood.low', 'mood.lowSustained', 'medication.adherence', 'symptom.fatigue'],
};

export interface EvalWindows {
  leadAllowanceHours: number;
  peakGraceHours: number;
  afterEndHours: number;
}

export const DEFAULT_WINDOWS: EvalWindows = { leadAllowanceHours: 24, peakGraceHours: 12, afterEndHours: 48 };

export interface AlertRecord {
  ruleCode: string;
  severity: string;
  /** Device time of the cause (epoch ms). */
  at: number;
  /** When the check-in that caused it was sent (epoch ms): the earliest a team could see the alert. */
  sentAt: number;
  /** Codes of the reasons with a severity above info. */
  codes: string[];
  /** v2: an interrupting `alert.updated` (a severity rise) rather than a new alert. */
  interrupt?: boolean;
}

export type AlertClass = { kind: 'true'; episode: number } | { kind: 'during'; episode: number } | { kind: 'censored' } | { kind: 'false' };

export function codeMatches(code: string, patterns: readonly string[]): boolean {
  for (const p of patterns) {
    if (p.endsWith('*') ? code.startsWith(p.slice(0, -1)) : code === p) return true;
  }
  return false;
}

export function alertMatchesType(codes: readonly string[], type: EpisodeType): boolean {
  const patterns = MATCH_CODES[type];
  return codes.some((c) => codeMatches(c, patterns));
}

export function classifyAlert(alert: Pick<AlertRecord, 'at' | 'codes'>, episodes: readonly EpisodeLine[], w: EvalWindows = DEFAULT_WINDOWS): AlertClass {
  let during: number | null = null;
  let censored = false;
  for (let i = 0; i < episodes.length; i++) {
    const e = episodes[i];
    const start = Date.parse(e.start) - w.leadAllowanceHours * HOUR_MS;
    const peak = Date.parse(e.peak) + w.peakGraceHours * HOUR_MS;
    const end = Date.parse(e.end) + w.afterEndHours * HOUR_MS;
    if (alert.at < start || alert.at > end) continue;
    if (e.censored) {
      censored = true;
      continue;
    }
    if (!alertMatchesType(alert.codes, e.type)) continue;
    if (alert.at <= peak) return { kind: 'true', episode: i };
    if (during === null) during = i;
  }
  if (during !== null) return { kind: 'during', episode: during };
  return censored ? { kind: 'censored' } : { kind: 'false' };
}

const SHAM_SHIFTS_DAYS = [-28, 28, -35, 35, -42, 42, -21, 21];

/** The episode's detection window moved to a stretch of the same patient away from every episode, or null. */
export function shamWindow(e: EpisodeLine, o: Pick<PatientOutcome, 'episodes' | 'fromMs' | 'toMs'>, w: EvalWindows): { from: number; to: number } | null {
  const from0 = Date.parse(e.start) - w.leadAllowanceHours * HOUR_MS;
  const to0 = Date.parse(e.peak) + w.peakGraceHours * HOUR_MS;
  for (const k of SHAM_SHIFTS_DAYS) {
    const from = from0 + k * DAY_MS;
    const to = to0 + k * DAY_MS;
    if (from < o.fromMs || to > o.toMs) continue;
    const clash = o.episodes.some((x) => to >= Date.parse(x.start) - w.leadAllowanceHours * HOUR_MS && from <= Date.parse(x.end) + w.afterEndHours * HOUR_MS);
    if (!clash) return { from, to };
  }
  return null;
}

export interface PatientOutcome {
  conditions: readonly Condition[];
  patientDays: number;
  /** The cohort's time range (epoch ms), for the sham windows. */
  fromMs: number;
  toMs: number;
  episodes: readonly EpisodeLine[];
  alerts: readonly AlertRecord[];
  engagementAlerts: number;
}

export interface GroupMetrics {
  patients: number;
  patientDays: number;
  episodes: number;
  detected: number;
  /** detected / episodes; null without episodes. */
  sensitivity: number | null;
  /** Median over detected episodes of (peak − first true alert), days. */
  medianLeadDays: number | null;
  /** The same, from when the check-in reached the server (offline phones send late). */
  medianLeadDaysAsSent: number | null;
  /**
   * Chance level of `sensitivity`: the share of sham windows (each episode's detection window moved
   * 3 to 6 weeks away, to a stretch of the same patient with no episode) that hold a matching alert.
   */
  chanceDetection: number | null;
  shamWindows: number;
  alerts: number;
  trueAlerts: number;
  duringEpisode: number;
  censoredWindow: number;
  falseAlerts: number;
  falsePer100PatientDays: number;
  /** falseAlerts / alerts (Zhang et al. report this share for weight rules). */
  falseShare: number | null;
  /** Missed-check-in alerts, not part of the above. */
  engagementAlerts: number;
}

export type Row = Condition | 'all';
export const ROWS: readonly Row[] = [...CONDITIONS, 'all'];

export interface ModelResult {
  rows: Record<Row, GroupMetrics>;
  /** False alerts by rule code (risk.level alerts by their largest reason), all patients. */
  falseByCause: Record<string, number>;
}

/** An episode one model detected and the other missed: where the models part (the next work on v1 starts here). */
export interface EpisodeDifference {
  patientId: string;
  type: EpisodeType;
  start: string;
  peak: string;
  detectedBy: ModelVersion;
  /** The detecting model's first true alert: device time of its cause, rule and reason codes. */
  firstAlert: { at: string; ruleCode: string; codes: string[] };
}

export interface Evaluation {
  cohort: CohortHeader;
  checkIns: number;
  patientDays: number;
  windows: EvalWindows;
  models: Record<ModelVersion, ModelResult>;
  /** Scored episodes detected by exactly one model, in cohort order. */
  differences: EpisodeDifference[];
  /** Per row: v1 false alerts at most half of static-v0's, sensitivity not lower (and for heart failure a median lead of a day or more). */
  target: Record<Row, { met: boolean; falseAlertRatio: number | null; sensitivityDelta: number | null }>;
}

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;
const r2 = (x: number): number => Math.round(x * 100) / 100;
const r1 = (x: number): number => Math.round(x * 10) / 10;

/** Keeps `a` as its episode's first true alert if it is one and earlier than the one kept. */
function keepFirstTrue(first: Map<number, AlertRecord>, a: AlertRecord, c: AlertClass): void {
  if (c.kind !== 'true') return;
  const f = first.get(c.episode);
  if (f === undefined || a.at < f.at) first.set(c.episode, a);
}

/** The first true alert of each episode a patient's alerts detect, by episode index. */
export function firstTrueAlerts(o: Pick<PatientOutcome, 'alerts' | 'episodes'>, w: EvalWindows = DEFAULT_WINDOWS): Map<number, AlertRecord> {
  const first = new Map<number, AlertRecord>();
  for (const a of o.alerts) keepFirstTrue(first, a, classifyAlert(a, o.episodes, w));
  return first;
}

/** Metrics of one group of patients; episodes of `types` only (all types when undefined). */
export function groupMetrics(outcomes: readonly PatientOutcome[], types: readonly EpisodeType[] | undefined, w: EvalWindows = DEFAULT_WINDOWS): GroupMetrics {
  let patientDays = 0;
  let episodes = 0;
  let detected = 0;
  let alerts = 0;
  let trueAlerts = 0;
  let duringEpisode = 0;
  let censoredWindow = 0;
  let falseAlerts = 0;
  let engagementAlerts = 0;
  const leads: number[] = [];
  const leadsSent: number[] = [];
  let shamWindows = 0;
  let shamDetected = 0;
  for (const o of outcomes) {
    patientDays += o.patientDays;
    engagementAlerts += o.engagementAlerts;
    const first = new Map<number, AlertRecord>();
    for (const a of o.alerts) {
      alerts++;
      const c = classifyAlert(a, o.episodes, w);
      keepFirstTrue(first, a, c);
      if (c.kind === 'true') trueAlerts++;
      else if (c.kind === 'during') duringEpisode++;
      else if (c.kind === 'censored') censoredWindow++;
      else falseAlerts++;
    }
    o.episodes.forEach((e, i) => {
      if (e.censored || (types !== undefined && !types.includes(e.type))) return;
      episodes++;
      const f = first.get(i);
      if (f === undefined) return;
      detected++;
      const peak = Date.parse(e.peak);
      leads.push(Math.max(0, (peak - f.at) / DAY_MS));
      leadsSent.push(Math.max(0, (peak - Math.max(f.at, f.sentAt)) / DAY_MS));
    });
    for (const e of o.episodes) {
      if (e.censored || (types !== undefined && !types.includes(e.type))) continue;
      const sham = shamWindow(e, o, w);
      if (sham === null) continue;
      shamWindows++;
      if (o.alerts.some((a) => a.at >= sham.from && a.at <= sham.to && alertMatchesType(a.codes, e.type))) shamDetected++;
    }
  }
  const ml = median(leads);
  const mls = median(leadsSent);
  return {
    patients: outcomes.length,
    patientDays,
    episodes,
    detected,
    sensitivity: episodes > 0 ? r3(detected / episodes) : null,
    medianLeadDays: ml === null ? null : r1(ml),
    medianLeadDaysAsSent: mls === null ? null : r1(mls),
    chanceDetection: shamWindows > 0 ? r3(shamDetected / shamWindows) : null,
    shamWindows,
    alerts,
    trueAlerts,
    duringEpisode,
    censoredWindow,
    falseAlerts,
    falsePer100PatientDays: patientDays > 0 ? r2((100 * falseAlerts) / patientDays) : 0,
    falseShare: alerts > 0 ? r3(falseAlerts / alerts) : null,
    engagementAlerts,
  };
}

export function rowsOf(outcomes: readonly PatientOutcome[], w: EvalWindows = DEFAULT_WINDOWS): Record<Row, GroupMetrics> {
  const rows = {} as Record<Row, GroupMetrics>;
  for (const c of CONDITIONS) {
    const types = (Object.keys(EPISODE_CONDITION) as EpisodeType[]).filter((t) => EPISODE_CONDITION[t] === c);
    rows[c] = groupMetrics(
      outcomes.filter((o) => o.conditions.includes(c)),
      types,
      w,
    );
  }
  rows.all = groupMetrics(outcomes, undefined, w);
  return rows;
}

function engineProfile(p: CohortPatient): PatientProfile {
  const { patientId, tenantId, careTeamId, conditions, dryWeightKg, news2SpO2Scale, expectedCheckInIntervalHours } = p.profile;
  return { patientId, tenantId, careTeamId, conditions, ...(dryWeightKg !== undefined ? { dryWeightKg } : {}), news2SpO2Scale, expectedCheckInIntervalHours };
}

function recordOf(a: Pick<RaisedAlert, 'ruleCode' | 'severity' | 'triggeredAt' | 'reasons'>, sentAt: number): AlertRecord {
  const codes = a.reasons.filter((f) => f.severity !== 'info').map((f) => f.code);
  return { ruleCode: a.ruleCode, severity: a.severity, at: Date.parse(a.triggeredAt), sentAt, codes };
}

export type ReplayOrder = 'device' | 'sent';

/** Replays one patient through one model; returns the deterioration alerts and the count of missed-check-in alerts. */
export interface PatientReplay {
  alerts: AlertRecord[];
  engagementAlerts: number;
  /** v2: reminders to the patient (reminder.due). */
  reminders: number;
  /** v2: non-interrupting alert.updated events (new evidence for an open alert). */
  quietUpdates: number;
}

export function replayPatient(model: ModelVersion, p: CohortPatient, horizonEndMs: number, order: ReplayOrder = 'device'): PatientReplay {
  const profile = engineProfile(p);
  let state: PatientState = initialState(profile);
  const lines = [...p.checkIns].sort((a, b) => {
    const ka = order === 'sent' ? Date.parse(a.sentAt) - Date.parse(b.sentAt) : 0;
    return ka || Date.parse(a.checkIn.recordedAt) - Date.parse(b.checkIn.recordedAt) || (a.checkIn.checkInId < b.checkIn.checkInId ? -1 : 1);
  });
  const alerts: AlertRecord[] = [];
  let engagementAlerts = 0;
  let reminders = 0;
  let quietUpdates = 0;
  for (const line of lines) {
    const { notes: _notes, ...rest } = line.checkIn;
    const checkIn: EngineCheckIn = { ...rest, patientId: profile.patientId, tenantId: profile.tenantId };
    const clock = order === 'sent' ? line.sentAt : line.checkIn.recordedAt;
    const eng = checkEngagement(model, profile, state, clock);
    state = eng.state;
    engagementAlerts += eng.alerts.length;
    reminders += eng.reminders.length;
    const res = scoreCheckIn(model, profile, state, checkIn);
    state = res.state;
    const sentAt = Date.parse(line.sentAt);
    for (const a of res.alerts) alerts.push(recordOf(a, sentAt));
    for (const u of res.updates) {
      if (!u.interrupts) quietUpdates++;
      else alerts.push({ ...recordOf(u, sentAt), interrupt: true });
    }
  }
  const end = checkEngagement(model, profile, state, new Date(horizonEndMs).toISOString());
  engagementAlerts += end.alerts.length;
  reminders += end.reminders.length;
  return { alerts, engagementAlerts, reminders, quietUpdates };
}

/** The largest reason of an alert, for the false-alert breakdown. */
function causeOf(a: AlertRecord): string {
  return a.ruleCode === 'risk.level' ? `risk.level:${a.codes[0] ?? 'none'}` : a.ruleCode;
}

export interface EvaluateOptions {
  windows?: EvalWindows;
  order?: ReplayOrder;
}

export function evaluateCohort(cohort: Cohort, options: EvaluateOptions = {}): Evaluation {
  const w = options.windows ?? DEFAULT_WINDOWS;
  const h = cohort.header;
  const horizonStartMs = Date.parse(`${h.start}T00:00:00Z`);
  const horizonEndMs = horizonStartMs + h.days * DAY_MS;
  const models = {} as Record<ModelVersion, ModelResult>;
  const outcomesOf = {} as Record<ModelVersion, PatientOutcome[]>;
  for (const model of MODELS) {
    const outcomes: PatientOutcome[] = [];
    outcomesOf[model] = outcomes;
    const falseByCause: Record<string, number> = {};
    for (const p of cohort.patients) {
      const { alerts, engagementAlerts } = replayPatient(model, p, horizonEndMs, options.order);
      const o: PatientOutcome = { conditions: p.profile.conditions, patientDays: h.days, fromMs: horizonStartMs, toMs: horizonEndMs, episodes: p.episodes, alerts, engagementAlerts };
      outcomes.push(o);
      for (const a of alerts) {
        if (classifyAlert(a, p.episodes, w).kind !== 'false') continue;
        const k = causeOf(a);
        falseByCause[k] = (falseByCause[k] ?? 0) + 1;
      }
    }
    const sorted: Record<string, number> = {};
    for (const k of Object.keys(falseByCause).sort((a, b) => falseByCause[b] - falseByCause[a] || (a < b ? -1 : 1))) sorted[k] = falseByCause[k];
    models[model] = { rows: rowsOf(outcomes, w), falseByCause: sorted };
  }
  const target = {} as Evaluation['target'];
  for (const row of ROWS) {
    const s = models[PAIR[0]].rows[row];
    const v = models[PAIR[1]].rows[row];
    const ratio = s.falsePer100PatientDays > 0 ? r3(v.falsePer100PatientDays / s.falsePer100PatientDays) : null;
    const delta = s.sensitivity !== null && v.sensitivity !== null ? r3(v.sensitivity - s.sensitivity) : null;
    const leadOk = row !== 'heart-failure' || (v.medianLeadDays !== null && v.medianLeadDays >= 1);
    target[row] = { met: ratio !== null && ratio <= 0.5 && (delta === null || delta >= 0) && leadOk, falseAlertRatio: ratio, sensitivityDelta: delta };
  }
  const checkIns = cohort.patients.reduce((n, p) => n + p.checkIns.length, 0);
  return { cohort: h, checkIns, patientDays: h.days * cohort.patients.length, windows: w, models, target, differences: differencesOf(cohort, outcomesOf, w) };
}

function differencesOf(cohort: Cohort, outcomesOf: Record<ModelVersion, PatientOutcome[]>, w: EvalWindows): EpisodeDifference[] {
  const out: EpisodeDifference[] = [];
  cohort.patients.forEach((p, i) => {
    const firsts = PAIR.map((m) => firstTrueAlerts(outcomesOf[m][i], w));
    p.episodes.forEach((e, j) => {
      if (e.censored) return;
      const found = PAIR.flatMap((model, k) => {
        const a = firsts[k].get(j);
        return a === undefined ? [] : [{ model, a }];
      });
      if (found.length !== 1) return;
      const { model, a } = found[0];
      out.push({
        patientId: p.profile.patientId,
        type: e.type,
        start: e.start,
        peak: e.peak,
        detectedBy: model,
        firstAlert: { at: new Date(a.at).toISOString(), ruleCode: a.ruleCode, codes: a.codes },
      });
    });
  });
  return out;
}

/** The episodes detected by one model only, a line each (the `--differences` listing). */
export function formatDifferences(ev: Evaluation): string {
  const h = ev.cohort;
  const counts = new Map<string, number>();
  for (const d of ev.differences) {
    const key = `${d.detectedBy} only, ${d.type}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const out = [`Episodes detected by one model only, seed ${h.seed}, preset ${h.preset}: ${[...counts].map(([k, n]) => `${k} ${n}`).join('; ') || 'none'}`];
  for (const d of ev.differences) {
    out.push(`  ${padR(`${d.detectedBy} only`, 15)} ${padR(d.type, 19)} ${d.patientId}  onset ${d.start.slice(0, 13)}  peak ${d.peak.slice(0, 13)}  first alert ${d.firstAlert.at.slice(0, 13)} ${d.firstAlert.ruleCode}: ${d.firstAlert.codes.join(', ')}`);
  }
  return out.join('\n');
}

const pad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const padR = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const num = (x: number | null, d: number): string => (x === null ? '-' : x.toFixed(d));
const pct = (x: number | null): string => (x === null ? '-' : `${Math.round(x * 100)}%`);

export function formatEvaluation(ev: Evaluation): string {
  const h = ev.cohort;
  const out: string[] = [];
  out.push(`Cohort seed ${h.seed}, preset ${h.preset}: ${h.patients} patients x ${h.days} days from ${h.start} (${ev.patientDays} patient-days), ${ev.checkIns} check-ins`);
  const cols = (m: GroupMetrics): string =>
    `${pad(num(m.sensitivity, 2), 5)} ${pad(`${m.detected}/${m.episodes}`, 6)} ${pad(num(m.chanceDetection, 2), 6)} ${pad(num(m.medianLeadDays, 1), 5)} ${pad(num(m.falsePer100PatientDays, 2), 7)} ${pad(String(m.alerts), 6)} ${pad(pct(m.falseShare), 5)}`;
  const head = `${pad('sens', 5)} ${pad('det', 6)} ${pad('chance', 6)} ${pad('lead', 5)} ${pad('FA/100', 7)} ${pad('alerts', 6)} ${pad('false', 5)}`;
  out.push(`${padR('', 14)} ${pad('', 4)} ${pad('', 4)}  | ${MODELS.map((m) => padR(m, head.length)).join(' | ')} | target (v1)`);
  out.push(`${padR('condition', 14)} ${pad('pts', 4)} ${pad('eps', 4)}  | ${MODELS.map(() => head).join(' | ')} |`);
  for (const row of ROWS) {
    const s = ev.models['static-v0'].rows[row];
    const t = ev.target[row];
    const tText = `${t.met ? 'met' : 'not met'} (FA x${num(t.falseAlertRatio, 2)}, sens ${t.sensitivityDelta === null ? '-' : (t.sensitivityDelta >= 0 ? '+' : '') + t.sensitivityDelta.toFixed(2)})`;
    out.push(`${padR(row, 14)} ${pad(String(s.patients), 4)} ${pad(String(s.episodes), 4)}  | ${MODELS.map((m) => cols(ev.models[m].rows[row])).join(' | ')} | ${tText}`);
  }
  out.push('sens = episodes detected / episodes; chance = the same test on sham windows away from any episode; lead = median days from the first true alert to the peak; FA/100 = false alerts per 100 patient-days;');
  out.push('false = share of all alerts that were false (PPV = 1 - false). v2 alerts = alerts raised plus interrupting updates (severity rises).');
  out.push(`Missed-check-in alerts reaching the team are left out (all patients, ${MODELS.join(' / ')}: ` +
    `${MODELS.map((m) => ev.models[m].rows.all.engagementAlerts).join(' / ')}; per 100 patient-days ` +
    `${MODELS.map((m) => num((100 * ev.models[m].rows.all.engagementAlerts) / ev.patientDays, 2)).join(' / ')}).`);
  for (const model of MODELS) {
    const top = Object.entries(ev.models[model].falseByCause).slice(0, 6).map(([k, n]) => `${k} ${n}`).join(', ');
    out.push(`false alerts by cause, ${model}: ${top || 'none'}`);
  }
  return out.join('\n');
}
