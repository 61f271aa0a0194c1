import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS } from '@vigil/contracts';
import { BATCH, type BatchHandlerResult, type ConsumedEvent } from '@vigil/messaging';
import { Scorer } from './scorer';

/**
 * Kafka handlers (KafkaBatchServer transport). Thrown errors are transient (the batch is retried
 * with backoff, never skipped); PoisonMessageError and returned dead letters go to `<topic>.dlq`;
 * offsets are committed after the handler resolves.
 */
@Controller()
export class ScorerConsumerController {
  constructor(@Inject(Scorer) private readonly scorer: Scorer) {}

  /** checkins.v1: a partition's batch, in offset order. */
  @EventPattern(TOPICS.checkins, BATCH)
  handleCheckIns(@Payload() events: ConsumedEvent[]): Promise<BatchHandlerResult> {
    return this.scorer.handleCheckIns(events);
  }

  /** patients.v1 (compacted, read from the beginning by a new group): one profile at a time. */
  @EventPattern(TOPICS.patients)
  handleProfile(@Payload() event: ConsumedEvent): Promise<void> {
    return this.scorer.handleProfile(event);
  }
}
