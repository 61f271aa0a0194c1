import { context } from '@opentelemetry/api';
import { contextFromTraceparent, type KafkaHeaders } from './trace-context';

type StartProducerSpan = (topic: string, message: { headers?: KafkaHeaders }, client: unknown) => unknown;

/**
 * Makes each Kafka `send <topic>` span a child of ITS message's event, not of whatever context is
 * active when the batch goes out.
 *
 * Why: EventPublisher (libs/messaging) coalesces many publish() calls into one `sendBatch`, sent
 * from a linger timer; the kafkajs instrumentation parents every message's send span on the context
 * active at that call, i.e. the trace of whichever caller queued first. Every message we send already
 * carries its event's `traceparent` header (toKafkaRecord copies the CloudEvents attribute), so the
 * span is started under that instead (the instrumentation then overwrites the header with the send
 * span, as usual). A message without the header keeps the instrumentation's behaviour.
 *
 * The hook is the instrumentation's internal `_startProducerSpan(topic, message, client)`
 * (@opentelemetry/instrumentation-kafkajs 0.32, used by both send and sendBatch). If a version
 * renames it, nothing is patched and `false` is returned (startTracing warns): the spans are then
 * parented as before, still all in some trace.
 */
export function parentProducerSpansOnEventTrace(instrumentation: object): boolean {
  const target = instrumentation as { _startProducerSpan?: StartProducerSpan };
  const original = target._startProducerSpan;
  if (typeof original !== 'function') return false;
  target._startProducerSpan = function startProducerSpan(this: unknown, topic, message, client) {
    const raw = message?.headers?.['traceparent'];
    const one = Array.isArray(raw) ? raw[0] : raw;
    const ctx = contextFromTraceparent(one === undefined ? undefined : one.toString());
    return ctx ? context.with(ctx, () => original.call(this, topic, message, client)) : original.call(this, topic, message, client);
  };
  return true;
}
