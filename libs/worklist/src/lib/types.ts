/**
 * Input and output of the worklist ranking. The library imports nothing of ours (`scope:isolated`),
 * so these types are its own; they are structurally close to the contracts' (care-api and the
 * simulator map onto them). All instants are epoch milliseconds: the caller parses once.
 */

export type AlertSeverity = 'medium' | 'high' | 'critical';
export type RiskLevel = 'none' | 'low' | 'medium' | 'high' | 'critical';
export type ContactOutcome = 'reached' | 'no-answer' | 'message-left' | 'escalated';
/** How soon a patient needs contact: `urgent` now, `high` today, `medium` soon, `low` routine. */
export type PriorityLevel = 'urgent' | 'high' | 'medium' | 'low';

export interface WorklistFactorInput {
  /** Stable machine code, e.g. `news2.total`, `hf.weightGain24h`. */
  code: string;
  /** The words a nurse reads. */
  message: string;
  points?: number;
  severity?: 'info' | 'low' | 'medium' | 'high' | 'critical';
}

/** An alert that is not resolved (open, or acknowledged). */
export interface WorklistAlertInput {
  alertId: string;
  severity: AlertSeverity;
  /** The clinical problem or rule code (`risk.level`, `phq9.item9`, `engagement.missedCheckIn`, ...). */
  problem: string;
  /** When the cause happened (device time of the check-in, or the engine's `triggeredAt`). */
  raisedAtMs: number;
  /** One line for a nurse, e.g. the alert's `summary`. */
  summary?: string;
  reasons?: readonly WorklistFactorInput[];
  /** Set when someone acknowledged it: still unresolved, but someone is on it. */
  acknowledgedAtMs?: number;
}

export interface WorklistScoreInput {
  value: number;
  level: RiskLevel;
  /** Device time of the scored check-in. */
  atMs: number;
  factors?: readonly WorklistFactorInput[];
}

export interface WorklistTrendPoint {
  value: number;
  level?: RiskLevel;
  atMs: number;
}

export interface WorklistContactInput {
  atMs: number;
  outcome: ContactOutcome;
}

export interface WorklistSnoozeInput {
  /** The patient leaves the top of the list until then. */
  untilMs: number;
  /** When it was set (the contact's time); defaults to the last contact's time. */
  setAtMs?: number;
  /** The worst unresolved alert severity when it was set (null: none). */
  alertSeverityAtSet?: AlertSeverity | null;
  /** The latest score level when it was set (null: none). */
  levelAtSet?: RiskLevel | null;
}

export interface WorklistPatientInput {
  patientId: string;
  alerts?: readonly WorklistAlertInput[];
  latestScore?: WorklistScoreInput | null;
  /** Recent scores (any order; the latest may be repeated here). */
  trend?: readonly WorklistTrendPoint[];
  /** Device time of the last check-in; null or absent when the patient never checked in. */
  lastCheckInMs?: number | null;
  /** Defaults to options.defaultCheckInIntervalHours (48). */
  expectedCheckInIntervalHours?: number;
  lastContact?: WorklistContactInput | null;
  snooze?: WorklistSnoozeInput | null;
}

export type ReasonKind = 'alert' | 'score' | 'factor' | 'trend' | 'checkin' | 'contact' | 'snooze';

/** One reason in a nurse's words. `points` is what it added to the priority (0 for explanations). */
export interface WorklistReason {
  kind: ReasonKind;
  /** Stable code: `alert.<problem>`, `score.level`, `factor.<code>`, `trend.rising`, `checkin.overdue`, ... */
  code: string;
  text: string;
  points: number;
}

/** The parts the priority is made of (before the 0-100 cap), for analysis and tests. */
export interface PriorityComponents {
  alerts: number;
  score: number;
  trend: number;
  checkIn: number;
  contact: number;
}

export interface WorklistRanking {
  patientId: string;
  /** 0-100, one decimal. Higher is sooner. */
  priority: number;
  level: PriorityLevel;
  /** Most important first. */
  reasons: WorklistReason[];
  components: PriorityComponents;
  /** True while a snooze holds: such entries sort after every entry that is not snoozed. */
  snoozed: boolean;
  /** Set when a snooze was broken by something new and worse. */
  snoozeBroken: boolean;
  /** Whole expected intervals since the last check-in (0 when on time or never checked in). */
  overdueCheckIns: number;
  worstAlertSeverity: AlertSeverity | null;
}

/** A ranked entry: `rank` is 1-based in the sorted output. */
export interface WorklistEntry extends WorklistRanking {
  rank: number;
}

export interface WorklistOptions {
  defaultCheckInIntervalHours: number;
  /** Scores older than this count half. */
  staleScoreHours: number;
  /** Window of the trend: points older than this before now are ignored. */
  trendWindowHours: number;
  /** A rise of at least this many score points counts as rising. */
  trendMinRise: number;
  /** How long an unsuccessful contact (no answer, message left) keeps nudging a retry. */
  retryWindowHours: number;
}

export class WorklistInputError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'WorklistInputError';
  }
}
