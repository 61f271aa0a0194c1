import { CheckIn, EVENT_TYPES, ID_PATTERN, validateCheckIn } from '@vigil/contracts';
import type { BatchHandlerResult, ConsumedEvent, DeadLetterRequest } from '@vigil/messaging';
import {
  ArchivedCheckIn,
  CheckInArchiveRepository,
  executeConcurrently,
  groupByPartition,
  ObservationRepository,
  observationRowsOf,
  Statement,
} from '@vigil/storage';
import type { Client } from 'cassandra-driver';

/** Why a check-in event is dead-lettered (the `vigil-dlq-reason` header). */
export const WRITER_DLQ_REASONS = {
  unknownType: 'unknown-event-type',
  invalidCheckIn: 'invalid-checkin',
  invalidSubject: 'invalid-subject',
} as const;

export interface BatchOutcome extends BatchHandlerResult {
  checkIns: number;
  observations: number;
  /** Cassandra requests (statements and single-partition batches). */
  statements: number;
}

/** One accepted check-in of a batch with the rows it becomes. */
export interface AcceptedCheckIn {
  archived: ArchivedCheckIn;
  checkIn: CheckIn;
}

/**
 * Checks one consumed event: its type, its subject (the patient id) and its data against the
 * check-in contract (no clock: a stored event is not re-judged against today's time window).
 * Returns the archive record, or the dead letter. Error texts name fields, never values (no PHI).
 */
export function acceptCheckIn(e: ConsumedEvent): AcceptedCheckIn | DeadLetterRequest {
  const ev = e.event;
  if (ev.type !== EVENT_TYPES.checkinReceived) {
    return { offset: e.offset, reason: WRITER_DLQ_REASONS.unknownType, error: `unexpected event type ${String(ev.type).slice(0, 100)} on ${e.topic}` };
  }
  if (!ID_PATTERN.test(ev.subject) || !ID_PATTERN.test(ev.tenantid)) {
    return { offset: e.offset, reason: WRITER_DLQ_REASONS.invalidSubject, error: 'subject (patient id) or tenantid is not a valid id' };
  }
  const v = validateCheckIn(ev.data);
  if (!v.ok) {
    const error = v.errors
      .map((x) => `${x.path || '(data)'}: ${x.message}`)
      .join('; ')
      .slice(0, 1000);
    return { offset: e.offset, reason: WRITER_DLQ_REASONS.invalidCheckIn, error };
  }
  const checkIn = v.value;
  const ts = Number(e.timestamp);
  const archived: ArchivedCheckIn = {
    tenantId: ev.tenantid,
    patientId: ev.subject,
    checkInId: checkIn.checkInId,
    recordedAt: new Date(checkIn.recordedAt),
    recordedAtText: checkIn.recordedAt,
    eventId: ev.id,
    eventSource: ev.source,
    eventType: ev.type,
    eventTime: ev.time,
    dataSchemaVersion: ev.dataschemaversion,
    data: JSON.stringify(ev.data),
    kafka: { topic: e.topic, partition: e.partition, offset: e.offset, ...(Number.isFinite(ts) && ts > 0 ? { timestamp: new Date(ts) } : {}) },
  };
  if (ev.traceparent) archived.traceparent = ev.traceparent;
  return { archived, checkIn };
}

function isDeadLetter(x: AcceptedCheckIn | DeadLetterRequest): x is DeadLetterRequest {
  return (x as DeadLetterRequest).reason !== undefined;
}

/**
 * The work of one consumed batch: validate every event, then write the archive rows and every
 * observation of every valid check-in concurrently (bounded), as idempotent upserts. Resolves only
 * when every write succeeded: the transport commits the batch's offsets after that. Any Cassandra
 * error rejects, and the transport retries the batch with back-off (never skipping it); rows already
 * written are simply written again.
 */
export class CheckInBatchWriter {
  constructor(
    private readonly client: Client,
    private readonly observations: ObservationRepository,
    private readonly archive: CheckInArchiveRepository,
    private readonly concurrency: number,
  ) {}

  prepare(events: readonly ConsumedEvent[]): { statements: Statement[]; deadLetters: DeadLetterRequest[]; checkIns: number; observations: number } {
    const deadLetters: DeadLetterRequest[] = [];
    const archived: ArchivedCheckIn[] = [];
    const rows = [];
    for (const e of events) {
      const r = acceptCheckIn(e);
      if (isDeadLetter(r)) {
        deadLetters.push(r);
        continue;
      }
      archived.push(r.archived);
      rows.push(...observationRowsOf(r.archived.tenantId, r.archived.patientId, r.checkIn));
    }
    const archivedAt = new Date();
    for (const a of archived) a.archivedAt = archivedAt;
    // Archive rows first (what replay needs), then observations; rows of one partition, across all
    // check-ins of the slice, share one single-partition batch (checkins_by_day's day shards above all).
    const statements = groupByPartition([...this.archive.keyedStatementsFor(archived), ...this.observations.keyedStatementsFor(rows)]);
    return { statements, deadLetters, checkIns: archived.length, observations: rows.length };
  }

  async handle(events: readonly ConsumedEvent[]): Promise<BatchOutcome> {
    const work = this.prepare(events);
    await executeConcurrently(this.client, work.statements, this.concurrency);
    return { deadLetters: work.deadLetters, checkIns: work.checkIns, observations: work.observations, statements: work.statements.length };
  }
}
