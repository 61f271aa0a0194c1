import type { AlertRaisedData, AlertSeverity, AlertStatus, RiskFactorData, RiskLevel } from '@vigil/contracts';

export type { AlertRaisedData, AlertSeverity, AlertStatus, RiskFactorData, RiskLevel };

/** RFC 9457 body of every care-api error (ProblemDetails in libs/contracts/src/http.ts). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
}

/** An alert as care-api answers it (AlertView of GET /v1/alerts, POST .../acknowledge|resolve). */
export interface AlertView {
  alertId: string;
  patientId: string;
  careTeamId: string;
  status: AlertStatus;
  severity: string;
  level: string;
  score: number;
  ruleCode: string;
  modelVersion: string;
  checkInId?: string;
  triggeredAt: string;
  summary: string;
  reasons: RiskFactorData[];
  acknowledgedBy?: string;
  acknowledgedAt?: string;
  resolvedBy?: string;
  resolvedAt?: string;
}

export interface AlertPage {
  items: AlertView[];
  nextCursor: string | null;
}

/** `data` of an SSE `alert` event (AlertStreamData in apps/care-api/src/stream/alert-event.ts). */
export interface AlertStreamData {
  cursor?: string;
  eventId: string;
  type: 'alert.raised' | 'alert.acknowledged' | 'alert.resolved';
  alertId: string;
  patientId: string;
  careTeamId: string;
  status: AlertStatus;
  at: string;
  alert?: AlertRaisedData;
  change?: { by: string; at: string; note?: string };
}

export interface ObservationPoint {
  recordedAt: string;
  checkInId: string;
  value: number;
}

export interface ObservationsPage {
  patientId: string;
  metric: string;
  from: string;
  to: string;
  items: ObservationPoint[];
  nextCursor: string | null;
}

export interface RiskPoint {
  recordedAt: string;
  checkInId: string;
  modelVersion: string;
  score: number;
  level: RiskLevel;
  factors: RiskFactorData[];
  late: boolean;
}

export interface RiskPage {
  patientId: string;
  from: string;
  to: string;
  items: RiskPoint[];
  nextCursor: string | null;
}

/** The claims the dashboard reads from the pasted token (display and team filter only; care-api verifies it). */
export interface TokenClaims {
  sub: string;
  role: string;
  org: string;
  teams: string[];
  exp?: number;
}
