/** `data` shapes of risk-scores.v1 and alerts.v1. The risk engine has its own types; the scorer maps them here. */

export type RiskLevel = 'none' | 'low' | 'medium' | 'high' | 'critical';
export type FactorSeverity = 'info' | 'low' | 'medium' | 'high' | 'critical';
export type AlertSeverity = 'medium' | 'high' | 'critical';

export interface RiskFactorData {
  /** Stable machine code, e.g. `news2.respiratoryRate`, `hf.weightGain24h`, `phq9.item9`, `baseline.spo2`. */
  code: string;
  value: number | string | boolean;
  threshold: string;
  points: number;
  severity: FactorSeverity;
  /** What a nurse reads. */
  message: string;
}

export interface News2Summary {
  total: number;
  level: 'low' | 'low-medium' | 'medium' | 'high';
  partial: boolean;
  parametersPresent: string[];
  parametersMissing: string[];
}

/** `data` of `risk.scored`: one per scored check-in. */
export interface RiskScoredData {
  modelVersion: string;
  patientId: string;
  tenantId: string;
  checkInId: string;
  recordedAt: string;
  score: number;
  level: RiskLevel;
  factors: RiskFactorData[];
  news2: News2Summary | null;
  /** True when the check-in arrived too late to alert on. */
  late: boolean;
}

/** `data` of `alert.raised`. */
export interface AlertRaisedData {
  alertId: string;
  modelVersion: string;
  patientId: string;
  tenantId: string;
  careTeamId: string;
  ruleCode: string;
  severity: AlertSeverity;
  level: RiskLevel;
  score: number;
  checkInId?: string;
  triggeredAt: string;
  reasons: RiskFactorData[];
  summary: string;
  /** Additive (v2 alerts): the clinical problem; one open alert per patient and problem. */
  problem?: ClinicalProblem;
  /** Additive (v2 alerts), present only when true: raised from a late check-in; `triggeredAt` is its device time. */
  late?: boolean;
}

/** Additive: the problems v2 consolidates alerts by. */
export type ClinicalProblem = 'heart-failure' | 'copd' | 'cardiorespiratory' | 'glycaemia' | 'mood';

/**
 * `data` of `alert.updated` (additive): new evidence for an open alert. The alert keeps
 * its id; `interrupts` says the severity rose above what the team was told (show it as new).
 */
export interface AlertUpdatedData {
  alertId: string;
  /** Id of this update (the event id), derived from the alert and the check-in that brought the evidence. */
  updateId: string;
  modelVersion: string;
  patientId: string;
  tenantId: string;
  careTeamId: string;
  problem: ClinicalProblem;
  ruleCode: string;
  severity: AlertSeverity;
  previousSeverity: AlertSeverity;
  interrupts: boolean;
  level: RiskLevel;
  score: number;
  checkInId: string;
  triggeredAt: string;
  late?: boolean;
  reasons: RiskFactorData[];
  allReasonCodes: string[];
  summary: string;
}

/** `data` of `alert.acknowledged` and `alert.resolved`. */
export interface AlertLifecycleData {
  alertId: string;
  patientId: string;
  tenantId: string;
  careTeamId: string;
  status: 'acknowledged' | 'resolved';
  /** The user (`sub`) who changed it. */
  by: string;
  at: string;
  note?: string;
}

export type AlertStatus = 'open' | 'acknowledged' | 'resolved';
