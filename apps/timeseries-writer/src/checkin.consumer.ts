import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload, RpcException } from '@nestjs/microservices';
import { TOPICS } from '@vigil/contracts';
import { BATCH, describeError, type BatchHandlerResult, type ConsumedEvent } from '@vigil/messaging';
import { startProcessBatchSpan } from '@vigil/observability';
import { CheckInBatchWriter } from './checkin-batch.writer';
import { WriterMetrics } from './writer.metrics';

/**
 * A failed write (Cassandra down, timeouts): retried by the transport with back-off. An RpcException
 * whose getError() is itself, so Nest's exception layer hands it to the transport unchanged instead of
 * logging a stack per attempt (the transport logs the first attempt and every tenth).
 */
export class TransientWriteError extends RpcException {
  override readonly name = 'TransientWriteError';
  constructor(cause: unknown) {
    super(describeError(cause));
    this.message = describeError(cause);
    this.cause = cause;
  }
  override getError(): object {
    return this;
  }
}

/**
 * checkins.v1 -> Cassandra. The transport (KafkaBatchServer, kafkajs eachBatch) hands over a
 * partition's batch in offset order; this resolves once every row of the batch is written, and the
 * transport commits after that. Dead letters go back to the transport; a thrown error (Cassandra
 * down, timeouts) is retried by it with back-off, the partition held meanwhile, never skipped.
 * Decode errors (not JSON, not a CloudEvent) are dead-lettered by the transport before they get here.
 */
@Controller()
export class CheckInConsumer {
  constructor(
    @Inject(CheckInBatchWriter) private readonly writer: CheckInBatchWriter,
    @Inject(WriterMetrics) private readonly metrics: WriterMetrics,
  ) {}

  @EventPattern(TOPICS.checkins, BATCH)
  handle(@Payload() events: ConsumedEvent[]): Promise<BatchHandlerResult> {
    // One span for the batch's writes (its Cassandra calls are children): it continues the check-in's
    // trace when the batch holds one trace, else it links to each (libs/observability, startProcessBatchSpan).
    if (events.length === 0) return this.write(events);
    return startProcessBatchSpan(events, () => this.write(events));
  }

  private async write(events: ConsumedEvent[]): Promise<BatchHandlerResult> {
    const stop = this.metrics.batchSeconds.startTimer();
    try {
      const out = await this.writer.handle(events);
      const dead = out.deadLetters ?? [];
      stop({ outcome: 'ok' });
      this.metrics.batchDone({ ...out, events: events.length, deadLetters: dead.length, reasons: dead.map((d) => d.reason) });
      return { deadLetters: dead };
    } catch (e) {
      stop({ outcome: 'error' });
      this.metrics.batchFailed();
      throw new TransientWriteError(e);
    }
  }
}
