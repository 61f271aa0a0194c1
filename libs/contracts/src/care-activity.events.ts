/**
 * `data` of `contact.logged` on care-activity.v1: a care-team member's contact with a patient.
 * Keyed by patient. The note is PHI: stored and streamed to the team, never logged.
 */
import type { AlertSeverity, RiskLevel } from './risk.events';

export const CONTACT_OUTCOMES = ['reached', 'no-answer', 'message-left', 'escalated'] as const;
export type ContactOutcome = (typeof CONTACT_OUTCOMES)[number];

export interface ContactLoggedData {
  /** Unique per contact; the CloudEvents id and the stored row's id. */
  contactId: string;
  patientId: string;
  tenantId: string;
  /** The patient's care team when the contact was logged. */
  careTeamId: string;
  /** The user (`sub`) who logged it. */
  by: string;
  /** When it was logged (server time, ISO-8601). */
  at: string;
  outcome: ContactOutcome;
  /** Free text (PHI). */
  note?: string;
  /** The patient leaves the top of the worklist until then, unless something new and worse arrives. */
  nextContactAt?: string;
  /** Alerts resolved with this contact. */
  resolvedAlertIds: string[];
  /**
   * What the team knew when it logged the contact, so a snooze can tell "new and worse" from what
   * was already dealt with: the worst unresolved alert (including the ones resolved with it) and
   * the latest risk level. null: none.
   */
  knownWorstAlertSeverity: AlertSeverity | null;
  knownRiskLevel: RiskLevel | null;
}
