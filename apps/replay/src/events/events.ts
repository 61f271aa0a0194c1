/**
 * How replay writes, orders and filters events, whatever their source.
 *
 * - A line of every NDJSON file is one CloudEvent in structured JSON, attributes in one fixed
 *   order (specversion, id, source, type, subject, time, datacontenttype, tenantid,
 *   dataschemaversion, traceparent when present, data), `data` exactly as it was carried. The same
 *   event read from Kafka or from the Cassandra archive gives the same bytes.
 * - Files are sorted by (tenant id, patient id, event time, check-in id, event id): stable,
 *   independent of partitions, arrival order and source. The event time of a check-in is its
 *   `recordedAt` (device time); of a score, the scored check-in's `recordedAt`; of an alert, its
 *   `triggeredAt`. Duplicates (the same event at two offsets) are written once.
 * - Ranges are `[from, to)` on that event time.
 */
import { EVENT_TYPES, EventDecodeError, fromStructuredJson, TOPICS, type VigilEvent } from '@vigil/contracts';

export type StreamKind = 'checkins' | 'scores' | 'alerts';
export const STREAM_KINDS: readonly StreamKind[] = ['checkins', 'scores', 'alerts'];

/** Base topic of each stream (the configured TOPIC_PREFIX is added in front). */
export const STREAM_TOPICS: Record<StreamKind, string> = {
  checkins: TOPICS.checkins,
  scores: TOPICS.riskScores,
  alerts: TOPICS.alerts,
};

/** Event types each stream exports; anything else on the topic is skipped and counted. */
export function acceptsType(kind: StreamKind, type: string): boolean {
  switch (kind) {
    case 'checkins':
      return type === EVENT_TYPES.checkinReceived;
    case 'scores':
      return type === EVENT_TYPES.riskScored;
    case 'alerts':
      return type === EVENT_TYPES.alertRaised || type === EVENT_TYPES.alertAcknowledged || type === EVENT_TYPES.alertResolved;
  }
}

function dataField(e: VigilEvent, field: string): unknown {
  const d = e.data;
  return typeof d === 'object' && d !== null && !Array.isArray(d) ? (d as Record<string, unknown>)[field] : undefined;
}

/**
 * The instant an event is filed under (ms), or NaN: a check-in's `recordedAt` (what the archive is
 * keyed by), otherwise the event `time`.
 */
export function eventInstant(e: VigilEvent): number {
  if (e.type === EVENT_TYPES.checkinReceived) {
    const r = dataField(e, 'recordedAt');
    if (typeof r === 'string') {
      const t = Date.parse(r);
      if (Number.isFinite(t)) return t;
    }
  }
  return Date.parse(e.time);
}

const pad = (ms: number): string => String(Math.max(0, Math.floor(ms))).padStart(16, '0');

function checkInIdOf(e: VigilEvent): string {
  const id = dataField(e, 'checkInId');
  return typeof id === 'string' ? id : '';
}

/** Sort key of files: tenant, patient, time, check-in id, event id (NUL never occurs in ids). */
export function fileSortKey(e: VigilEvent, at: number): string {
  return `${e.tenantid}\u0000${e.subject}\u0000${pad(at)}\u0000${checkInIdOf(e)}\u0000${e.id}`;
}

/** The patient part of a file sort key (everything up to the time). */
export function patientPrefix(tenantId: string, patientId: string): string {
  return `${tenantId}\u0000${patientId}\u0000`;
}

/** Sort key of a republished stream: by time first (the stream as it happened), then as files. */
export function timeSortKey(e: VigilEvent, at: number): string {
  return `${pad(at)}\u0000${e.tenantid}\u0000${e.subject}\u0000${checkInIdOf(e)}\u0000${e.id}`;
}

/**
 * The one way replay writes an event (see the header). JSON.stringify of a fresh object builds one
 * flat string natively, which later joins copy cheaply (a string built piece by piece would be a
 * rope that every join has to flatten).
 */
export function serializeEvent(e: VigilEvent): string {
  const out: Record<string, unknown> = {
    specversion: e.specversion,
    id: e.id,
    source: e.source,
    type: e.type,
    subject: e.subject,
    time: e.time,
    datacontenttype: e.datacontenttype,
    tenantid: e.tenantid,
    dataschemaversion: e.dataschemaversion,
  };
  if (e.traceparent !== undefined) out['traceparent'] = e.traceparent;
  out['data'] = e.data;
  return JSON.stringify(out);
}

export class EventLineError extends Error {
  override readonly name = 'EventLineError';
}

/** Reads a line written by serializeEvent (or any structured CloudEvent with our attributes). */
export function parseEventLine(line: string): VigilEvent {
  try {
    return fromStructuredJson(line);
  } catch (e) {
    throw e instanceof EventDecodeError ? new EventLineError(e.message) : e;
  }
}

/** Tenant and patient filters of every command (`--tenant`, `--patient`). */
export interface EventFilter {
  tenants: ReadonlySet<string> | null;
  patients: ReadonlySet<string> | null;
}

export function makeFilter(tenants: string[], patients: string[]): EventFilter {
  return { tenants: tenants.length ? new Set(tenants) : null, patients: patients.length ? new Set(patients) : null };
}

export function passesFilter(f: EventFilter, tenantId: string, patientId: string): boolean {
  return (f.tenants === null || f.tenants.has(tenantId)) && (f.patients === null || f.patients.has(patientId));
}
