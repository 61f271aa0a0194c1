import type { Attributes, AttributeValue } from '@opentelemetry/api';
import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';

/**
 * Last line of defence before a span leaves the process (or reaches the in-memory test exporter).
 * The instrumentations are already configured not to record PHI (see tracing.ts); this removes
 * whatever slips through anyway:
 * - attributes whose key names a payload, a secret or a person (`*.body`, `*.payload`, `*notes*`,
 *   `*authorization*`, `*cookie*`, `*token*`, `*password*`, `enduser.*`, `user.*`, captured headers);
 * - query-string values in `url.query`, `url.full`, `http.url`, `http.target` (keys are kept);
 * - literals in `db.statement` / `db.query.text` (Redis: only the command name is kept).
 * Patient ids (Kafka message keys, URL path segments) are pseudonymous and stay.
 */
const DROP_KEY =
  /(^|[._-])(body|payload|notes?|vitals|symptoms|answers|password|passwd|secret|token|authorization|cookie|set-cookie|email|phone)([._-]|$)|^(enduser|user)\.|^http\.(request|response)\.header\./i;
const URL_KEYS = new Set(['url.query', 'url.full', 'http.url', 'http.target']);
const STATEMENT_KEYS = new Set(['db.statement', 'db.query.text']);
export const REDACTED = 'REDACTED';

function redactQueryValues(query: string): string {
  return query
    .split('&')
    .map((pair) => {
      if (pair === '') return pair;
      const eq = pair.indexOf('=');
      return eq < 0 ? pair : `${pair.slice(0, eq)}=${REDACTED}`;
    })
    .join('&');
}

function scrubUrlAttribute(key: string, value: string): string {
  if (key === 'url.query') return redactQueryValues(value);
  const q = value.indexOf('?');
  if (q < 0) return value;
  const hash = value.indexOf('#', q);
  const query = value.slice(q + 1, hash < 0 ? undefined : hash);
  return `${value.slice(0, q)}?${redactQueryValues(query)}${hash < 0 ? '' : value.slice(hash)}`;
}

function scrubStatement(value: string, dbSystem: AttributeValue | undefined): string {
  if (dbSystem === 'redis') return value.trim().split(/\s+/, 1)[0] ?? '';
  return value
    .replace(/'(?:[^']|'')*'/g, '?')
    .replace(/"(?:[^"]|"")*"/g, (m) => (/^"[A-Za-z_][A-Za-z0-9_]*"$/.test(m) ? m : '?'))
    .replace(/\b0x[0-9a-fA-F]+\b/g, '?')
    .replace(/(?<![\w.])-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?\b/g, '?');
}

/** Returns the attributes with PHI-prone entries removed or redacted (the same object if nothing changed). */
export function scrubAttributes(attributes: Attributes): Attributes {
  let out: Attributes | undefined;
  const dbSystem = attributes['db.system'] ?? attributes['db.system.name'];
  for (const [key, value] of Object.entries(attributes)) {
    let next: AttributeValue | undefined = value;
    if (DROP_KEY.test(key)) next = undefined;
    else if (typeof value === 'string' && URL_KEYS.has(key)) next = scrubUrlAttribute(key, value);
    else if (typeof value === 'string' && STATEMENT_KEYS.has(key)) next = scrubStatement(value, dbSystem);
    if (next !== value) {
      out ??= { ...attributes };
      if (next === undefined) delete out[key];
      else out[key] = next;
    }
  }
  return out ?? attributes;
}

/** A view of `span` whose attributes (and event attributes) are scrubbed; the original is untouched. */
export function scrubSpan(span: ReadableSpan): ReadableSpan {
  const attributes = scrubAttributes(span.attributes);
  let eventsChanged = false;
  const events = span.events.map((e) => {
    if (!e.attributes) return e;
    const a = scrubAttributes(e.attributes);
    if (a === e.attributes) return e;
    eventsChanged = true;
    return { ...e, attributes: a };
  });
  if (attributes === span.attributes && !eventsChanged) return span;
  // Keep the prototype chain (spanContext(), duration, ...); override only what changed.
  return Object.create(span, {
    attributes: { value: attributes, enumerable: true },
    events: { value: eventsChanged ? events : span.events, enumerable: true },
  }) as ReadableSpan;
}

/** Wraps any exporter so that every span is scrubbed before it is exported. */
export class PhiSafeSpanExporter implements SpanExporter {
  constructor(private readonly inner: SpanExporter) {}

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    this.inner.export(spans.map(scrubSpan), resultCallback);
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve();
  }
}
