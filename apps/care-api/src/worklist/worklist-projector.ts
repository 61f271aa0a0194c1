import { Injectable } from '@nestjs/common';
import { type BatchHandlerResult, type ConsumedEvent, handleInKeyOrder } from '@vigil/messaging';
import { startProcessSpan } from '@vigil/observability';
import { WorklistStateRepository, type WorklistStateRow } from '@vigil/storage';
import { KeyedSerial } from './keyed-serial';
import { WorklistChanges } from './worklist-changes';
import { InvalidWorklistEventError, toWorklistEvent } from './worklist-events';
import { WorklistMetrics } from './worklist.metrics';
import { applyWorklistEvent, emptyState, type WorklistEvent, type WorklistState } from './worklist-state';
import { isListed } from './worklist-view';
import { WorklistInfra, WorklistSettings } from './worklist.wiring';

/** Conditional writes lost to another writer before giving up (the batch is then retried). */
const MAX_ATTEMPTS = 8;

export type ProjectOutcome = 'changed' | 'unchanged' | 'skipped';

/**
 * Folds consumed events (patients.v1, risk-scores.v1, alerts.v1, care-activity.v1) into the stored
 * per-patient worklist state and streams every change. Per event, serialised per patient:
 *
 * 1. read the state row (and its version), fold the event in (worklist-state.ts: pure);
 * 2. if it changed: write version+1 only if the row is still at the version read (LWT); lost to
 *    another writer (another topic's consumer, another instance): read again and re-fold;
 * 3. keep the team index (worklist_by_team) in step with the profile;
 * 4. stream the stored version (WorklistChanges).
 *
 * The transport commits a batch's offsets only after this returns, so a crash anywhere redelivers.
 * A redelivered event folds to the same state ("unchanged"): nothing is written, but 3 and 4 are
 * repeated for the current version (both idempotent), which completes whatever the crash cut short.
 */
@Injectable()
export class WorklistProjector {
  private readonly serial = new KeyedSerial();

  constructor(
    private readonly states: WorklistStateRepository<WorklistState>,
    private readonly changes: WorklistChanges,
    private readonly metrics: WorklistMetrics,
    private readonly infra: WorklistInfra,
    private readonly settings: WorklistSettings,
  ) {}

  async handleBatch(topic: string, events: ConsumedEvent[]): Promise<BatchHandlerResult> {
    return handleInKeyOrder(events, {
      keyOf: (c) => `${c.event.tenantid}/${c.event.subject}`,
      concurrency: this.settings.consumerConcurrency,
      handle: (c) =>
        startProcessSpan(c, () => this.project(c), { 'vigil.event.id': c.event.id }),
      deadLetterOf: (c, e) => {
        if (!(e instanceof InvalidWorklistEventError)) return null;
        this.metrics.events.inc({ topic, outcome: 'invalid' });
        this.infra.logger.warn({ eventId: c.event.id, topic, offset: c.offset, partition: c.partition, error: e.message }, 'worklist event dead-lettered');
        return { offset: c.offset, reason: 'invalid-worklist-event', error: e.message };
      },
    });
  }

  /** One consumed event (see the class comment). Throws InvalidWorklistEventError for a dead letter. */
  async project(c: ConsumedEvent): Promise<ProjectOutcome> {
    const event = toWorklistEvent(c.event);
    if (!event) {
      this.metrics.events.inc({ topic: c.topic, outcome: 'skipped' });
      return 'skipped';
    }
    const outcome = await this.serial.run(`${c.event.tenantid}/${c.event.subject}`, () => this.fold(c.event.tenantid, c.event.subject, event, c.event.type));
    this.metrics.events.inc({ topic: c.topic, outcome });
    return outcome;
  }

  private async fold(tenantId: string, patientId: string, event: WorklistEvent, causeType: string): Promise<'changed' | 'unchanged'> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const row = await this.states.get(tenantId, patientId);
      const before = row?.state ?? emptyState();
      const after = applyWorklistEvent(before, event);
      if (after === before) {
        if (row) {
          if (event.kind === 'profile') await this.syncTeam(row, null);
          await this.changes.record(row, null, causeType);
        }
        return 'unchanged';
      }
      const next: WorklistStateRow<WorklistState> = {
        tenantId,
        patientId,
        careTeamId: after.profile?.careTeamId ?? null,
        status: after.profile?.status ?? null,
        state: after,
        version: (row?.version ?? 0) + 1,
        updatedAt: new Date(),
      };
      if (!(await this.states.put(next, row?.version ?? 0))) {
        this.metrics.conflicts.inc();
        continue;
      }
      const previousTeam = before.profile?.careTeamId ?? null;
      if (event.kind === 'profile') await this.syncTeam(next, previousTeam);
      await this.changes.record(next, previousTeam, causeType);
      return 'changed';
    }
    throw new Error('worklist state kept changing under concurrent writers; retrying the batch');
  }

  /** On the current team's list while active; off the previous team's (moved) and off the list when discharged. */
  private syncTeam(row: WorklistStateRow<WorklistState>, previousTeam: string | null): Promise<void> {
    const team = row.state.profile?.careTeamId ?? null;
    if (isListed(row.state)) return this.states.setTeam(row.tenantId, row.patientId, team, previousTeam);
    return this.states.setTeam(row.tenantId, row.patientId, null, team);
  }
}
