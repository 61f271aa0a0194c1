/**
 * `data` of `audit.recorded` on audit.v1: who read or changed which patient's data, when, from which
 * request. Ids and names of things only: never a value, a note, a name or a token. One event per
 * patient, with the same `auditId` as the row care-api writes to its `audit_log` table.
 */
export type AuditOutcome = 'success' | 'denied' | 'not_found';

export interface AuditRecordedData {
  /** Unique per record; the id of the event and of the audit_log row. */
  auditId: string;
  tenantId: string;
  /** When the access happened (ISO-8601). */
  at: string;
  /** The user (`sub` of the token). */
  actor: string;
  actorRole: string;
  /** What was done, e.g. `patient.observations.read`, `alerts.stream.subscribe`, `alert.acknowledge`. */
  action: string;
  /** The patient whose data it was; null for actions about no one patient (a stream subscription). */
  patientId: string | null;
  /** Route pattern plus non-PHI selectors, e.g. `GET /v1/patients/:id/observations metric=weightKg`. */
  resource: string;
  /** The care team the record is about, where one is (a move between teams: one record for each team). */
  careTeamId?: string;
  requestId: string;
  outcome: AuditOutcome;
}
