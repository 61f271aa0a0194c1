import type { Counter, Histogram } from 'prom-client';
import type { VigilMetrics } from '@vigil/observability';

/** care-api's own series, beside the shared ones of @vigil/observability (labels: codes only, never ids). */
export class CareMetrics {
  readonly alertEvents: Counter<'type' | 'outcome'>;
  readonly alertStoreSeconds: Histogram<never>;
  readonly sseEvents: Counter<'phase'>;
  readonly sseResumes: Counter<'source'>;
  readonly sseDisconnects: Counter<'reason'>;
  readonly auditWrites: Counter<'outcome'>;
  readonly enrolments: Counter<'outcome'>;
  readonly alertTransitions: Counter<'action' | 'outcome'>;
  readonly contacts: Counter<'outcome' | 'result'>;

  constructor(readonly vigil: VigilMetrics) {
    this.alertEvents = vigil.counter('vigil_care_alert_events_total', 'alerts.v1 events consumed, by type and outcome (stored, duplicate, invalid)', [
      'type',
      'outcome',
    ]);
    this.alertStoreSeconds = vigil.histogram(
      'vigil_care_alert_store_seconds',
      'Time to store one alert event (dedupe, Redis append, Cassandra writes)',
      [],
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    );
    this.sseEvents = vigil.counter('vigil_care_sse_events_sent_total', 'Alert events written to SSE clients, by phase (resume, live)', ['phase']);
    this.sseResumes = vigil.counter(
      'vigil_care_sse_resumes_total',
      'SSE reconnects with Last-Event-ID, by where the missed events came from (redis, cassandra)',
      ['source'],
    );
    this.sseDisconnects = vigil.counter('vigil_care_sse_disconnects_total', 'SSE streams closed, by reason (client, slow, shutdown, error, expired)', [
      'reason',
    ]);
    this.auditWrites = vigil.counter('vigil_care_audit_writes_total', 'Audit trail writes, by outcome', ['outcome']);
    this.enrolments = vigil.counter('vigil_care_enrolments_total', 'PUT /v1/patients outcomes (enrolled, updated, unchanged)', ['outcome']);
    this.alertTransitions = vigil.counter('vigil_care_alert_transitions_total', 'Acknowledge / resolve calls by outcome (changed, unchanged, conflict)', [
      'action',
      'outcome',
    ]);
    this.contacts = vigil.counter(
      'vigil_care_contacts_total',
      'POST /v1/patients/{id}/contacts answered, by contact outcome and result (logged, replayed: the same contactId again)',
      ['outcome', 'result'],
    );
  }
}
