import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { TOPICS } from '@vigil/contracts';
import { BATCH, type BatchHandlerResult, type ConsumedEvent, KafkaBatchServer, type KafkaBatchServerOptions } from '@vigil/messaging';
import { WorklistProjector } from './worklist-projector';

/** The worklist's consumer (its own group): handlers tagged with it run on it only, and it runs nothing else. */
export const WORKLIST_TRANSPORT = Symbol('worklist-consumer');

/** The topics the worklist folds (their dead letters are ensured at start-up too). */
export const WORKLIST_TOPICS = [TOPICS.patients, TOPICS.riskScores, TOPICS.alerts, TOPICS.careActivity] as const;

/** The worklist's consumer group: beside the alert consumer's, so either can be reset or lag alone. */
export function worklistGroupId(careGroupId: string): string {
  return `${careGroupId}.worklist`;
}

export function createWorklistConsumer(options: KafkaBatchServerOptions): KafkaBatchServer {
  const server = new KafkaBatchServer({ ...options, groupId: worklistGroupId(options.groupId) });
  server.setTransportId(WORKLIST_TRANSPORT);
  return server;
}

/** The four topics on the worklist's KafkaBatchServer: a partition's batch at a time (see WorklistProjector). */
@Controller()
export class WorklistEventsConsumer {
  constructor(private readonly projector: WorklistProjector) {}

  @EventPattern(TOPICS.patients, WORKLIST_TRANSPORT, BATCH)
  onPatients(@Payload() events: ConsumedEvent[]): Promise<BatchHandlerResult> {
    return this.projector.handleBatch(TOPICS.patients, events);
  }

  @EventPattern(TOPICS.riskScores, WORKLIST_TRANSPORT, BATCH)
  onScores(@Payload() events: ConsumedEvent[]): Promise<BatchHandlerResult> {
    return this.projector.handleBatch(TOPICS.riskScores, events);
  }

  @EventPattern(TOPICS.alerts, WORKLIST_TRANSPORT, BATCH)
  onAlerts(@Payload() events: ConsumedEvent[]): Promise<BatchHandlerResult> {
    return this.projector.handleBatch(TOPICS.alerts, events);
  }

  @EventPattern(TOPICS.careActivity, WORKLIST_TRANSPORT, BATCH)
  onContacts(@Payload() events: ConsumedEvent[]): Promise<BatchHandlerResult> {
    return this.projector.handleBatch(TOPICS.careActivity, events);
  }
}
