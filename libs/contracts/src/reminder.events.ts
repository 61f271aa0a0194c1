/**
 * `data` of `reminder.due` on reminders.v1 (keyed by patient), for the patient app's push service:
 * the patient's check-in is due. Published by the risk-scorer when a patient's silence passes their
 * expected interval, before (and instead of, until twice the interval) a missed-check-in alert to
 * the care team. No PHI: ids and times only.
 */
export interface ReminderDueData {
  /** Derived from the silence it reminds of: a re-published reminder has the same id (the event id too). */
  reminderId: string;
  modelVersion: string;
  patientId: string;
  tenantId: string;
  /** Device time of the newest check-in (or the enrolment, if there was none): where the silence started. */
  silenceSince: string;
  /** When the next check-in was due (the silence passed the expected interval). */
  dueAt: string;
  expectedIntervalHours: number;
  /** When the care team hears of it, unless a check-in arrives first (twice the interval); null if it already has. */
  escalatesAt: string | null;
}
