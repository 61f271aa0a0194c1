import { Injectable } from '@nestjs/common';
import type { BatchHandlerResult, ConsumedEvent, DeadLetterRequest } from '@vigil/messaging';
import { startProcessBatchSpan } from '@vigil/observability';
import { WorklistStateRepository, type WorklistStateRow } from '@vigil/storage';
import { KeyedCoalescer } from './keyed-coalescer';
import { groupByPatient, type PatientEvents } from './worklist-batch';
import { WorklistChanges } from './worklist-changes';
import { WorklistMetrics } from './worklist.metrics';
import { applyWorklistEvent, emptyState, type WorklistState } from './worklist-state';
import { WorklistStateCache } from './worklist-state-cache';
import { isListed } from './worklist-view';
import { WorklistInfra, WorklistSettings } from './worklist.wiring';

/** Conditional writes lost to another writer before giving up (the batch is then retried). */
const MAX_ATTEMPTS = 8;

export type ProjectOutcome = 'changed' | 'unchanged' | 'skipped';

/**
 * Folds consumed events (patients.v1, risk-scores.v1, alerts.v1, care-activity.v1) into the stored
 * per-patient worklist state and streams every change. A batch is split by patient; per patient,
 * one fold at a time inside this process, all of the patient's events at once (KeyedCoalescer: a
 * patient's events of other topics' batches that arrive while its fold runs join the next fold):
 *
 * 1. the state row and its version: from the cache of rows this instance wrote (WorklistStateCache),
 *    else one read; fold the patient's events in, in offset order (worklist-state.ts: pure);
 * 2. if it changed: ONE write of version+1, only if the row is still at that version (LWT); lost to
 *    another writer (another instance, a zombie after a rebalance, a stale cached row): drop the
 *    cached row, read again and re-fold;
 * 3. keep the team index (worklist_by_team) in step with the profile;
 * 4. stream the stored version once (WorklistChanges), then cache the row.
 *
 * The transport commits a batch's offsets only after this returns, so a crash anywhere redelivers.
 * Redelivered events fold to the same state ("unchanged"): nothing is written. A row read from
 * Cassandra then has 3 and 4 repeated for its version (both idempotent), which completes whatever a
 * crash cut short; a cached row was cached only once 3 and 4 were done, so nothing is repeated.
 */
@Injectable()
export class WorklistProjector {
  private readonly folds = new KeyedCoalescer<PatientEvents['items'][number], 'changed' | 'unchanged'>((key, items) => this.fold(key, items));
  private readonly cache: WorklistStateCache;

  constructor(
    private readonly states: WorklistStateRepository<WorklistState>,
    private readonly changes: WorklistChanges,
    private readonly metrics: WorklistMetrics,
    private readonly infra: WorklistInfra,
    private readonly settings: WorklistSettings,
  ) {
    this.cache = new WorklistStateCache(settings.stateCacheSize);
  }

  /** Called on every rebalance of the worklist consumer (app.ts): another member may own a patient's partitions now. */
  forgetCachedStates(): void {
    this.cache.clear();
  }

  async handleBatch(topic: string, events: ConsumedEvent[]): Promise<BatchHandlerResult> {
    const { groups, skipped, invalid } = groupByPatient(events);
    if (skipped.length) this.metrics.events.inc({ topic, outcome: 'skipped' }, skipped.length);
    const deadLetters: DeadLetterRequest[] = invalid.map(({ consumed: c, error }) => {
      this.metrics.events.inc({ topic, outcome: 'invalid' });
      this.infra.logger.warn({ eventId: c.event.id, topic, offset: c.offset, partition: c.partition, error: error.message }, 'worklist event dead-lettered');
      return { offset: c.offset, reason: 'invalid-worklist-event', error: error.message };
    });
    // Up to `consumerConcurrency` patients at once; a failure lets the others finish, then fails the batch.
    const queue = [...groups];
    let failure: unknown;
    const worker = async () => {
      for (let g = queue.shift(); g && failure === undefined; g = queue.shift()) {
        try {
          await this.projectPatient(topic, g);
        } catch (e) {
          failure ??= e;
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(Math.max(1, this.settings.consumerConcurrency), queue.length) }, worker));
    if (failure !== undefined) throw failure;
    return deadLetters.length ? { deadLetters } : {};
  }

  /** One consumed event on its own (as a batch of one). Throws InvalidWorklistEventError for a dead letter. */
  async project(c: ConsumedEvent): Promise<ProjectOutcome> {
    const { groups, invalid } = groupByPatient([c]);
    if (invalid[0]) throw invalid[0].error;
    const g = groups[0];
    if (!g) {
      this.metrics.events.inc({ topic: c.topic, outcome: 'skipped' });
      return 'skipped';
    }
    return this.projectPatient(c.topic, g);
  }

  private async projectPatient(topic: string, g: PatientEvents): Promise<'changed' | 'unchanged'> {
    const consumed = g.items.map((i) => i.consumed);
    const outcome = await startProcessBatchSpan(consumed, () => this.folds.run(g.key, g.items), { 'vigil.worklist.events': g.items.length });
    this.metrics.events.inc({ topic, outcome }, g.items.length);
    return outcome;
  }

  private async fold(key: string, items: PatientEvents['items']): Promise<'changed' | 'unchanged'> {
    const g: PatientEvents = { key, tenantId: items[0].consumed.event.tenantid, patientId: items[0].consumed.event.subject, items };
    const profileSeen = g.items.some((i) => i.event.kind === 'profile');
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const cached = attempt === 0 ? this.cache.get(g.key) : undefined;
      const row = cached ?? (await this.states.get(g.tenantId, g.patientId));
      const before = row?.state ?? emptyState();
      let after = before;
      let causeType = g.items[g.items.length - 1].consumed.event.type;
      for (const { event, consumed } of g.items) {
        const next = applyWorklistEvent(after, event);
        if (next !== after) causeType = consumed.event.type;
        after = next;
      }
      if (after === before) {
        if (row && !cached) {
          if (profileSeen) await this.syncTeam(row, null);
          await this.changes.record(row, null, causeType);
          this.cache.set(g.key, row);
        }
        return 'unchanged';
      }
      const next: WorklistStateRow<WorklistState> = {
        tenantId: g.tenantId,
        patientId: g.patientId,
        careTeamId: after.profile?.careTeamId ?? null,
        status: after.profile?.status ?? null,
        state: after,
        version: (row?.version ?? 0) + 1,
        updatedAt: new Date(),
      };
      // Not cached until streamed: a failure below leaves the next attempt to read and complete it.
      this.cache.delete(g.key);
      if (!(await this.states.put(next, row?.version ?? 0))) {
        this.metrics.conflicts.inc();
        continue;
      }
      const previousTeam = before.profile?.careTeamId ?? null;
      if (profileSeen) await this.syncTeam(next, previousTeam);
      await this.changes.record(next, previousTeam, causeType);
      this.cache.set(g.key, next);
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
