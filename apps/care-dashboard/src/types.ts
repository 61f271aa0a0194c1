// What care-api sends (REST views, SSE data) is a contract: libs/contracts/src/care-views.ts.
export type {
  AlertPage,
  AlertRaisedData,
  AlertSeverity,
  AlertStatus,
  AlertStreamData,
  AlertStreamReadyData,
  AlertView,
  Condition,
  ContactOutcome,
  ContactPage,
  ContactView,
  ObservationPointView as ObservationPoint,
  ObservationsPage,
  PatientProfileView,
  RiskFactorData,
  RiskLevel,
  RiskPage,
  RiskPointView as RiskPoint,
  WorklistEntryView,
  WorklistPage,
  WorklistPriorityLevel,
  WorklistReasonView,
  WorklistStreamData,
  WorklistStreamReadyData,
} from '@vigil/contracts';

/** RFC 9457 body of every care-api error (ProblemDetails in libs/contracts/src/http.ts). */
export interface Problem {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  requestId?: string;
  errors?: { path: string; message: string }[];
}

/** The claims the dashboard reads from the pasted token (display and team filter only; care-api verifies it). */
export interface TokenClaims {
  sub: string;
  role: string;
  org: string;
  teams: string[];
  exp?: number;
}
