/**
 * Kafka topics and their settings: the one list that services, tests and deployment
 * manifests read (deploy/k8s is checked against it).
 */
export const TOPICS = {
  checkins: 'checkins.v1',
  patients: 'patients.v1',
  riskScores: 'risk-scores.v1',
  alerts: 'alerts.v1',
  /** The care team's contacts with patients (`contact.logged`), keyed by patient; the note is PHI. */
  careActivity: 'care-activity.v1',
  audit: 'audit.v1',
  reminders: 'reminders.v1',
} as const;

export type TopicKey = keyof typeof TOPICS;
export type TopicName = (typeof TOPICS)[TopicKey];

export const DLQ_SUFFIX = '.dlq';

export function dlqTopic(topic: string): string {
  return `${topic}${DLQ_SUFFIX}`;
}

export interface TopicSpec {
  name: TopicName | `${TopicName}.dlq`;
  /** compact: keep the latest event per key (patient profiles); delete: time-based retention. */
  cleanupPolicy: 'delete' | 'compact';
  /** -1 means forever (the production overlay sets real values per environment). */
  retentionMs: number;
  /** Whether consumers of this topic dead-letter into `<topic>.dlq`. */
  hasDlq: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

export const TOPIC_SPECS: readonly TopicSpec[] = [
  // The system of record for raw input: kept long enough to replay.
  { name: TOPICS.checkins, cleanupPolicy: 'delete', retentionMs: 365 * DAY_MS, hasDlq: true },
  // Each event carries the whole profile, so compaction keeps exactly what the scorer needs.
  { name: TOPICS.patients, cleanupPolicy: 'compact', retentionMs: -1, hasDlq: true },
  // care-api's worklist consumes it (and dead-letters what it can never apply).
  { name: TOPICS.riskScores, cleanupPolicy: 'delete', retentionMs: 90 * DAY_MS, hasDlq: true },
  { name: TOPICS.alerts, cleanupPolicy: 'delete', retentionMs: 90 * DAY_MS, hasDlq: true },
  // Contacts are stored in Cassandra for good; the topic feeds the worklist and other consumers.
  { name: TOPICS.careActivity, cleanupPolicy: 'delete', retentionMs: 90 * DAY_MS, hasDlq: true },
  { name: TOPICS.audit, cleanupPolicy: 'delete', retentionMs: 400 * DAY_MS, hasDlq: false },
  // reminder.due for the patient app's push service: a reminder is stale within days, so a week covers any outage.
  { name: TOPICS.reminders, cleanupPolicy: 'delete', retentionMs: 7 * DAY_MS, hasDlq: true },
];

/** Every topic including dead-letter topics, with settings. */
export function allTopicSpecs(): TopicSpec[] {
  const out: TopicSpec[] = [];
  for (const spec of TOPIC_SPECS) {
    out.push(spec);
    if (spec.hasDlq) {
      out.push({ name: dlqTopic(spec.name) as TopicSpec['name'], cleanupPolicy: 'delete', retentionMs: 30 * DAY_MS, hasDlq: false });
    }
  }
  return out;
}

/**
 * Tests isolate themselves by prefixing topic names (`t1a2b.checkins.v1`); production uses no prefix.
 */
export function prefixedTopic(topic: string, prefix = ''): string {
  return prefix ? `${prefix}${topic}` : topic;
}
