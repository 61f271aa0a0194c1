import { DATA_SCHEMA_VERSION, EventType } from './event-types';

/**
 * A CloudEvents 1.0 event as Vigil writes it. Extension attributes: `tenantid`,
 * `dataschemaversion` and the W3C `traceparent`.
 */
export interface VigilEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: EventType | string;
  /** The patient id (pseudonymous). */
  subject: string;
  /** When it happened: device time for a check-in. ISO-8601. */
  time: string;
  datacontenttype: 'application/json';
  tenantid: string;
  dataschemaversion: string;
  traceparent?: string;
  data: T;
}

export interface NewEvent<T> {
  id: string;
  source: string;
  type: EventType;
  subject: string;
  time: string;
  tenantid: string;
  data: T;
  traceparent?: string;
  dataschemaversion?: string;
}

export function createEvent<T>(e: NewEvent<T>): VigilEvent<T> {
  const event: VigilEvent<T> = {
    specversion: '1.0',
    id: e.id,
    source: e.source,
    type: e.type,
    subject: e.subject,
    time: e.time,
    datacontenttype: 'application/json',
    tenantid: e.tenantid,
    dataschemaversion: e.dataschemaversion ?? DATA_SCHEMA_VERSION,
    data: e.data,
  };
  if (e.traceparent) event.traceparent = e.traceparent;
  return event;
}

/** The shape kafkajs produces and consumes (kept structural so contracts import nothing). */
export interface KafkaRecord {
  key: Buffer | string | null;
  value: Buffer | string | null;
  headers?: Record<string, Buffer | string | (Buffer | string)[] | undefined>;
  timestamp?: string;
}

const REQUIRED_ATTRIBUTES = ['id', 'source', 'type', 'subject', 'time', 'tenantid'] as const;
const KNOWN_ATTRIBUTES = ['specversion', 'id', 'source', 'type', 'subject', 'time', 'tenantid', 'dataschemaversion', 'traceparent'] as const;

/**
 * Binary mode of the CloudEvents Kafka protocol binding: attributes as `ce_*` headers,
 * `content-type` for `datacontenttype`, the JSON data as the value, the patient id as the key
 * so each patient's events stay in order on one partition.
 */
export function toKafkaRecord<T>(event: VigilEvent<T>): KafkaRecord & { key: string; value: Buffer; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'content-type': event.datacontenttype };
  for (const attr of KNOWN_ATTRIBUTES) {
    const v = event[attr];
    if (v !== undefined) headers[`ce_${attr}`] = String(v);
  }
  // Also the plain W3C header, which OpenTelemetry's kafkajs propagation reads.
  if (event.traceparent) headers['traceparent'] = event.traceparent;
  return {
    key: event.subject,
    value: Buffer.from(JSON.stringify(event.data)),
    headers,
    timestamp: String(Date.parse(event.time)),
  };
}

export class EventDecodeError extends Error {
  constructor(
    message: string,
    readonly reason: 'not-json' | 'not-cloudevent' | 'missing-attribute' | 'unsupported-content-type',
  ) {
    super(message);
    this.name = 'EventDecodeError';
  }
}

function headerString(v: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  if (v === undefined) return undefined;
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : one.toString();
}

/** Reads binary or structured mode. Throws EventDecodeError (a dead-letter reason) on bad input. */
export function fromKafkaRecord<T = unknown>(record: KafkaRecord): VigilEvent<T> {
  const headers = record.headers ?? {};
  const lower: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) {
    const s = headerString(v);
    if (s !== undefined) lower[k.toLowerCase()] = s;
  }
  const contentType = lower['content-type'] ?? '';
  const raw = record.value === null ? '' : record.value.toString();

  if (contentType.startsWith('application/cloudevents')) {
    if (!contentType.startsWith('application/cloudevents+json')) {
      throw new EventDecodeError(`unsupported structured content type ${contentType}`, 'unsupported-content-type');
    }
    return fromStructuredJson<T>(raw);
  }
  if (!lower['ce_id'] && !lower['ce_specversion']) {
    throw new EventDecodeError('no CloudEvents headers (ce_id) and not structured mode', 'not-cloudevent');
  }
  if (contentType && !contentType.startsWith('application/json')) {
    throw new EventDecodeError(`unsupported data content type ${contentType}`, 'unsupported-content-type');
  }
  const attrs: Record<string, unknown> = {};
  for (const attr of KNOWN_ATTRIBUTES) {
    if (lower[`ce_${attr}`] !== undefined) attrs[attr] = lower[`ce_${attr}`];
  }
  return eventFromAttributes<T>(attrs, parseJson(raw) as T);
}

/**
 * A structured-mode CloudEvent as JSON text (`application/cloudevents+json`: attributes and `data`
 * in one object), as replay's NDJSON files hold them. Throws EventDecodeError on bad input.
 */
export function fromStructuredJson<T = unknown>(text: string): VigilEvent<T> {
  const attrs = parseJsonObject(text);
  return eventFromAttributes<T>(attrs, attrs['data'] as T);
}

/** Checks the attributes (either mode) and builds the event in canonical key order. */
function eventFromAttributes<T>(attrs: Record<string, unknown>, data: T): VigilEvent<T> {
  if (attrs['specversion'] !== '1.0') {
    throw new EventDecodeError(`specversion must be 1.0, got ${String(attrs['specversion'])}`, 'not-cloudevent');
  }
  for (const attr of REQUIRED_ATTRIBUTES) {
    if (typeof attrs[attr] !== 'string' || attrs[attr] === '') {
      throw new EventDecodeError(`missing CloudEvents attribute ${attr}`, 'missing-attribute');
    }
  }
  const event: VigilEvent<T> = {
    specversion: '1.0',
    id: attrs['id'] as string,
    source: attrs['source'] as string,
    type: attrs['type'] as string,
    subject: attrs['subject'] as string,
    time: attrs['time'] as string,
    datacontenttype: 'application/json',
    tenantid: attrs['tenantid'] as string,
    dataschemaversion: typeof attrs['dataschemaversion'] === 'string' ? (attrs['dataschemaversion'] as string) : DATA_SCHEMA_VERSION,
    data,
  };
  if (typeof attrs['traceparent'] === 'string') event.traceparent = attrs['traceparent'] as string;
  return event;
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    throw new EventDecodeError('value is not valid JSON', 'not-json');
  }
}

function parseJsonObject(raw: string): Record<string, unknown> {
  const v = parseJson(raw);
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new EventDecodeError('structured event is not a JSON object', 'not-cloudevent');
  }
  return v as Record<string, unknown>;
}
