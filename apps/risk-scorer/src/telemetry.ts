import type { DestinationStream } from 'pino';
import { createLogger as createVigilLogger, createMetrics, type Logger, type VigilMetrics } from '@vigil/observability';

/**
 * Logs and metrics of the scorer, on @vigil/observability (JSON logs with PHI keys redacted and
 * trace ids; Prometheus metrics with guarded label names). What the scorer logs: ids (pseudonymous
 * patient ids, check-in and alert ids), counts, offsets and error names, never check-in values or
 * notes. Metric labels are bounded enums, never ids. Logging is pino's (fields, msg), as in every service.
 */
export type ScorerLog = Logger;

export const SERVICE_NAME = 'risk-scorer';

export function createPinoLogger(level: string, destination?: DestinationStream): Logger {
  return createVigilLogger({ service: SERVICE_NAME, level, destination });
}

/** The shared metrics (VigilMetrics) plus the scorer's own; one set per app instance (tests run several). */
export class ScorerMetrics {
  readonly checkIns;
  readonly scores;
  readonly alerts;
  readonly stateConflicts;
  readonly profiles;
  readonly pendingDrained;
  readonly engagementTicks;
  readonly engagementChecked;
  readonly engagementLeader;
  readonly reminders;
  readonly alertUpdates;
  readonly patientSeconds;

  constructor(readonly vigil: VigilMetrics = createMetrics({ service: SERVICE_NAME })) {
    const m = vigil;
    // outcome: scored | duplicate | parked | invalid | ignored
    this.checkIns = m.counter('vigil_risk_scorer_checkins_total', 'Consumed check-ins by outcome', ['outcome']);
    this.scores = m.counter('vigil_risk_scorer_scores_total', 'risk.scored events published, by level', ['level']);
    // kind: checkin | engagement | suppressed (discharged patient: not published)
    this.alerts = m.counter('vigil_risk_scorer_alerts_total', 'alert.raised events by severity and kind', ['severity', 'kind']);
    this.stateConflicts = m.counter('vigil_risk_scorer_state_conflicts_total', 'Conditional state writes that lost a race (retried)', []);
    this.profiles = m.counter('vigil_risk_scorer_profiles_total', 'patients.v1 events applied, by resulting status', ['status']);
    this.pendingDrained = m.counter('vigil_risk_scorer_pending_drained_total', 'Parked check-ins scored after their enrolment arrived', []);
    // outcome: ran | not-leader | consumer-lagging | lease-lost | failed
    this.engagementTicks = m.counter('vigil_risk_scorer_engagement_ticks_total', 'Engagement ticks by outcome', ['outcome']);
    this.engagementChecked = m.counter('vigil_risk_scorer_engagement_checked_total', 'Due engagement rows evaluated', []);
    this.engagementLeader = m.gauge('vigil_risk_scorer_engagement_leader', '1 while this instance holds the engagement lock', []);
    // interrupts: true (a severity rise above what the team was told) | false (new evidence only)
    this.alertUpdates = m.counter('vigil_risk_scorer_alert_updates_total', 'alert.updated events published (model v2), by severity', [
      'severity',
      'interrupts',
    ]);
    this.reminders = m.counter('vigil_risk_scorer_reminders_total', 'reminder.due events published (reminders.v1)', []);
    this.patientSeconds = m.histogram(
      'vigil_risk_scorer_patient_batch_seconds',
      "Time to score, publish and persist one patient's check-ins of a batch",
      [],
      [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
  }

  /** An alert published: the scorer's counter and the shared `vigil_alerts_raised_total{rule, severity}`. */
  alertRaised(rule: string, severity: string, kind: 'checkin' | 'engagement'): void {
    this.alerts.inc({ severity, kind });
    this.vigil.alertsRaised.inc({ rule, severity });
  }

  /** An alert.updated published (v2 consolidation): counted apart, it is not a new alert. */
  alertUpdated(severity: string, interrupts: boolean): void {
    this.alertUpdates.inc({ severity, interrupts: String(interrupts) });
  }
}
