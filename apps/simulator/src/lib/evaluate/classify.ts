/**
 * Which alerts are true, false, "during" an episode or set aside (README "Evaluation"): an alert
 * matches an episode when one of its reasons (factors above info) is a sign of that episode's type
 * (MATCH_CODES). A matching alert from `leadAllowanceHours` before the onset to `peakGraceHours`
 * after the peak is a true alert and detects the episode. A matching alert after that, up to
 * `afterEndHours` after the end of recovery, is "during" the episode: neither detection nor false.
 * Alerts in the window of a censored episode (peak beyond the cohort) are set aside. Every other
 * alert is false.
 */
import { EpisodeLine } from '../cohort';
import { EpisodeType } from '../params';
import { DAY_MS, HOUR_MS } from '../patient';

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
  /** The alert's id (an interrupting update carries the id of the alert it updates); absent in hand-made records. */
  alertId?: string;
  /** v2: the clinical problem. */
  problem?: string;
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

/** The detection window of an episode (epoch ms): an alert or a contact in it comes "before the peak". */
export function detectionWindow(e: EpisodeLine, w: EvalWindows): { from: number; to: number } {
  return { from: Date.parse(e.start) - w.leadAllowanceHours * HOUR_MS, to: Date.parse(e.peak) + w.peakGraceHours * HOUR_MS };
}

export function classifyAlert(alert: Pick<AlertRecord, 'at' | 'codes'>, episodes: readonly EpisodeLine[], w: EvalWindows = DEFAULT_WINDOWS): AlertClass {
  let during: number | null = null;
  let censored = false;
  for (let i = 0; i < episodes.length; i++) {
    const e = episodes[i];
    const { from: start, to: peak } = detectionWindow(e, w);
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
export function shamWindow(
  e: EpisodeLine,
  o: { episodes: readonly EpisodeLine[]; fromMs: number; toMs: number },
  w: EvalWindows,
): { from: number; to: number } | null {
  const { from: from0, to: to0 } = detectionWindow(e, w);
  for (const k of SHAM_SHIFTS_DAYS) {
    const from = from0 + k * DAY_MS;
    const to = to0 + k * DAY_MS;
    if (from < o.fromMs || to > o.toMs) continue;
    const clash = o.episodes.some((x) => to >= Date.parse(x.start) - w.leadAllowanceHours * HOUR_MS && from <= Date.parse(x.end) + w.afterEndHours * HOUR_MS);
    if (!clash) return { from, to };
  }
  return null;
}

/** Keeps `a` as its episode's first true alert if it is one and earlier than the one kept. */
export function keepFirstTrue(first: Map<number, AlertRecord>, a: AlertRecord, c: AlertClass): void {
  if (c.kind !== 'true') return;
  const f = first.get(c.episode);
  if (f === undefined || a.at < f.at) first.set(c.episode, a);
}

/** The first true alert of each episode a patient's alerts detect, by episode index. */
export function firstTrueAlerts(
  o: { alerts: readonly AlertRecord[]; episodes: readonly EpisodeLine[] },
  w: EvalWindows = DEFAULT_WINDOWS,
): Map<number, AlertRecord> {
  const first = new Map<number, AlertRecord>();
  for (const a of o.alerts) keepFirstTrue(first, a, classifyAlert(a, o.episodes, w));
  return first;
}
