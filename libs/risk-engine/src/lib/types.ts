/**
 * Public types of the risk engine. The engine is pure: every function takes plain JSON-shaped
 * values and returns new ones; nothing here is read from a clock, a file or the network.
 */

/**
 * The registered model versions (models/registry.ts; each is its own strategy under models/).
 * `static-v0`: population rules only (NEWS2, heart-failure weight, questionnaires, glucose,
 * chest pain, symptoms); no personal baselines. The comparison baseline for evaluation and replay.
 * `v1`: static-v0 plus adaptive personal baselines, which both flag sustained deviations from the
 * patient's own normal and temper NEWS2 points that are usual for a stable patient.
 * `v2`: v1's rules with the v2 alert policy (README "Model versions"): reminders before
 * missed-check-in alerts, consolidation of alerts per clinical problem.
 */
export type ModelVersion = 'static-v0' | 'v1' | 'v2';

export type Level = 'none' | 'low' | 'medium' | 'high' | 'critical';
export type Severity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export type AlertSeverity = 'medium' | 'high' | 'critical';
export type Consciousness = 'A' | 'C' | 'V' | 'P' | 'U';
export type Condition = 'heart-failure' | 'copd' | 'diabetes' | 'depression';
export type Instrument = 'PHQ-9' | 'GAD-7' | 'CAT';
export type Adherence = 'all' | 'some' | 'none';
export type Spo2Scale = 1 | 2;
export type News2Level = 'low' | 'low-medium' | 'medium' | 'high';

/** The seven NEWS2 parameters, in the order of the RCP chart. */
export type News2Parameter = 'respiratoryRate' | 'spo2' | 'supplementalOxygen' | 'systolicBp' | 'heartRate' | 'consciousness' | 'temperature';

export interface EngineVitals {
  weightKg?: number;
  systolicBp?: number;
  diastolicBp?: number;
  heartRate?: number;
  respiratoryRate?: number;
  spo2?: number;
  onSupplementalOxygen?: boolean;
  consciousness?: Consciousness;
  temperatureC?: number;
  glucoseMgDl?: number;
}

export interface EngineSymptoms {
  breathlessness?: number;
  swelling?: number;
  fatigue?: number;
  dizziness?: number;
  chestPain?: boolean;
  pain?: number;
}

export interface EngineQuestionnaire {
  instrument: Instrument;
  answers: number[];
}

/** Structurally the contract check-in minus `notes`, plus the ids carried by the event. */
export interface EngineCheckIn {
  checkInId: string;
  patientId: string;
  tenantId: string;
  /** ISO-8601 with offset; device time. */
  recordedAt: string;
  vitals?: EngineVitals;
  symptoms?: EngineSymptoms;
  questionnaires?: EngineQuestionnaire[];
  medication?: { adherence: Adherence };
  /** 1 (lowest) to 5 (best). */
  mood?: number;
}

export interface PatientProfile {
  patientId: string;
  tenantId: string;
  careTeamId: string;
  conditions: Condition[];
  dryWeightKg?: number;
  news2SpO2Scale: Spo2Scale;
  /** Default 48 (or `EngineOptions.defaultCheckInIntervalHours`). */
  expectedCheckInIntervalHours?: number;
  /**
   * Optional addition: ISO time of enrolment. When set, a patient who has never checked in
   * raises the missed-check-in alert once the expected interval has passed since enrolment.
   */
  enrolledAt?: string;
}

/** Which group a factor belongs to for the score (see README "Score and level"). */
export type FactorDomain = 'news2' | 'baseline' | 'weight' | 'mood' | 'copd' | 'glucose' | 'symptoms' | 'medication' | 'input' | 'engagement';

export interface RiskFactor {
  /** Stable machine code, e.g. `news2.respiratoryRate`, `hf.weightGain24h`, `phq9.item9`. */
  code: string;
  value: number | string | boolean;
  /** The rule's threshold or band, in words and numbers. */
  threshold: string;
  /** Score points this factor carries (see README: the score is the sum over domains of the largest). */
  points: number;
  severity: Severity;
  /** A sentence a nurse reads. */
  message: string;
  /** Addition: a short phrase for chips and alert summaries, e.g. "Weight +1.2 kg in 24 h". */
  label: string;
  /** Addition: the score domain. */
  domain: FactorDomain;
  /** Addition, NEWS2 parameter factors only: the RCP points, unmodified. */
  news2Points?: number;
  /** Addition, NEWS2 parameter factors only: the points counted after personal tempering (v1). */
  countedNews2Points?: number;
}

export interface News2Summary {
  /** RCP NEWS2 aggregate of the parameters present, unmodified. */
  total: number;
  level: News2Level;
  partial: boolean;
  parametersPresent: News2Parameter[];
  parametersMissing: News2Parameter[];
  /** Addition: the SpO2 scale used. */
  spo2Scale: Spo2Scale;
  /** Addition: the aggregate after v1's personal tempering (equals `total` for static-v0). */
  countedTotal: number;
  /** Addition: the level of `countedTotal`. */
  countedLevel: News2Level;
}

export interface RiskScore {
  modelVersion: ModelVersion;
  patientId: string;
  tenantId: string;
  checkInId: string;
  recordedAt: string;
  /** 0-100 integer. */
  score: number;
  level: Level;
  factors: RiskFactor[];
  news2: News2Summary | null;
  /** Device time older than the newest seen minus `lateAfterHours`: scored, stored, never alerted. */
  late: boolean;
}

export interface RaisedAlert {
  /** UUID-shaped (version 8) sha-256 of the cause; see README "Alert ids". */
  alertId: string;
  modelVersion: ModelVersion;
  patientId: string;
  tenantId: string;
  careTeamId: string;
  ruleCode: string;
  severity: AlertSeverity;
  level: Level;
  score: number;
  checkInId?: string;
  /** Device time of the cause (the check-in's recordedAt, or the end of the expected interval). */
  triggeredAt: string;
  reasons: RiskFactor[];
  summary: string;
  /** v2 only: the clinical problem this alert is about (README "v2: consolidation"); one open alert per patient and problem. */
  problem?: ClinicalProblem;
  /** v2 only, and only when true: raised from a late check-in (critical factor); `triggeredAt` is its device time. */
  late?: boolean;
}

/**
 * v2: the clinical problems alerts are consolidated by. Heart-failure and COPD signs map to the
 * patient's condition; a patient with both (or neither) has them as `cardiorespiratory`.
 */
export type ClinicalProblem = 'heart-failure' | 'copd' | 'cardiorespiratory' | 'glycaemia' | 'mood';

/**
 * v2: new evidence for an open alert (`alert.updated`). It interrupts the team only when the
 * severity rises above the highest the team was told for this alert.
 */
export interface AlertUpdate {
  /** UUID-shaped sha-256 of the alert id and the check-in that brought the evidence. */
  updateId: string;
  /** The open alert this updates. */
  alertId: string;
  modelVersion: ModelVersion;
  patientId: string;
  tenantId: string;
  careTeamId: string;
  problem: ClinicalProblem;
  /** The rule code of the open alert. */
  ruleCode: string;
  /** The alert's severity after this evidence (never lower than before). */
  severity: AlertSeverity;
  previousSeverity: AlertSeverity;
  /** True when `severity` is above what the team was last told: show it as a new interruption. */
  interrupts: boolean;
  level: Level;
  score: number;
  checkInId: string;
  /** Device time of the new evidence. */
  triggeredAt: string;
  /** Present and true when the evidence came in a late check-in. */
  late?: boolean;
  /** This check-in's reasons for the problem (severity above info). */
  reasons: RiskFactor[];
  /** Codes of every reason the alert has had, sorted. */
  allReasonCodes: string[];
  summary: string;
}

export interface EngineOptions {
  /** The same rule is not raised again within this many hours (device time) unless its severity rises. Default 12. */
  coolDownHours?: number;
  /** A check-in older than the newest seen minus this is late: stored and scored, never alerted. Default 24. */
  lateAfterHours?: number;
  /** Heart failure: weight this far above dry weight is flagged. Default 2. */
  dryWeightMarginKg?: number;
  /** Heart failure: gain against the reading about 24 h earlier. Default 0.9. */
  weightGain24hKg?: number;
  /** Heart failure: gain against the lowest reading of the past 7 days. Default 2.3. */
  weightGain7dKg?: number;
  /**
   * The previous level counts for the "level rises" rule only if it is this recent. Default 72.
   * v1 compares with the highest level of the check-ins within this many hours.
   */
  levelMemoryHours?: number;
  /** v1: readings a baseline needs before it is trusted. Default 7 (3 to 28). */
  baselineMinReadings?: number;
  /** v1: robust standard deviations beyond which a reading deviates. Default 3. */
  baselineK?: number;
  /** Interval used when the profile has none. Default 48. */
  defaultCheckInIntervalHours?: number;
  /**
   * v2: the lowest last score after which a silence reaches the team at once (at the interval, beside the
   * reminder) rather than at twice the interval. Default `'medium'` (issue #17). `'high'` is rule R4 of
   * 2026-12-08, measured but not the default: fewer missed-check-in alerts, a medium score's silence waits.
   */
  teamAtOnceFromLevel?: 'medium' | 'high';
}

export interface ScoreResult {
  state: PatientState;
  score: RiskScore;
  /** New alerts (`alert.raised`). */
  alerts: RaisedAlert[];
  /** v2: new evidence for open alerts (`alert.updated`); always empty for static-v0 and v1. */
  updates: AlertUpdate[];
}

export interface EngagementResult {
  state: PatientState;
  /** Alerts for the care team (`alert.raised`): the missed-check-in alert, once per silence. */
  alerts: RaisedAlert[];
  /** v2: reminders for the patient (`reminder.due` on reminders.v1), once per silence; always empty for static-v0 and v1. */
  reminders: EngineReminder[];
}

/**
 * v2: the patient passed their expected check-in interval. For the patient app's push service
 * (`reminder.due`), not for the care team. Content and id depend only on the silence, never on
 * the moment it was noticed.
 */
export interface EngineReminder {
  /** UUID-shaped (version 8) sha-256 of model, tenant, patient and the silence's start. */
  reminderId: string;
  modelVersion: ModelVersion;
  patientId: string;
  tenantId: string;
  careTeamId: string;
  /** Device time of the newest check-in; null when the patient never checked in (the silence counts from enrolment). */
  lastCheckInAt: string | null;
  /** When the check-in became overdue: the silence's start plus the expected interval. */
  dueAt: string;
  expectedIntervalHours: number;
  /**
   * When the care team hears of the silence if it goes on (the missed-check-in alert): twice the
   * interval, or `dueAt` itself when the last score was medium or above (the team is told at once).
   */
  escalatesAt: string;
}

// ---------------------------------------------------------------------------------------------
// State. JSON-serialisable, bounded; times are epoch milliseconds (device time).

/**
 * One metric's readings, column-wise (compact in memory and in JSON): `t[i]` device time (epoch
 * ms), `v[i]` value; ordered by (t, v); a (t, v) pair appears once.
 */
export interface Series {
  t: number[];
  v: number[];
}

/**
 * Per-metric observation series kept in the state. `spo2` holds readings on air (or with the
 * oxygen field absent), `spo2OnOxygen` readings on supplemental oxygen, `onOxygen` 1/0 for every
 * check-in that said whether the patient was on oxygen.
 */
export type SeriesKey = 'spo2' | 'spo2OnOxygen' | 'heartRate' | 'respiratoryRate' | 'systolicBp' | 'temperatureC' | 'weightKg' | 'onOxygen';

export interface AlertMemo {
  ruleCode: string;
  /** Device time of the cause of the last alert raised for this rule. */
  at: number;
  severity: AlertSeverity;
  alertId: string;
}

/** Alerting bookkeeping, kept per model version so that one state can serve both. */
export interface ModelBook {
  lastLevel: Level;
  lastScore: number;
  /** Device time of the check-in that set `lastLevel`. */
  lastLevelAt: number | null;
  /** Sorted by ruleCode. */
  alerts: AlertMemo[];
  /** Silence start (epoch ms) for which the missed-check-in alert was raised. */
  engagementNotifiedFor: number | null;
  /** v2 only (absent elsewhere): silence start (epoch ms) for which the reminder was yielded. */
  remindedFor?: number;
  /**
   * v1 only (absent in static-v0 books and in states written before it existed): the levels of the
   * newest scored check-ins within `levelMemoryHours`, oldest first, each strictly lower than the
   * one before (a sliding-window maximum: the first entry is the highest level of the window).
   * v1 raises `risk.level` only above that highest level.
   */
  recentLevels?: LevelMark[];
  /**
   * v1 only: device time of the newest check-in scored medium or above with a glucose factor among
   * its causes. A glucose finding with none within `levelMemoryHours` is new: the level memory of
   * an unrelated (cardiorespiratory or mental) level does not hold it back.
   */
  glucoseLevelAt?: number;
  /** v2 only: the open alerts by problem, sorted by problem. */
  problems?: ProblemMemo[];
  /** v2 only: unconfirmed problems of recent check-ins, sorted by problem then time. */
  candidates?: ProblemCandidate[];
}

/** v2: one open alert per clinical problem (README "v2: consolidation"). */
export interface ProblemMemo {
  problem: ClinicalProblem;
  alertId: string;
  ruleCode: string;
  /** Device time of the check-in that opened it. */
  openedAt: number;
  /** Device time of the newest evidence; the alert closes after `problemQuietHours` without any. */
  lastAt: number;
  /** The highest severity the evidence has reached. */
  severity: AlertSeverity;
  /** The highest severity the team was interrupted with (raised, or an interrupting update). */
  notified: AlertSeverity;
  /** Every reason code so far, sorted. */
  codes: string[];
}

/** v2: a problem seen at medium or above without confirmation, waiting for the next reading (artefact confirmation). */
export interface ProblemCandidate {
  problem: ClinicalProblem;
  /** Device time of the unconfirmed check-in. */
  at: number;
  severity: AlertSeverity;
}

export interface LevelMark {
  level: Level;
  /** Device time of the check-in scored at this level. */
  at: number;
}

/**
 * Totals of the questionnaires whose unchanged repeat v1 does not alert on (README "Questionnaires:
 * a repeat is not a rise"), by device time: the highest valid total of each check-in that had one.
 */
export interface QuestionnaireHistory {
  gad7: Series;
  cat: Series;
}

export interface PatientHistory {
  /** Newest device time of any check-in folded in. */
  newestAt: number | null;
  series: Record<SeriesKey, Series>;
  /** Absent in states written before it existed: read as no previous answers. */
  questionnaires?: QuestionnaireHistory;
  /** Blood glucose readings (mg/dL, whole), by device time; absent until the first one (and in states written before it existed). */
  glucose?: Series;
  /** Mood answers (1–5), by device time; absent until the first one (and in states written before it existed). */
  mood?: Series;
}

export interface PatientState {
  schemaVersion: 1;
  patientId: string;
  tenantId: string;
  /** A function of the set of check-ins folded in, whatever their arrival order. */
  history: PatientHistory;
  /**
   * Depends on arrival order and on engagement checks (alerts are decisions taken in time). A book
   * is absent until its model first ran on this state (states written before v2 have no `v2`
   * book); the engine reads an absent book as an empty one.
   */
  models: Partial<Record<ModelVersion, ModelBook>>;
}

export class RiskEngineInputError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'RiskEngineInputError';
  }
}
