import type {
  AlertPage,
  AlertRaisedData,
  AlertSeverity,
  AlertStatus,
  AlertStreamData,
  AlertStreamReadyData,
  AlertView,
  RiskFactorData,
  RiskLevel,
} from '@vigil/contracts';

// What care-api sends (REST alert views, SSE data) is a contract: libs/contracts/src/care-views.ts.
export type { AlertPage, AlertRaisedData, AlertSeverity, AlertStatus, AlertStreamData, AlertStreamReadyData, AlertView, RiskFactorData, RiskLevel };

/** RFC 9457 body of every care-api error (ProblemDetails in libs/contracts/src/http.ts). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
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
