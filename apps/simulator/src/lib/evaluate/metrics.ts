/**
 * Per-group metrics of one model's alerts against the labelled episodes: sensitivity, lead time,
 * chance level, false alerts, PPV, and the burden on the team by kind (per 100 patient-days).
 */
import type { Condition } from '@vigil/contracts';
import { CONDITIONS } from '@vigil/contracts';
import { EpisodeLine } from '../cohort';
import { EPISODE_CONDITION, EpisodeType } from '../params';
import { DAY_MS } from '../patient';
import { AlertRecord, DEFAULT_WINDOWS, EvalWindows, alertMatchesType, classifyAlert, keepFirstTrue, shamWindow } from './classify';

export interface PatientOutcome {
  conditions: readonly Condition[];
  patientDays: number;
  /** The cohort's time range (epoch ms), for the sham windows. */
  fromMs: number;
  toMs: number;
  episodes: readonly EpisodeLine[];
  alerts: readonly AlertRecord[];
  engagementAlerts: number;
  /** v2: reminders to the patient; 0 for the other models. */
  reminders?: number;
}

/** What reaches people, per 100 patient-days. */
export interface Burden {
  /** Deterioration alerts to the team (v2: raised plus interrupting updates). */
  risk: number;
  /** Missed-check-in alerts to the team. */
  missedCheckIn: number;
  /** Reminders to the patient (reminder.due), not the team. */
  reminder: number;
  /** risk + missedCheckIn: everything that interrupts the team. */
  team: number;
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
  /** Positive predictive value: of the alerts not set aside (censored), the share about a real episode (true, or during it after the peak). */
  ppv: number | null;
  /** Missed-check-in alerts, not part of the above. */
  engagementAlerts: number;
  reminders: number;
  burdenPer100PatientDays: Burden;
}

export type Row = Condition | 'all';
export const ROWS: readonly Row[] = [...CONDITIONS, 'all'];

export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const r3 = (x: number): number => Math.round(x * 1000) / 1000;
export const r2 = (x: number): number => Math.round(x * 100) / 100;
export const r1 = (x: number): number => Math.round(x * 10) / 10;

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
  let reminders = 0;
  const leads: number[] = [];
  const leadsSent: number[] = [];
  let shamWindows = 0;
  let shamDetected = 0;
  for (const o of outcomes) {
    patientDays += o.patientDays;
    engagementAlerts += o.engagementAlerts;
    reminders += o.reminders ?? 0;
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
  const per100 = (n: number): number => (patientDays > 0 ? r2((100 * n) / patientDays) : 0);
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
    falsePer100PatientDays: per100(falseAlerts),
    falseShare: alerts > 0 ? r3(falseAlerts / alerts) : null,
    ppv: alerts - censoredWindow > 0 ? r3((trueAlerts + duringEpisode) / (alerts - censoredWindow)) : null,
    engagementAlerts,
    reminders,
    burdenPer100PatientDays: {
      risk: per100(alerts),
      missedCheckIn: per100(engagementAlerts),
      reminder: per100(reminders),
      team: per100(alerts + engagementAlerts),
    },
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
