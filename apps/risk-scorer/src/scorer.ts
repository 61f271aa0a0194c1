/**
 * The scorer's work, free of Nest and Kafka plumbing (the controller hands it consumed events).
 *
 * Delivery (DESIGN.md "Delivery"; README "State and offsets"). For each patient of a batch, under
 * that patient's in-process lock:
 *   1. read the profile, the state row (engine state + applied position + recent check-in ids +
 *      version) and any parked check-ins;
 *   2. drop what was applied already: offset <= the applied offset of the same topic-partition
 *      (a redelivery) or a check-in id among the recent ones (the same check-in published twice);
 *   3. score what is left (parked ones first, in device-time order, then the batch in offset order);
 *   4. publish risk.scored, alert.raised and (v2) alert.updated and wait for the acks of all in-sync replicas;
 *   5. store the scores (idempotent upserts), then the state with the new applied position in ONE
 *      conditional write (LWT on `version`);
 *   6. return; the transport commits the offsets.
 * A crash after 4 and before 5 re-runs 3 and 4 on redelivery with the same inputs, so the events
 * are the same, with the same ids (risk.scored: from model version + check-in id; alert.raised:
 * the engine's alert id from its cause; alert.updated: from the alert id and the check-in id): downstream dedups them by id. A crash after 5 is a no-op
 * on redelivery (step 2). A lost LWT (another instance or path wrote the state meanwhile) throws a
 * transient error: the transport retries the batch, which re-reads the state.
 */
import {
  AlertRaisedData,
  AlertUpdatedData,
  CheckIn,
  DLQ_SUFFIX,
  EVENT_TYPES,
  PatientProfile as ProfileData,
  TOPICS,
  validateCheckIn,
  VigilEvent,
} from '@vigil/contracts';
import { PoisonMessageError, type BatchHandlerResult, type ConsumedEvent, type DeadLetterRequest } from '@vigil/messaging';
import { currentTraceparent, startProcessBatchSpan, withEventSpan } from '@vigil/observability';
import {
  checkEngagement,
  initialState,
  ModelVersion,
  nextEngagementDueAt,
  PatientProfile as EngineProfile,
  PatientState,
  scoreCheckIn,
} from '@vigil/risk-engine';
import { forEachLimit } from '@vigil/config';
import { KeyedMutex } from './keyed-mutex';
import {
  alertRaisedEvent,
  alertUpdatedEvent,
  readProfileEvent,
  reminderDueEvent,
  riskScoredEvent,
  toEngineCheckIn,
  toEngineProfile,
  withoutNotes,
} from '@vigil/scoring';
import { dueBucket, engagementDueAt } from './schedule';
import { engineNow, heardAtAfter, receiptDelayMs, shiftIso } from './silence-clock';
import type { DueRow, PendingCheckIn, Position, ScorerStore, StateRecord, StoredScore } from './scorer.store';
import type { ScorerLog, ScorerMetrics } from './telemetry';

/** Check-in ids kept per patient to recognise a check-in published twice (at two offsets). */
export const RECENT_CHECKINS_KEPT = 200;

/** Minimal publisher surface (EventPublisher), so tests can observe it. */
export interface Publisher {
  publishMany<T>(topic: string, events: VigilEvent<T>[]): Promise<void>;
}

/** The scorer's state write lost a race: retried (transient), never dead-lettered. */
export class StateConflictError extends Error {
  override readonly name = 'StateConflictError';
}

export interface ScorerDeps {
  store: ScorerStore;
  publisher: Publisher;
  modelVersion: ModelVersion;
  concurrency: number;
  log: ScorerLog;
  metrics: ScorerMetrics;
  mutex?: KeyedMutex;
  now?: () => number;
}

/** One check-in to apply: from the consumed batch (live) or parked earlier (pending). */
export interface WorkItem {
  kind: 'live' | 'pending';
  tenantId: string;
  patientId: string;
  checkIn: CheckIn;
  recordedAt: number;
  traceparent?: string;
  position: Position;
  /** The event as received, for parking. */
  event: VigilEvent<CheckIn>;
}

export const patientKey = (tenantId: string, patientId: string): string => `${tenantId}\u0000${patientId}`;

/** Already applied: at or below the applied offset of the same topic-partition, or a recent check-in id. */
export function isApplied(rec: Pick<StateRecord, 'applied' | 'recentCheckIns'>, item: Pick<WorkItem, 'position' | 'checkIn'>): boolean {
  if (rec.recentCheckIns.includes(item.checkIn.checkInId)) return true;
  const a = rec.applied;
  return a !== null && a.topic === item.position.topic && a.partition === item.position.partition && BigInt(item.position.offset) <= BigInt(a.offset);
}

/** The applied position after applying `positions` in order: the highest offset of the latest topic-partition. */
export function advancePosition(prev: Position | null, positions: readonly Position[]): Position | null {
  let cur = prev;
  for (const p of positions) {
    if (cur === null || cur.topic !== p.topic || cur.partition !== p.partition) cur = p;
    else if (BigInt(p.offset) > BigInt(cur.offset)) cur = p;
  }
  return cur;
}

/** Parked check-ins in device-time order (ties: offset), then the batch in offset order; one per check-in id. */
export function orderWork(pending: readonly WorkItem[], live: readonly WorkItem[]): WorkItem[] {
  const sortedPending = [...pending].sort((a, b) => a.recordedAt - b.recordedAt || Number(BigInt(a.position.offset) - BigInt(b.position.offset)));
  const seen = new Set<string>();
  const out: WorkItem[] = [];
  for (const item of [...sortedPending, ...live]) {
    if (seen.has(item.checkIn.checkInId)) continue;
    seen.add(item.checkIn.checkInId);
    out.push(item);
  }
  return out;
}

export class Scorer {
  readonly mutex: KeyedMutex;
  private readonly now: () => number;

  constructor(private readonly deps: ScorerDeps) {
    this.mutex = deps.mutex ?? new KeyedMutex();
    this.now = deps.now ?? Date.now;
  }

  // --- checkins.v1 ------------------------------------------------------------------------------

  /**
   * A partition's batch of check-ins. Invalid ones are dead-lettered (they can never succeed);
   * anything else that fails is thrown, and the transport retries the batch (already-applied
   * patients are no-ops the second time).
   */
  async handleCheckIns(batch: readonly ConsumedEvent[]): Promise<BatchHandlerResult> {
    const deadLetters: DeadLetterRequest[] = [];
    const byPatient = new Map<string, WorkItem[]>();
    // The messages behind each patient's items, for that patient's process span.
    const messagesOf = new Map<string, ConsumedEvent[]>();
    for (const m of batch) {
      if (m.event.type !== EVENT_TYPES.checkinReceived) {
        this.deps.metrics.checkIns.inc({ outcome: 'ignored' });
        continue;
      }
      const v = validateCheckIn(m.event.data);
      if (!v.ok) {
        this.deps.metrics.checkIns.inc({ outcome: 'invalid' });
        const error = `invalid check-in: ${v.errors.map((e) => `${e.path || '(body)'}: ${e.message}`).join('; ')}`.slice(0, 500);
        deadLetters.push({ offset: m.offset, reason: 'invalid-checkin', error });
        continue;
      }
      const item: WorkItem = {
        kind: 'live',
        tenantId: m.event.tenantid,
        patientId: m.event.subject,
        checkIn: withoutNotes(v.value),
        recordedAt: Date.parse(v.value.recordedAt),
        traceparent: m.event.traceparent,
        position: { topic: m.topic, partition: m.partition, offset: m.offset },
        event: m.event as VigilEvent<CheckIn>,
      };
      const key = patientKey(item.tenantId, item.patientId);
      const list = byPatient.get(key);
      if (list) list.push(item);
      else byPatient.set(key, [item]);
      const messages = messagesOf.get(key);
      if (messages) messages.push(m);
      else messagesOf.set(key, [m]);
    }
    // A process span per patient's work, continuing the check-in's trace (libs/observability).
    await forEachLimit([...byPatient.entries()], this.deps.concurrency, ([key, items]) =>
      startProcessBatchSpan(messagesOf.get(key) ?? [], () => this.mutex.run(key, () => this.applyPatient(items[0].tenantId, items[0].patientId, items))),
    );
    if (deadLetters.length) this.deps.log.warn({ count: deadLetters.length, topic: `${TOPICS.checkins}${DLQ_SUFFIX}` }, 'check-ins dead-lettered');
    return deadLetters.length ? { deadLetters } : {};
  }

  // --- patients.v1 ------------------------------------------------------------------------------

  /**
   * One profile event: mirror it into `patients`, then score any check-ins parked for the patient
   * and (re)schedule the engagement check. A profile that can never be read is a poison message.
   */
  async handleProfile(m: ConsumedEvent): Promise<void> {
    if (![EVENT_TYPES.patientEnrolled, EVENT_TYPES.patientUpdated, EVENT_TYPES.patientDischarged].includes(m.event.type as never)) return;
    const read = readProfileEvent(m.event);
    if (!read.ok) throw new PoisonMessageError(read.error, 'invalid-profile');
    const p = read.profile;
    await this.mutex.run(patientKey(p.tenantId, p.patientId), async () => {
      await this.deps.store.upsertProfile(p);
      this.deps.metrics.profiles.inc({ status: p.status });
      await this.applyPatient(p.tenantId, p.patientId, [], { touch: true });
    });
  }

  /**
   * Everything that changes one patient's state goes through here, under the patient's lock.
   * `touch`: persist even with nothing to score (a profile change moves the engagement schedule).
   */
  async applyPatient(tenantId: string, patientId: string, live: readonly WorkItem[], opts: { touch?: boolean } = {}): Promise<void> {
    const started = process.hrtime.bigint();
    const { store, metrics } = this.deps;
    const [profileRead, rec, pendingRead] = await Promise.all([
      store.getProfile(tenantId, patientId),
      store.loadState(tenantId, patientId),
      store.listPending(tenantId, patientId),
    ]);
    let profile = profileRead;
    let pendingRows = pendingRead;
    const fresh = live.filter((i) => !isApplied(rec, i));
    metrics.checkIns.inc({ outcome: 'duplicate' }, live.length - fresh.length);

    if (profile === null) {
      // Not enrolled (yet): park durably. Then look again: if the enrolment was written meanwhile
      // (its handler may run on another instance and have read no parked rows), drain it here.
      // Each side writes first and reads the other's table second, so one of them sees both.
      if (fresh.length === 0) return;
      await store.park(fresh.map(toPending));
      metrics.checkIns.inc({ outcome: 'parked' }, fresh.length);
      this.deps.log.info({ patientId, count: fresh.length }, 'check-ins parked until the patient is enrolled');
      profile = await store.getProfile(tenantId, patientId);
      if (profile === null) return;
      pendingRows = await store.listPending(tenantId, patientId);
      return this.score(profile, rec, pendingRows, [], opts, started);
    }
    return this.score(profile, rec, pendingRows, fresh, opts, started);
  }

  private async score(
    profile: ProfileData,
    rec: StateRecord,
    pendingRows: readonly PendingCheckIn[],
    fresh: readonly WorkItem[],
    opts: { touch?: boolean },
    started: bigint,
  ): Promise<void> {
    const { store, publisher, metrics, modelVersion } = this.deps;
    const pending = pendingRows.map(fromPending);
    const pendingDone = pending.filter((i) => isApplied(rec, i));
    const work = orderWork(
      pending.filter((i) => !isApplied(rec, i)),
      fresh,
    );
    if (work.length === 0 && !opts.touch) {
      if (pendingDone.length) await store.deletePending(pendingDone.map(pendingKey));
      return;
    }

    const enrolledAt = rec.enrolledAt ?? parseOrNull(profile.updatedAt);
    const engineProfile = toEngineProfile(profile, enrolledAt === null ? undefined : new Date(enrolledAt).toISOString());
    const active = profile.status === 'active';
    let state: PatientState = rec.state ?? initialState(engineProfile);
    const scores: StoredScore[] = [];
    const scoredEvents: VigilEvent[] = [];
    const alertEvents: VigilEvent[] = [];
    for (const item of work) {
      // The events this check-in gives carry the traceparent of its `risk.score` span (the check-in's
      // trace, through this service); with tracing off, the check-in's own.
      const { r, traceparent } = withEventSpan('risk.score', item.traceparent, () => ({
        r: scoreCheckIn(modelVersion, engineProfile, state, toEngineCheckIn({ subject: item.patientId, tenantid: item.tenantId }, item.checkIn)),
        traceparent: currentTraceparent() ?? item.traceparent,
      }));
      state = r.state;
      const ev = riskScoredEvent(r.score, traceparent);
      scores.push({ score: r.score, eventId: ev.id });
      scoredEvents.push(ev);
      // alert.updated (v2): after this check-in's raises, on the same topic and key (the patient), so
      // care-api sees an alert's raise before its updates; the id comes from the alert and the check-in.
      if (active) {
        for (const a of r.alerts) alertEvents.push(alertRaisedEvent(a, traceparent));
        for (const u of r.updates) alertEvents.push(alertUpdatedEvent(u, traceparent));
      } else metrics.alerts.inc({ severity: 'none', kind: 'suppressed' }, r.alerts.length + r.updates.length);
    }

    // Publish first (acks from all in-sync replicas), then persist: see the header comment.
    await Promise.all([
      scoredEvents.length ? publisher.publishMany(TOPICS.riskScores, scoredEvents) : undefined,
      alertEvents.length ? publisher.publishMany(TOPICS.alerts, alertEvents) : undefined,
    ]);
    if (scores.length) await store.saveScores(scores);
    await this.persist(profile, rec, state, {
      enrolledAt,
      heardAt: heardAtAfter(rec.state?.history.newestAt ?? null, state.history.newestAt, rec.heardAt, this.now()),
      applied: advancePosition(
        rec.applied,
        work.map((w) => w.position),
      ),
      recentCheckIns: [...rec.recentCheckIns, ...work.map((w) => w.checkIn.checkInId)].slice(-RECENT_CHECKINS_KEPT),
    });
    const drained = [...pendingDone, ...work.filter((w) => w.kind === 'pending')];
    if (drained.length) await store.deletePending(drained.map(pendingKey));

    metrics.checkIns.inc({ outcome: 'scored' }, work.filter((w) => w.kind === 'live').length);
    metrics.pendingDrained.inc(work.filter((w) => w.kind === 'pending').length);
    for (const s of scores) metrics.scores.inc({ level: s.score.level });
    for (const e of alertEvents) {
      const d = e.data as AlertRaisedData | AlertUpdatedData;
      if (e.type === EVENT_TYPES.alertUpdated) metrics.alertUpdated(d.severity, (d as AlertUpdatedData).interrupts);
      else metrics.alertRaised(d.ruleCode, d.severity, 'checkin');
    }
    if (work.length) metrics.patientSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
  }

  /**
   * The one conditional state write, with the engagement schedule kept in step: the new due row is
   * written before the state (never a state without its row), the old one deleted after.
   */
  private async persist(
    profile: ProfileData,
    rec: StateRecord,
    state: PatientState,
    fields: { enrolledAt: number | null; heardAt: number | null; applied: Position | null; recentCheckIns: string[]; unschedule?: boolean },
  ): Promise<void> {
    const { store } = this.deps;
    const now = this.now();
    const dueAt = fields.unschedule ? null : this.dueAt(profile, fields.enrolledAt, state, fields.heardAt);
    const keepsRow = dueAt !== null && rec.dueAt === dueAt && rec.dueHour !== null;
    const dueHour = dueAt === null ? null : keepsRow ? rec.dueHour : dueBucket(dueAt, now);
    const row = (hour: number, at: number): DueRow => ({ hour, dueAt: at, tenantId: rec.tenantId, patientId: rec.patientId });
    if (dueAt !== null && dueHour !== null && !keepsRow) await store.insertDue(row(dueHour, dueAt));
    const ok = await store.saveState(rec, {
      state,
      modelVersion: this.deps.modelVersion,
      applied: fields.applied,
      recentCheckIns: fields.recentCheckIns,
      enrolledAt: fields.enrolledAt,
      heardAt: fields.heardAt,
      dueAt,
      dueHour,
    });
    if (!ok) {
      this.deps.metrics.stateConflicts.inc();
      throw new StateConflictError(`state of patient ${rec.patientId} was written concurrently; retrying`);
    }
    if (rec.dueAt !== null && rec.dueHour !== null && !keepsRow) await store.deleteDue(row(rec.dueHour, rec.dueAt));
  }

  private engineProfileOf(profile: ProfileData, enrolledAt: number | null): EngineProfile {
    return toEngineProfile(profile, enrolledAt === null ? undefined : new Date(enrolledAt).toISOString());
  }

  /** The patient's next engagement due time on the scorer's clock (silence-clock.ts), or null. */
  private dueAt(profile: ProfileData, enrolledAt: number | null, state: PatientState, heardAt: number | null): number | null {
    if (profile.status !== 'active') return null;
    return engagementDueAt({
      status: profile.status,
      engineDueAt: nextEngagementDueAt(this.deps.modelVersion, this.engineProfileOf(profile, enrolledAt), state),
      receiptDelayMs: receiptDelayMs(state.history.newestAt, heardAt),
    });
  }

  // --- engagement -------------------------------------------------------------------------------

  /**
   * One due row of the engagement schedule (the tick holds the leader lock). Re-reads the truth:
   * only a row that is still the patient's current, passed due time raises anything; stale rows
   * (the patient checked in since, was discharged, or the profile's interval changed) are removed.
   * Returns the number of alerts raised.
   */
  async checkDue(row: DueRow): Promise<number> {
    return this.mutex.run(patientKey(row.tenantId, row.patientId), async () => {
      const { store, publisher, metrics, modelVersion } = this.deps;
      const now = this.now();
      const [profile, rec] = await Promise.all([store.getProfile(row.tenantId, row.patientId), store.loadState(row.tenantId, row.patientId)]);
      const isCurrent = rec.dueAt === row.dueAt && rec.dueHour === row.hour;
      const enrolledAt = rec.enrolledAt ?? (profile ? parseOrNull(profile.updatedAt) : null);
      metrics.engagementChecked.inc();
      if (!profile || !rec.state || !isCurrent) {
        // Not (or no longer) this patient's schedule row: the current one, if any, is another row.
        await store.deleteDue(row);
        return 0;
      }
      const dueAt = this.dueAt(profile, enrolledAt, rec.state, rec.heardAt);
      const fields = { enrolledAt, heardAt: rec.heardAt, applied: rec.applied, recentCheckIns: rec.recentCheckIns };
      if (dueAt !== row.dueAt) {
        // The schedule no longer matches the truth (e.g. discharged, interval changed): rewrite it.
        await this.persist(profile, rec, rec.state, fields);
        return 0;
      }
      // The engine yields strictly after the due instant; at the very instant, wait for the next tick.
      if (dueAt >= now) return 0;
      // The engine judges the silence on its device-time scale: `now` minus the receipt delay.
      const delay = receiptDelayMs(rec.state.history.newestAt, rec.heardAt);
      const r = checkEngagement(modelVersion, this.engineProfileOf(profile, enrolledAt), rec.state, new Date(engineNow(now, delay)).toISOString());
      const alerts = r.alerts.map((a) => alertRaisedEvent({ ...a, triggeredAt: shiftIso(a.triggeredAt, delay) }));
      const reminders = r.reminders.map((m) => reminderDueEvent({ ...m, dueAt: shiftIso(m.dueAt, delay), escalatesAt: shiftIso(m.escalatesAt, delay) }));
      await Promise.all([
        reminders.length ? publisher.publishMany(TOPICS.reminders, reminders) : undefined,
        alerts.length ? publisher.publishMany(TOPICS.alerts, alerts) : undefined,
      ]);
      const yielded = alerts.length + reminders.length;
      if (yielded === 0) this.deps.log.warn({ patientId: row.patientId }, 'engagement check yielded nothing for a due patient; unscheduled');
      // With what was yielded recorded in the state the schedule moves on (the next step of this
      // silence, or none); with nothing, unschedule anyway (the next check-in or profile change
      // schedules again) rather than re-checking every tick.
      await this.persist(profile, rec, r.state, { ...fields, unschedule: yielded === 0 });
      for (const a of r.alerts) metrics.alertRaised(a.ruleCode, a.severity, 'engagement');
      metrics.reminders.inc(reminders.length);
      if (alerts.length) this.deps.log.info({ patientId: row.patientId, alertId: alerts[0].id }, 'missed check-in alert raised');
      if (reminders.length) this.deps.log.info({ patientId: row.patientId, reminderId: reminders[0].id }, 'check-in reminder published');
      return alerts.length;
    });
  }
}

function parseOrNull(iso: string | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

function toPending(i: WorkItem): PendingCheckIn {
  const event: VigilEvent<CheckIn> = { ...i.event, data: i.checkIn };
  return { tenantId: i.tenantId, patientId: i.patientId, recordedAt: i.recordedAt, checkInId: i.checkIn.checkInId, event, position: i.position };
}

function fromPending(p: PendingCheckIn): WorkItem {
  return {
    kind: 'pending',
    tenantId: p.tenantId,
    patientId: p.patientId,
    checkIn: p.event.data,
    recordedAt: p.recordedAt,
    traceparent: p.event.traceparent,
    position: p.position,
    event: p.event,
  };
}

function pendingKey(i: WorkItem): Pick<PendingCheckIn, 'tenantId' | 'patientId' | 'recordedAt' | 'checkInId'> {
  return { tenantId: i.tenantId, patientId: i.patientId, recordedAt: i.recordedAt, checkInId: i.checkIn.checkInId };
}
