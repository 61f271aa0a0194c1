/** CloudEvents `type` values (reverse-DNS) and the current data schema version of each. */
export const EVENT_TYPES = {
  checkinReceived: 'org.vigil.checkin.received',
  patientEnrolled: 'org.vigil.patient.enrolled',
  patientUpdated: 'org.vigil.patient.updated',
  patientDischarged: 'org.vigil.patient.discharged',
  riskScored: 'org.vigil.risk.scored',
  alertRaised: 'org.vigil.alert.raised',
  /** Additive: new evidence for an open alert (v2 consolidation). */
  alertUpdated: 'org.vigil.alert.updated',
  alertAcknowledged: 'org.vigil.alert.acknowledged',
  alertResolved: 'org.vigil.alert.resolved',
  contactLogged: 'org.vigil.contact.logged',
  auditRecorded: 'org.vigil.audit.recorded',
  reminderDue: 'org.vigil.reminder.due',
} as const;

export type EventType = (typeof EVENT_TYPES)[keyof typeof EVENT_TYPES];

/** Additive changes bump the minor number; a breaking change is a new topic version. */
export const DATA_SCHEMA_VERSION = '1.0';

export const EVENT_SOURCES = {
  ingestApi: 'vigil/ingest-api',
  careApi: 'vigil/care-api',
  riskScorer: 'vigil/risk-scorer',
  replay: 'vigil/replay',
} as const;
