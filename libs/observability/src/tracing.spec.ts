import { SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { scrubAttributes } from './span-scrubber';
import {
  contextFromTraceparent,
  currentTraceparent,
  linksFromTraceparents,
  startConsumerSpan,
  traceparentFromHeaders,
  withExtractedContext,
  withSpan,
} from './trace-context';
import { chooseTraceExporter, getFinishedSpans, resetFinishedSpans, shutdownTracing, startTracing, tracingEnabled, tracingState } from './tracing';

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$/;

function withEnv(vars: Record<string, string | undefined>, fn: () => void): void {
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(vars)) {
    saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  try {
    fn();
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

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

describe('when tracing is on', () => {
  beforeAll(() => {
    startTracing({ serviceName: 'tracing-spec', exporter: 'memory' });
  });
  afterAll(async () => {
    await shutdownTracing();
  });
  beforeEach(() => resetFinishedSpans());

  it('captures finished spans in memory with the service name', async () => {
    expect(tracingState()).toMatchObject({ enabled: true, exporter: 'memory', serviceName: 'tracing-spec' });
    await withSpan('unit.work', async () => undefined, { 'vigil.count': 2 });
    const span = byName('unit.work');
    expect(span.attributes['vigil.count']).toBe(2);
    expect(span.resource.attributes['service.name']).toBe('tracing-spec');
  });

  it('round-trips currentTraceparent() through withExtractedContext()', () => {
    expect(currentTraceparent()).toBeUndefined();
    let produced: string | undefined;
    trace.getTracer('spec').startActiveSpan('producer', (span) => {
      produced = currentTraceparent();
      span.end();
    });
    expect(produced).toMatch(TRACEPARENT);
    expect(withExtractedContext(produced, () => currentTraceparent())).toBe(produced);
    // malformed or missing: fn runs unchanged
    expect(withExtractedContext('garbage', () => currentTraceparent())).toBeUndefined();
    expect(withExtractedContext(undefined, () => 42)).toBe(42);
  });

  it('gives each event of a batch its own consumer span, parented to its traceparent and linked to the batch span', async () => {
    const tracer = trace.getTracer('spec');
    const parents: string[] = [];
    for (const name of ['ingest.1', 'ingest.2']) {
      tracer.startActiveSpan(name, (span) => {
        parents.push(currentTraceparent()!);
        span.end();
      });
    }
    await tracer.startActiveSpan('poll checkins.v1', async (batch) => {
      for (const [i, tp] of parents.entries()) {
        await startConsumerSpan(
          `process checkins.v1 #${i}`,
          tp,
          async () => {
            // work inside (a Cassandra write) joins the event's trace
            await withSpan(`cassandra.insert #${i}`, async () => undefined);
          },
          { attributes: { 'messaging.destination.name': 'checkins.v1', 'messaging.kafka.offset': i } },
        );
      }
      batch.end();
    });

    const batch = byName('poll checkins.v1');
    for (const [i, tp] of parents.entries()) {
      const [, traceId, spanId] = tp.split('-');
      const consumer = byName(`process checkins.v1 #${i}`);
      expect(consumer.kind).toBe(SpanKind.CONSUMER);
      expect(consumer.spanContext().traceId).toBe(traceId);
      expect(consumer.parentSpanContext?.spanId).toBe(spanId);
      expect(consumer.links.map((l) => l.context.spanId)).toContain(batch.spanContext().spanId);
      const child = byName(`cassandra.insert #${i}`);
      expect(child.spanContext().traceId).toBe(traceId);
      expect(child.parentSpanContext?.spanId).toBe(consumer.spanContext().spanId);
    }
  });

  it('starts a new trace for an event without a traceparent, and records failures', async () => {
    await expect(
      startConsumerSpan('process bad', undefined, () => {
        throw new Error('poison');
      }),
    ).rejects.toThrow('poison');
    const span = byName('process bad');
    expect(span.parentSpanContext).toBeUndefined();
    expect(span.status.code).toBe(2);
    expect(span.events.some((e) => e.name === 'exception')).toBe(true);
  });

  it('reads the traceparent from Kafka headers and builds links for a batch span', () => {
    const tp = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const ce = '00-0af7651916cd43dd8448eb211c80319c-00f067aa0ba902b7-01';
    expect(traceparentFromHeaders({ traceparent: Buffer.from(tp), ce_traceparent: ce })).toBe(tp);
    expect(traceparentFromHeaders({ ce_traceparent: Buffer.from(ce) })).toBe(ce);
    expect(traceparentFromHeaders({ traceparent: 'nonsense' })).toBeUndefined();
    expect(traceparentFromHeaders(undefined)).toBeUndefined();
    expect(linksFromTraceparents([tp, undefined, 'bad', ce]).map((l) => l.context.spanId)).toEqual(['b7ad6b7169203331', '00f067aa0ba902b7']);
    expect(contextFromTraceparent('00-00000000000000000000000000000000-b7ad6b7169203331-01')).toBeUndefined();
  });

  it('scrubs PHI-prone attributes before spans are exported', async () => {
    await withSpan('scrub.me', async (span) => {
      span.setAttributes({
        'url.query': 'metric=weightKg&from=2025-01-01',
        'url.full': 'http://h/v1/patients/p-1/observations?metric=weightKg#x',
        'http.request.header.authorization': 'Bearer abc',
        'http.request.body': '{"notes":"x"}',
        'db.system': 'redis',
        'db.statement': 'set vigil:idem:abc {"notes":"x"}',
        'checkin.notes': 'feels dizzy',
        'messaging.kafka.message.key': 'p-1',
      });
    });
    const attrs = byName('scrub.me').attributes;
    expect(attrs['url.query']).toBe('metric=REDACTED&from=REDACTED');
    expect(attrs['url.full']).toBe('http://h/v1/patients/p-1/observations?metric=REDACTED#x');
    expect(attrs['http.request.header.authorization']).toBeUndefined();
    expect(attrs['http.request.body']).toBeUndefined();
    expect(attrs['checkin.notes']).toBeUndefined();
    expect(attrs['db.statement']).toBe('set');
    expect(attrs['messaging.kafka.message.key']).toBe('p-1');
  });
});

describe('span attribute scrubbing', () => {
  it('removes literals from CQL but keeps its shape', () => {
    const out = scrubAttributes({
      'db.system': 'cassandra',
      'db.query.text': "INSERT INTO obs_2024 (id, v, note) VALUES ('p-1', 72.5, 'dizzy') USING TTL 3600",
    });
    expect(out['db.query.text']).toBe('INSERT INTO obs_2024 (id, v, note) VALUES (?, ?, ?) USING TTL ?');
  });

  it('returns the same object when there is nothing to scrub', () => {
    const attrs = { 'http.route': '/v1/alerts', 'http.response.status_code': 200 };
    expect(scrubAttributes(attrs)).toBe(attrs);
  });
});

describe('when tracing is off', () => {
  it('is off under jest unless a test asks for it, and follows OTEL_SDK_DISABLED', () => {
    withEnv({ OTEL_SDK_DISABLED: undefined }, () => {
      expect(tracingEnabled()).toBe(false);
      expect(tracingEnabled({ exporter: 'memory' })).toBe(true);
      expect(tracingEnabled({ enabled: true })).toBe(true);
    });
    withEnv({ OTEL_SDK_DISABLED: 'false' }, () => expect(tracingEnabled()).toBe(true));
    withEnv({ OTEL_SDK_DISABLED: 'true' }, () => {
      expect(tracingEnabled()).toBe(false);
      expect(tracingEnabled({ exporter: 'memory' })).toBe(true);
    });
    withEnv({ OTEL_SDK_DISABLED: undefined, NODE_ENV: 'production', JEST_WORKER_ID: undefined }, () => expect(tracingEnabled()).toBe(true));
  });

  it('exports over OTLP only when the standard variables say so', () => {
    const clear = { OTEL_TRACES_EXPORTER: undefined, OTEL_EXPORTER_OTLP_ENDPOINT: undefined, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined };
    withEnv(clear, () => expect(chooseTraceExporter()).toBe('none'));
    withEnv({ ...clear, OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, () => expect(chooseTraceExporter()).toBe('otlp'));
    withEnv({ ...clear, OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces' }, () => expect(chooseTraceExporter()).toBe('otlp'));
    withEnv({ ...clear, OTEL_TRACES_EXPORTER: 'otlp' }, () => expect(chooseTraceExporter()).toBe('otlp'));
    withEnv({ ...clear, OTEL_TRACES_EXPORTER: 'console' }, () => expect(chooseTraceExporter()).toBe('console'));
    withEnv({ ...clear, OTEL_TRACES_EXPORTER: 'none', OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }, () => expect(chooseTraceExporter()).toBe('none'));
    expect(chooseTraceExporter({ exporter: 'memory' })).toBe('memory');
  });

  it('makes startTracing a no-op and the helpers transparent', async () => {
    withEnv({ OTEL_SDK_DISABLED: 'true' }, () => {
      expect(startTracing({ serviceName: 'off' })).toEqual({ enabled: false, exporter: 'disabled', serviceName: 'off' });
    });
    expect(currentTraceparent()).toBeUndefined();
    await expect(startConsumerSpan('x', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', async () => 7)).resolves.toBe(7);
    expect(() => getFinishedSpans()).toThrow(/memory/);
    await shutdownTracing();
  });
});
