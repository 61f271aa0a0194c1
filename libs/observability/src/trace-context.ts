import {
  type Attributes,
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  type Link,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';

/**
 * W3C trace-context helpers. They use their own propagator instance, so they behave the same
 * whether or not the global propagator is registered; with tracing disabled they are no-ops
 * (`currentTraceparent()` returns undefined and functions simply run).
 */
const w3c = new W3CTraceContextPropagator();
const TRACER_NAME = '@vigil/observability';

function tracer(): Tracer {
  return trace.getTracer(TRACER_NAME);
}

/** Kafka headers as kafkajs gives them. */
export type KafkaHeaders = Record<string, Buffer | string | (Buffer | string)[] | undefined>;

/**
 * The W3C `traceparent` of the active span (`00-<trace id>-<span id>-<flags>`), or undefined when
 * there is none (tracing off, or outside any span). Put it in the CloudEvents `traceparent` attribute.
 */
export function currentTraceparent(): string | undefined {
  const carrier: Record<string, string> = {};
  w3c.inject(context.active(), carrier, defaultTextMapSetter);
  return carrier['traceparent'];
}

/** A context whose (remote) parent is `traceparent`, or undefined if it is missing or malformed. */
export function contextFromTraceparent(traceparent: string | null | undefined, tracestate?: string): Context | undefined {
  if (!traceparent) return undefined;
  const carrier: Record<string, string> = { traceparent };
  if (tracestate) carrier['tracestate'] = tracestate;
  const ctx = w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
  const spanContext = trace.getSpanContext(ctx);
  return spanContext && isSpanContextValid(spanContext) ? ctx : undefined;
}

/**
 * A caller-supplied traceparent (an HTTP header, one value or several) reduced to what the trace
 * needs: checked by the W3C propagator (format, non-zero ids, version), then written afresh as
 * version 00 with only the sampled flag. Anything else (several values, other flags, vendor
 * suffixes of a future version, tracestate) is not carried into our events. Invalid: undefined.
 */
export function normalizedTraceparent(header: string | string[] | null | undefined): string | undefined {
  if (Array.isArray(header) && header.length !== 1) return undefined;
  const value = Array.isArray(header) ? header[0] : header;
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const ctx = contextFromTraceparent(value.trim());
  const span = ctx ? trace.getSpanContext(ctx) : undefined;
  if (!span) return undefined;
  return `00-${span.traceId}-${span.spanId}-${span.traceFlags & 1 ? '01' : '00'}`;
}

/** True when `traceparent` is a well-formed W3C traceparent with non-zero ids. */
export function isValidTraceparent(traceparent: string | null | undefined): boolean {
  return contextFromTraceparent(traceparent) !== undefined;
}

/**
 * Runs `fn` with `traceparent` as the active (remote) parent: spans started inside join that trace
 * and `currentTraceparent()` returns it. A missing or malformed traceparent runs `fn` unchanged.
 */
export function withExtractedContext<T>(traceparent: string | null | undefined, fn: () => T): T {
  const ctx = contextFromTraceparent(traceparent);
  return ctx ? context.with(ctx, fn) : fn();
}

function headerValue(v: Buffer | string | (Buffer | string)[] | undefined): string | undefined {
  const one = Array.isArray(v) ? v[0] : v;
  return one === undefined ? undefined : one.toString();
}

/**
 * The traceparent carried by a Kafka message: the W3C `traceparent` header (written by the kafkajs
 * instrumentation on send, parent = the producer's send span), else the CloudEvents `ce_traceparent`.
 */
export function traceparentFromHeaders(headers: KafkaHeaders | undefined): string | undefined {
  if (!headers) return undefined;
  for (const name of ['traceparent', 'ce_traceparent']) {
    const v = headerValue(headers[name]);
    if (v && isValidTraceparent(v)) return v;
  }
  return undefined;
}

/** Span links to each valid traceparent: for one span that handles many events at once (a batch insert). */
export function linksFromTraceparents(traceparents: Iterable<string | null | undefined>): Link[] {
  const links: Link[] = [];
  for (const tp of traceparents) {
    const ctx = contextFromTraceparent(tp);
    const sc = ctx && trace.getSpanContext(ctx);
    if (sc) links.push({ context: sc });
  }
  return links;
}

function recordFailure(span: Span, err: unknown): void {
  if (err instanceof Error) {
    // Name, message and stack only: error messages are ours and carry no payload (README, PHI policy).
    span.recordException(err);
    span.setStatus({ code: SpanStatusCode.ERROR, message: err.name });
  } else {
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

export interface ConsumerSpanOptions {
  /** Scalar, non-PHI attributes: topic, partition, offset, event id and type. */
  attributes?: Attributes;
  /** More links (the span currently active, e.g. kafkajs' batch span, is linked automatically). */
  links?: Link[];
  kind?: SpanKind;
}

/**
 * One span for handling one event, child of the event's `traceparent` (so the check-in's trace
 * continues through this consumer), linked to the span active at the call (the kafkajs batch span).
 * Spans started inside `fn` (Cassandra, Redis, Kafka sends) are its children. With no valid
 * traceparent the span starts a new trace. Errors are recorded and rethrown.
 */
export async function startConsumerSpan<T>(
  name: string,
  traceparent: string | null | undefined,
  fn: (span: Span) => T | Promise<T>,
  options: ConsumerSpanOptions = {},
): Promise<T> {
  const parent = contextFromTraceparent(traceparent) ?? ROOT_CONTEXT;
  const links = [...(options.links ?? [])];
  const active = trace.getActiveSpan()?.spanContext();
  if (active && isSpanContextValid(active)) links.push({ context: active });
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.CONSUMER, attributes: options.attributes, links }, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span);
    } catch (err) {
      recordFailure(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Links one batch span carries at most (a batch can hold hundreds of events; a trace UI shows a few). */
export const MAX_BATCH_LINKS = 128;

function traceIdOf(traceparent: string): string | undefined {
  const ctx = contextFromTraceparent(traceparent);
  return ctx ? trace.getSpanContext(ctx)?.traceId : undefined;
}

/**
 * One span for work that serves several events at once (the writer's Cassandra batches, the scorer's
 * work for one patient). When every event that has a valid traceparent belongs to ONE trace (one
 * check-in, or one POST of several), the span continues that trace as a child of the first event's
 * traceparent, so "one check-in, one trace" holds through the consumer. Events of several traces
 * cannot all be its parent: then it starts a new trace. Either way it links to the events'
 * traceparents (distinct, at most MAX_BATCH_LINKS) and to the active span (kafkajs' poll span).
 */
export function startBatchSpan<T>(
  name: string,
  traceparents: Iterable<string | null | undefined>,
  fn: (span: Span) => T | Promise<T>,
  options: ConsumerSpanOptions = {},
): Promise<T> {
  const valid = [...new Set([...traceparents].filter((tp): tp is string => isValidTraceparent(tp)))];
  const parent = new Set(valid.map(traceIdOf)).size === 1 ? valid[0] : undefined;
  const links = linksFromTraceparents(valid.filter((tp) => tp !== parent).slice(0, MAX_BATCH_LINKS));
  return startConsumerSpan(name, parent, fn, { ...options, links: [...(options.links ?? []), ...links] });
}

/**
 * A synchronous span for one event's share of a batch's work (scoring one check-in). Its parent is
 * the active span when that is already in the event's trace (a startBatchSpan that continued it),
 * else the event's traceparent, linked to the active span; without a valid traceparent, the active
 * span. `fn` runs with the span active, so `currentTraceparent()` inside it names this span: put it
 * in the events this work produces. Errors are recorded and rethrown.
 */
export function withEventSpan<T>(name: string, traceparent: string | null | undefined, fn: (span: Span) => T, options: ConsumerSpanOptions = {}): T {
  const activeSpan = trace.getActiveSpan()?.spanContext();
  const active = activeSpan && isSpanContextValid(activeSpan) ? activeSpan : undefined;
  const remote = contextFromTraceparent(traceparent);
  const remoteTraceId = remote && trace.getSpanContext(remote)?.traceId;
  const parent = remote && remoteTraceId !== active?.traceId ? remote : context.active();
  const links = [...(options.links ?? [])];
  if (active && parent === remote) links.push({ context: active });
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, links }, parent);
  return context.with(trace.setSpan(parent, span), () => {
    try {
      return fn(span);
    } catch (err) {
      recordFailure(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** An internal span around `fn`, child of the active span (e.g. `risk.score`, `sse.push`). */
export async function withSpan<T>(name: string, fn: (span: Span) => T | Promise<T>, attributes?: Attributes): Promise<T> {
  return tracer().startActiveSpan(name, { attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (err) {
      recordFailure(span, err);
      throw err;
    } finally {
      span.end();
    }
  });
}

/** Trace and span ids of the active span, for log lines and problem+json bodies. */
export function currentTraceIds(): { trace_id: string; span_id: string } | undefined {
  const sc = trace.getActiveSpan()?.spanContext();
  return sc && isSpanContextValid(sc) ? { trace_id: sc.traceId, span_id: sc.spanId } : undefined;
}
