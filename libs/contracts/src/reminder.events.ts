/**
 * `data` of `reminder.due` on reminders.v1 (keyed by patient), for the patient app's push service:
 * the patient's check-in is overdue. Published by the risk-scorer when a patient's silence passes
 * their expected interval (model v2), before a missed-check-in alert reaches the care team. No PHI:
 * ids and times only.
 */
export interface ReminderDueData {
  /** Derived from the silence it reminds of: a re-published reminder has the same id (the event id too). */
  reminderId: string;
  modelVersion: string;
  patientId: string;
  tenantId: string;
  careTeamId: string;
  /** Device time of the newest check-in; null when the patient never checked in (the silence counts from enrolment). */
  lastCheckInAt: string | null;
  /**
   * When the check-in became overdue: one expected interval into the silence, which counts from the
   * later of the newest check-in's device time and the time it arrived (apps/risk-scorer README).
   */
  dueAt: string;
  expectedIntervalHours: number;
  /** When the care team hears of the silence if it goes on: twice the interval, or `dueAt` after a medium+ score. */
  escalatesAt: string;
}
