import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS } from '@vigil/contracts';
import { BATCH, type BatchHandlerResult, type ConsumedEvent } from '@vigil/messaging';
import { ALERT_INGESTOR } from '../common/tokens';
import type { AlertIngestor } from './alert-ingestor';

/** The alert consumer's transport id: its handlers run on it only (the worklist has its own consumer). */
export const ALERTS_TRANSPORT = Symbol('alerts-consumer');

/** alerts.v1 on the KafkaBatchServer transport: a partition's batch at a time (see AlertIngestor). */
@Controller()
export class AlertEventsConsumer {
  constructor(@Inject(ALERT_INGESTOR) private readonly ingestor: AlertIngestor) {}

  @EventPattern(TOPICS.alerts, ALERTS_TRANSPORT, BATCH)
  onAlerts(@Payload() events: ConsumedEvent[]): Promise<BatchHandlerResult> {
    return this.ingestor.handleBatch(events);
  }
}
