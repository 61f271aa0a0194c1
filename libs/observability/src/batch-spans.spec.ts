import { SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { parentProducerSpansOnEventTrace } from './kafka-producer-parent';
import { currentTraceparent, startBatchSpan, withEventSpan } from './trace-context';
import { getFinishedSpans, resetFinishedSpans, shutdownTracing, startTracing } from './tracing';

function byName(name: string): ReadableSpan {
  const span = getFinishedSpans().find((s) => s.name === name);
  if (!span)
    throw new Error(
      `no span ${name}; have ${getFinishedSpans()
        .map((s) => s.name)
        .join(', ')}`,
    );
  return span;
}

/** A traceparent of a finished root span (a check-in's request, say). */
function rootTraceparent(name: string): string {
  let tp = '';
  trace.getTracer('spec').startActiveSpan(name, (span) => {
    tp = currentTraceparent()!;
    span.end();
  });
  return tp;
}

const ids = (tp: string) => ({ traceId: tp.split('-')[1], spanId: tp.split('-')[2] });

describe('spans for batches and for the events inside them', () => {
  beforeAll(() => {
    startTracing({ serviceName: 'batch-spans-spec', exporter: 'memory' });
  });
  afterAll(async () => {
    await shutdownTracing();
  });
  beforeEach(() => resetFinishedSpans());

  it('continues the trace when every event of the batch belongs to one, and links the rest', async () => {
    const a = rootTraceparent('post');
    const sameTraceOther = `00-${ids(a).traceId}-00f067aa0ba902b7-01`;
    await startBatchSpan('handle one-trace', [a, undefined, 'garbage', sameTraceOther, a], () => withEventSpan('inner', a, () => undefined));
    const batch = byName('handle one-trace');
    expect(batch.kind).toBe(SpanKind.CONSUMER);
    expect(batch.spanContext().traceId).toBe(ids(a).traceId);
    expect(batch.parentSpanContext?.spanId).toBe(ids(a).spanId);
    expect(batch.links.map((l) => l.context.spanId)).toEqual(['00f067aa0ba902b7']);
    // The event's own span: under the batch span, which is already in the event's trace.
    expect(byName('inner').parentSpanContext?.spanId).toBe(batch.spanContext().spanId);
  });

  it('starts a new trace for a batch of several traces, linked to each, and gives each event a span in its own trace', async () => {
    const a = rootTraceparent('post a');
    const b = rootTraceparent('post b');
    const produced: string[] = [];
    await startBatchSpan('handle two-traces', [a, b], () => {
      for (const [i, tp] of [a, b].entries()) produced.push(withEventSpan(`score #${i}`, tp, () => currentTraceparent()!));
    });
    const batch = byName('handle two-traces');
    expect(batch.parentSpanContext).toBeUndefined();
    expect([ids(a).traceId, ids(b).traceId]).not.toContain(batch.spanContext().traceId);
    expect(batch.links.map((l) => l.context.spanId).sort()).toEqual([ids(a).spanId, ids(b).spanId].sort());
    for (const [i, tp] of [a, b].entries()) {
      const span = byName(`score #${i}`);
      expect(span.spanContext().traceId).toBe(ids(tp).traceId);
      expect(span.parentSpanContext?.spanId).toBe(ids(tp).spanId);
      expect(span.links.map((l) => l.context.spanId)).toEqual([batch.spanContext().spanId]);
      // What the work puts in the events it produces names this span.
      expect(produced[i]).toBe(`00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`);
    }
  });

  it('records a failure in the event span and rethrows', () => {
    expect(() =>
      withEventSpan('failing', undefined, () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(byName('failing').status.code).toBe(2);
  });

  it("parents a Kafka send span on its message's traceparent header, not on the active context", () => {
    const event = rootTraceparent('the event');
    const seen: (string | undefined)[] = [];
    const fake = {
      _startProducerSpan(topic: string, message: { headers?: Record<string, string> }) {
        seen.push(trace.getActiveSpan()?.spanContext().spanId);
        return { topic, message };
      },
    };
    expect(parentProducerSpansOnEventTrace(fake)).toBe(true);
    trace.getTracer('spec').startActiveSpan('someone else queued first', (other) => {
      fake._startProducerSpan('alerts.v1', { headers: { traceparent: event } });
      fake._startProducerSpan('alerts.v1', { headers: {} }); // no header: the active context, as before
      other.end();
      expect(seen).toEqual([ids(event).spanId, other.spanContext().spanId]);
    });
    expect(parentProducerSpansOnEventTrace({})).toBe(false);
  });
});
