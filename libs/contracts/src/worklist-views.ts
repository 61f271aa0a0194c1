/**
 * What care-api answers for the worklist and contacts, and the `data` of the worklist stream's
 * Server-Sent Events. Types only, no runtime code (the dashboard imports it through browser.ts).
 */
import type { ContactOutcome } from './care-activity.events';
import type { AlertSeverity, RiskLevel } from './risk.events';

/** How soon a patient needs contact: `urgent` now, `high` today, `medium` soon, `low` routine (libs/worklist). */
export type WorklistPriorityLevel = 'urgent' | 'high' | 'medium' | 'low';

/** One reason in a nurse's words; `code` is stable (`alert.<rule>`, `score.level`, `factor.<code>`, `trend.rising`, `checkin.overdue`, ...). */
export interface WorklistReasonView {
  kind: 'alert' | 'score' | 'factor' | 'trend' | 'checkin' | 'contact' | 'snooze';
  code: string;
  text: string;
  /** What it added to the priority (0 for explanations). */
  points: number;
}

/** An unresolved alert as the worklist shows it (the whole alert: `GET /v1/alerts/{id}`). */
export interface WorklistAlertView {
  alertId: string;
  severity: AlertSeverity;
  ruleCode: string;
  summary: string;
  /** Device time of the cause. */
  triggeredAt: string;
  status: 'open' | 'acknowledged';
}

export interface WorklistContactView {
  contactId: string;
  at: string;
  outcome: ContactOutcome;
  by: string;
}

/** One row of `GET /v1/worklist` and the `entry` of a `worklist` SSE event. */
export interface WorklistEntryView {
  patientId: string;
  careTeamId: string;
  conditions: string[];
  /** 0-100 (one decimal), higher is sooner; computed at `computedAt`. */
  priority: number;
  level: WorklistPriorityLevel;
  /** Most important first. */
  reasons: WorklistReasonView[];
  /** Unresolved alerts, worst first. */
  openAlerts: WorklistAlertView[];
  openAlertCounts: { critical: number; high: number; medium: number };
  latestScore: { score: number; level: RiskLevel; recordedAt: string } | null;
  /** Recent scores (up to 8 days before the latest), oldest first: for a small trend chart. */
  trend: { recordedAt: string; score: number }[];
  /** Device time of the last check-in; null when the patient never checked in. */
  lastCheckInAt: string | null;
  expectedCheckInIntervalHours: number;
  /** Whole expected intervals since the last check-in. */
  overdueCheckIns: number;
  lastContact: WorklistContactView | null;
  /** While set and in the future, the entry sorts after every entry that is not snoozed. */
  snoozedUntil: string | null;
  snoozed: boolean;
  /** The snooze was ended early by something new and worse. */
  snoozeBroken: boolean;
  /** Increases with every change of this patient's worklist state: keep the highest you have seen. */
  version: number;
  computedAt: string;
}

/** A page of `GET /v1/worklist`: entries in worklist order (not snoozed first, priority, patient id). */
export interface WorklistPage {
  items: WorklistEntryView[];
  /** Pass back as `cursor` (with the same `team`); null at the end. */
  nextCursor: string | null;
  /** The instant the priorities of this page were computed at (the cursor keeps it for later pages). */
  asOf: string;
  /** Active patients of the listed teams in all pages. */
  total: number;
}

/** `data` of an SSE `worklist` event of `GET /v1/worklist/stream`. */
export interface WorklistStreamData {
  /** The stream position of this event: the same as the SSE `id`. Absent in storage. */
  cursor?: string;
  patientId: string;
  /** The team the patient belongs to now. */
  careTeamId: string;
  /** Set when the patient left this team: a client of that team drops the row. */
  previousCareTeamId?: string;
  /** `upsert`: show `entry` (replace the row); `remove`: the patient is no longer on this worklist (discharged, moved). */
  op: 'upsert' | 'remove';
  version: number;
  entry?: WorklistEntryView;
  /** The CloudEvents type of what caused it (`org.vigil.risk.scored`, `org.vigil.alert.raised`, ...). */
  causeType: string;
  /** When care-api stored the change. */
  at: string;
}

/** `data` of the worklist stream's `ready` event: sent once caught up; its `id` is the position reached. */
export interface WorklistStreamReadyData {
  cursor: string;
  resumed: number;
  source?: 'redis' | 'cassandra';
}

/** A contact as care-api answers it (`POST` and `GET /v1/patients/{id}/contacts`). */
export interface ContactView {
  contactId: string;
  patientId: string;
  careTeamId: string;
  by: string;
  at: string;
  outcome: ContactOutcome;
  note?: string;
  nextContactAt?: string;
  resolvedAlertIds: string[];
}

/** A page of `GET /v1/patients/{id}/contacts`, newest first. */
export interface ContactPage {
  items: ContactView[];
  nextCursor: string | null;
}
