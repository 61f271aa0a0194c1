import { type Logger, startProcessSpan } from '@vigil/observability';
import { type BatchHandlerResult, type ConsumedEvent, handleInKeyOrder } from '@vigil/messaging';
import { type AlertStreamData, EVENT_TYPES, type VigilEvent } from '@vigil/contracts';
import type { CareMetrics } from '../common/metrics';
import { InvalidAlertEventError, toStreamData, withStatus } from '../stream/alert-event';
import type { CassandraAlertStream } from '../stream/cassandra-alert-stream';
import type { RedisAlertStream } from '../stream/redis-alert-stream';
import { AlertRecord, AlertsRepository, STATUS_RANK } from './alerts.repository';
import { planAlertUpdate } from './alert-update';

/** The ports the ingestor writes through (the real ones in the app; fakes in alert-ingestor.spec.ts). */
export interface AlertIngestorDeps {
  alerts: Pick<AlertsRepository, 'get' | 'insertRaised' | 'transition' | 'applyEvidence' | 'reopen' | 'syncIndexes'>;
  redisStream: Pick<RedisAlertStream, 'append'>;
  cassandraStream: Pick<CassandraAlertStream, 'storedCursor' | 'write' | 'markStored'>;
  concurrency: number;
  logger: Logger;
  metrics: CareMetrics;
}

const KNOWN_TYPES = new Set<string>([EVENT_TYPES.alertRaised, EVENT_TYPES.alertUpdated, EVENT_TYPES.alertAcknowledged, EVENT_TYPES.alertResolved]);

/** An event whose ids contradict what is stored (another tenant's alert id): never storable. */
class ConflictingAlertError extends InvalidAlertEventError {}

/**
 * Stores the alert events the instance consumes (alerts.v1, shared consumer group) and hands them
 * to every instance's SSE clients. Per event:
 *
 * 1. already stored (alert_stream_event_ids has its id)? Then nothing: a redelivery. (Read together
 *    with the alert itself, whose tenant must match the event's.)
 * 2. in parallel: append to the tenant's Redis stream (the script dedupes by event id, assigns the
 *    cursor and PUBLISHes it: live clients on every instance get it now), and apply it to
 *    alerts_by_id (raise: stored unless present, with a status cell that can never regress;
 *    lifecycle: a conditional update, forward only). An update (alert.updated) is applied first,
 *    then appended: its stream entry carries the status it leaves (alert-update.ts).
 * 3. in parallel: the Cassandra stream row under the same cursor, and the list indexes.
 * 4. mark the event id stored; the transport then commits the offset.
 *
 * A crash anywhere before 4 redelivers the event: the Redis script returns the cursor it already
 * gave (no second entry, no second notification) and 3-4 are idempotent upserts.
 */
export class AlertIngestor {
  constructor(private readonly deps: AlertIngestorDeps) {}

  async handleBatch(events: ConsumedEvent[]): Promise<BatchHandlerResult> {
    // A patient's events in offset order; patients side by side.
    return handleInKeyOrder(events, {
      keyOf: (c) => c.key ?? c.event.subject,
      concurrency: this.deps.concurrency,
      // One span per alert event, child of its traceparent (the scorer's): the check-in's trace.
      handle: (c) => startProcessSpan(c, () => this.store(c.event), { 'vigil.event.id': c.event.id }),
      deadLetterOf: (c, e) => {
        if (!(e instanceof InvalidAlertEventError)) return null;
        this.deps.metrics.alertEvents.inc({ type: KNOWN_TYPES.has(c.event.type) ? c.event.type.replace(/^org\.vigil\./, '') : 'unknown', outcome: 'invalid' });
        this.deps.logger.warn({ eventId: c.event.id, offset: c.offset, partition: c.partition, error: e.message }, 'alert event dead-lettered');
        return { offset: c.offset, reason: 'invalid-alert-event', error: e.message };
      },
    });
  }

  /** Stores one alert event (see the class comment). Idempotent. */
  async store(event: VigilEvent): Promise<'stored' | 'duplicate'> {
    const started = process.hrtime.bigint();
    const data = toStreamData(event);
    const tenantId = event.tenantid;
    const { cassandraStream, redisStream, alerts, metrics } = this.deps;
    const [stored, current] = await Promise.all([cassandraStream.storedCursor(tenantId, data.eventId), alerts.get(data.alertId)]);
    if (stored) {
      metrics.alertEvents.inc({ type: data.type, outcome: 'duplicate' });
      return 'duplicate';
    }
    if (current && current.tenantId !== tenantId) throw new ConflictingAlertError('alert id already belongs to another tenant');
    let appended: { cursor: string; created: boolean };
    let record: AlertRecord | null;
    let streamed = data;
    if (data.type === 'alert.updated') {
      record = await this.applyUpdate(data, current);
      streamed = withStatus(data, record?.status ?? 'open');
      appended = await redisStream.append(tenantId, streamed);
    } else {
      [appended, record] = await Promise.all([redisStream.append(tenantId, data), this.applyToAlert(tenantId, data, current)]);
    }
    await Promise.all([cassandraStream.write({ cursor: appended.cursor, tenantId, data: streamed }), record ? alerts.syncIndexes(record) : undefined]);
    await cassandraStream.markStored(tenantId, data.eventId, appended.cursor);
    metrics.alertEvents.inc({ type: data.type, outcome: appended.created ? 'stored' : 'restored' });
    metrics.alertStoreSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.deps.logger.debug({ eventId: data.eventId, alertId: data.alertId, cursor: appended.cursor, type: data.type }, 'alert event stored');
    return 'stored';
  }

  /** alerts_by_id: a raise is stored unless present; a lifecycle event moves the status forward only. */
  private async applyToAlert(tenantId: string, data: AlertStreamData, current: AlertRecord | null): Promise<AlertRecord | null> {
    const { alerts } = this.deps;
    if (data.type === 'alert.raised' && data.alert) {
      return current ?? alerts.insertRaised(data.alert);
    }
    const target = data.status as 'acknowledged' | 'resolved';
    let rec = current;
    for (let attempt = 0; attempt < 5; attempt++) {
      if (attempt > 0) rec = await alerts.get(data.alertId);
      if (!rec) {
        // The raise was never stored (dead-lettered upstream?): the lifecycle event still reaches the stream.
        this.deps.logger.warn({ alertId: data.alertId, eventId: data.eventId }, 'lifecycle event for an unknown alert; streamed, not indexed');
        return null;
      }
      if (rec.tenantId !== tenantId) throw new ConflictingAlertError('alert id belongs to another tenant');
      if (STATUS_RANK[target] <= STATUS_RANK[rec.status]) return rec; // care-api already applied it (or a later one)
      // Applied already, then re-opened by an interrupting update (which keeps who acknowledged and when).
      if (target === 'acknowledged' && rec.acknowledgedAt && rec.acknowledgedAt.getTime() >= new Date(data.change?.at ?? data.at).getTime()) return rec;
      const at = new Date(data.change?.at ?? data.at);
      const note = data.change?.note;
      if (await alerts.transition(rec.alertId, rec.status, target, data.change?.by ?? 'unknown', at, note)) {
        return target === 'acknowledged'
          ? { ...rec, status: target, acknowledgedBy: data.change?.by, acknowledgedAt: at, acknowledgedNote: note }
          : { ...rec, status: target, resolvedBy: data.change?.by, resolvedAt: at, resolvedNote: note };
      }
    }
    throw new Error('alert status kept changing while applying a lifecycle event; retrying');
  }

  /** alert.updated: new evidence onto the stored alert (alert-update.ts), re-opening it if it interrupts an acknowledged one. */
  private async applyUpdate(data: AlertStreamData, current: AlertRecord | null): Promise<AlertRecord | null> {
    const { alerts } = this.deps;
    const update = data.update;
    let rec = current;
    for (let attempt = 0; update && attempt < 5; attempt++) {
      if (attempt > 0) rec = await alerts.get(data.alertId);
      if (!rec) {
        // The raise was never stored (dead-lettered upstream?): the update still reaches the stream.
        this.deps.logger.warn({ alertId: data.alertId, eventId: data.eventId }, 'update for an unknown alert; streamed, not indexed');
        return null;
      }
      const plan = planAlertUpdate(rec, update);
      if (!plan) return rec; // resolved: stays as the team left it
      if (plan.evidenceChanged) await alerts.applyEvidence(rec.alertId, plan.record);
      if (plan.reopen && !(await alerts.reopen(rec.alertId))) continue; // moved meanwhile (resolved?): look again
      return plan.record;
    }
    if (!update) return current;
    throw new Error('alert status kept changing while applying an update; retrying');
  }
}
