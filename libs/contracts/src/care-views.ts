/**
 * What care-api sends the care dashboard: the alert views of its REST answers and the `data` of its
 * Server-Sent Events. A browser bundle imports this file (through browser.ts), so it has no runtime
 * imports and no runtime code: types only.
 */
import type { PatientProfile } from './patient-profile';
import type { AlertRaisedData, AlertStatus, AlertUpdatedData, News2Summary, RiskFactorData, RiskLevel } from './risk.events';

/** The SSE `type` of an alert event: the CloudEvents type without the `org.vigil.` prefix. */
export type AlertEventKind = 'alert.raised' | 'alert.updated' | 'alert.acknowledged' | 'alert.resolved';

/** `data` of an SSE `alert` event of `GET /v1/alerts/stream` (also what the stream stores per alert event). */
export interface AlertStreamData {
  /** The stream position of this event: the same as the SSE `id`. Absent in storage. */
  cursor?: string;
  /** CloudEvents id of the alert event. */
  eventId: string;
  type: AlertEventKind;
  alertId: string;
  patientId: string;
  careTeamId: string;
  /**
   * The status this event moves the alert to (`open` for raised). For `alert.updated`: the status
   * the alert has after it (`open` when an interrupting update re-opened an acknowledged alert).
   */
  status: AlertStatus;
  /** Event time. */
  at: string;
  /** alert.raised: the whole alert (reasons a nurse can act on). */
  alert?: AlertRaisedData;
  /**
   * alert.updated (model v2): the new evidence for an alert raised earlier (same `alertId`). A
   * client updates that alert in place, never shows a second one; `update.interrupts` says the
   * severity rose above what the team was told.
   */
  update?: AlertUpdatedData;
  /** alert.acknowledged / alert.resolved: who, when, note. */
  change?: AlertChange;
}

export interface AlertChange {
  /** The user (`sub`) who changed it. */
  by: string;
  at: string;
  note?: string;
}

/** `data` of the SSE `ready` event: sent once caught up; its `id` (and `cursor`) is the position reached. */
export interface AlertStreamReadyData {
  cursor: string;
  /** Events replayed after the client's Last-Event-ID (0 without one). */
  resumed: number;
  /** Where the replay was read from; absent without a Last-Event-ID. */
  source?: 'redis' | 'cassandra';
}

/** An alert as care-api answers it (`GET /v1/alerts`, `GET /v1/alerts/{id}`, `POST .../acknowledge|resolve`). */
export interface AlertView {
  alertId: string;
  patientId: string;
  careTeamId: string;
  status: AlertStatus;
  /** An AlertSeverity (`medium`, `high`, `critical`); typed as stored, a string. */
  severity: string;
  /** A RiskLevel; typed as stored, a string. */
  level: string;
  score: number;
  ruleCode: string;
  modelVersion: string;
  checkInId?: string;
  /** Device time of the cause. */
  triggeredAt: string;
  summary: string;
  reasons: RiskFactorData[];
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  /** The note given with the acknowledgement (PHI: shown to the team, never logged). */
  acknowledgedNote?: string;
  resolvedBy?: string;
  resolvedAt?: string;
  /** The note given with the resolution (or the note of the contact that resolved it). */
  resolvedNote?: string;
}

/** A page of `GET /v1/alerts`, newest first. */
export interface AlertPage {
  items: AlertView[];
  /** Pass back as `cursor` (with the same filters); null at the end. */
  nextCursor: string | null;
}

/** One point of `GET /v1/patients/{id}/observations`. */
export interface ObservationPointView {
  /** Device time. */
  recordedAt: string;
  checkInId: string;
  value: number;
}

/** A page of `GET /v1/patients/{id}/observations` (one metric, device-time order). */
export interface ObservationsPage {
  patientId: string;
  metric: string;
  from: string;
  to: string;
  items: ObservationPointView[];
  /** Pass back as `cursor`; null when the range is exhausted. */
  nextCursor: string | null;
}

/** One score of `GET /v1/patients/{id}/risk`. */
export interface RiskPointView {
  /** Device time of the scored check-in. */
  recordedAt: string;
  checkInId: string;
  modelVersion: string;
  score: number;
  level: RiskLevel;
  factors: RiskFactorData[];
  news2: News2Summary | null;
  late: boolean;
  scoredAt: string | null;
}

/** A page of `GET /v1/patients/{id}/risk`. */
export interface RiskPage {
  patientId: string;
  from: string;
  to: string;
  items: RiskPointView[];
  nextCursor: string | null;
}

/** A patient profile as care-api answers it (`GET /v1/patients/{id}`, `PUT`): the tenant is the caller's own, so it is left out. */
export type PatientProfileView = Omit<PatientProfile, 'tenantId'>;
