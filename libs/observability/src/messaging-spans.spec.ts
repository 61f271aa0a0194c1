import { SpanKind, trace } from '@opentelemetry/api';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { type ProcessedMessage, startProcessBatchSpan, startProcessSpan } from './messaging-spans';
import { currentTraceparent } from './trace-context';
import { getFinishedSpans, resetFinishedSpans, shutdownTracing, startTracing } from './tracing';

function only(name: string): ReadableSpan {
  const spans = getFinishedSpans().filter((s) => s.name === name);
  if (spans.length !== 1)
    throw new Error(
      `${spans.length} spans ${name}; have ${getFinishedSpans()
        .map((s) => s.name)
        .join(', ')}`,
    );
  return spans[0]!;
}

function producerTraceparent(): string {
  let tp = '';
  trace.getTracer('spec').startActiveSpan('send', (span) => {
    tp = currentTraceparent()!;
    span.end();
  });
  return tp;
}

const message = (traceparent: string, offset: string, extra: Partial<ProcessedMessage> = {}): ProcessedMessage => ({
  event: { traceparent },
  topic: 'checkins.v1',
  kafkaTopic: 'run7.checkins.v1',
  groupId: 'risk-scorer',
  partition: 3,
  offset,
  ...extra,
});

describe('process spans per the messaging conventions', () => {
  beforeAll(() => startTracing({ serviceName: 'messaging-spans-spec', exporter: 'memory' }));
  afterAll(() => shutdownTracing());
  beforeEach(() => resetFinishedSpans());

  it('names one message`s span `process <broker topic>`, continues the producer`s trace and sets the messaging attributes', async () => {
    const tp = producerTraceparent();
    await startProcessSpan(message(tp, '42'), () => undefined, { 'vigil.event.id': 'e-1' });
    const span = only('process run7.checkins.v1');
    expect(span.kind).toBe(SpanKind.CONSUMER);
    expect(span.spanContext().traceId).toBe(tp.split('-')[1]);
    expect(span.parentSpanContext?.spanId).toBe(tp.split('-')[2]);
    expect(span.attributes).toEqual({
      'messaging.system': 'kafka',
      'messaging.system.name': 'kafka',
      'messaging.operation.type': 'process',
      'messaging.operation.name': 'process',
      'messaging.consumer.group.name': 'risk-scorer',
      'messaging.destination.name': 'run7.checkins.v1',
      'messaging.destination.partition.id': '3',
      'messaging.kafka.offset': '42',
      'vigil.event.id': 'e-1',
    });
  });

  it('gives a batch one span with the message count instead of an offset', async () => {
    const tp = producerTraceparent();
    await startProcessBatchSpan([message(tp, '1'), message(tp, '2')], () => undefined);
    const span = only('process run7.checkins.v1');
    expect(span.parentSpanContext?.spanId).toBe(tp.split('-')[2]);
    expect(span.attributes['messaging.batch.message_count']).toBe(2);
    expect(span.attributes['messaging.kafka.offset']).toBeUndefined();
  });

  it('falls back to the base topic and leaves the group out when the transport did not say (unit-test fakes)', async () => {
    await startProcessSpan(message(producerTraceparent(), '5', { kafkaTopic: undefined, groupId: undefined }), () => undefined);
    const span = only('process checkins.v1');
    expect(span.attributes['messaging.destination.name']).toBe('checkins.v1');
    expect(span.attributes).not.toHaveProperty('messaging.consumer.group.name');
  });

  it('refuses an empty batch (there is no topic to name it by)', () => {
    expect(() => startProcessBatchSpan([], () => undefined)).toThrow('at least one message');
  });
});
