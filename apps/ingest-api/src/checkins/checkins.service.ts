import {
  BatchItemResult,
  CheckIn,
  CheckInAccepted,
  createEvent,
  EVENT_SOURCES,
  EVENT_TYPES,
  FieldError,
  MAX_BATCH_ITEMS,
  ProblemDetails,
  TOPICS,
  validateCheckIn,
  VigilClaims,
  VigilEvent,
} from '@vigil/contracts';
import type { AppLogger } from '../logging';
import { ThrottledWarning } from '@vigil/observability';
import type { IngestMetrics } from '../metrics';
import { problem, ProblemException } from '@vigil/http';
import { fingerprint, IdempotencyStore, idempotencyKey, Reservation } from './idempotency';
import { RateLimiter } from './rate-limiter';

/** What the service needs from Kafka (EventPublisher of @vigil/messaging in production). */
export interface EventSink {
  publishMany<T>(topic: string, events: VigilEvent<T>[]): Promise<void>;
}

/** Recognises "Kafka did not acknowledge in time / is down" (KafkaUnavailableError). */
export type UnavailableCheck = (e: unknown) => { retryAfterSeconds?: number } | undefined;

export interface RequestContext {
  requestId: string;
  receivedAt: string;
  /** The request's W3C traceparent (validated and normalised: @vigil/observability normalizedTraceparent), carried into the event. */
  traceparent?: string;
}

export interface BatchResponse {
  results: BatchItemResult[];
}

interface Outcome {
  status: number;
  body: CheckInAccepted | ProblemDetails;
  retryAfterSeconds?: number;
  /** Our own produce failed (Kafka unavailable). */
  kafkaFailed?: boolean;
}

interface Work {
  index: number;
  value: CheckIn;
  key: string;
  fingerprint: string;
  deviceTime: number;
}

export interface CheckInServiceOptions {
  ackTimeoutMs: number;
  retryAfterSeconds: number;
}

/**
 * Accepting check-ins: validate -> rate limit -> idempotency -> produce (acks from all ISR) -> 202.
 *
 * Redis down (fail open, both features): the rate limit is skipped, and idempotency falls back
 * to this instance's in-flight de-duplication only; the check-in is still produced (at-least-once:
 * consumers de-duplicate by checkInId, as they must anyway since Redis can be flushed). A
 * check-in is never refused because Redis is down: the patient's data matter more than the
 * protections Redis gives.
 * Kafka down: 503 + Retry-After within KAFKA_ACK_TIMEOUT_MS, the pending idempotency key is released.
 */
export class CheckInService {
  /** Same key in flight on this instance: later callers share the first one's outcome. */
  private readonly inflight = new Map<string, { fingerprint: string; outcome: Promise<Outcome> }>();
  private readonly redisWarning: ThrottledWarning;

  constructor(
    private readonly sink: EventSink,
    private readonly idempotency: IdempotencyStore,
    private readonly limiter: RateLimiter,
    private readonly isUnavailable: UnavailableCheck,
    private readonly metrics: IngestMetrics,
    private readonly logger: AppLogger,
    private readonly options: CheckInServiceOptions,
  ) {
    this.redisWarning = new ThrottledWarning(logger);
  }

  async acceptOne(claims: VigilClaims, body: unknown, ctx: RequestContext): Promise<CheckInAccepted> {
    const v = validateCheckIn(body, { now: new Date(ctx.receivedAt) });
    if (!v.ok) {
      this.metrics.checkIns.inc({ outcome: 'invalid' });
      throw ProblemException.of('validation', describeErrors(v.errors), { errors: v.errors });
    }
    const decision = await this.takeRate(claims, 1);
    if (decision.granted < 1) {
      this.metrics.checkIns.inc({ outcome: 'rate_limited' });
      throw ProblemException.of('rateLimited', 'too many check-ins for this patient; retry later', { retryAfterSeconds: decision.retryAfterSeconds });
    }
    const [outcome] = await this.process(claims, [this.work(claims, 0, v.value)], ctx);
    if (outcome.status === 202) return outcome.body as CheckInAccepted;
    throw new ProblemException(outcome.body as ProblemDetails, outcome.retryAfterSeconds ? { 'retry-after': String(outcome.retryAfterSeconds) } : {});
  }

  /** Answers every item; valid ones are produced in device-time order in one publishMany. */
  async acceptBatch(claims: VigilClaims, body: unknown, ctx: RequestContext): Promise<{ response: BatchResponse; retryAfterSeconds?: number }> {
    const items = batchItems(body);
    this.metrics.batchSize.observe(items.length);
    const now = new Date(ctx.receivedAt);
    const results: (BatchItemResult | undefined)[] = new Array(items.length);
    const firstById = new Map<string, Work>();
    const mirrors: { index: number; of: Work }[] = [];
    const work: Work[] = [];

    items.forEach((item, index) => {
      const v = validateCheckIn(item, { now, rootPath: `items.${index}` });
      if (!v.ok) {
        this.metrics.checkIns.inc({ outcome: 'invalid' });
        const checkInId = typeof (item as { checkInId?: unknown })?.checkInId === 'string' ? (item as { checkInId: string }).checkInId : undefined;
        results[index] = itemResult(index, checkInId, { status: 400, body: problem('validation', describeErrors(v.errors), { errors: v.errors }) });
        return;
      }
      const w = this.work(claims, index, v.value);
      const first = firstById.get(w.value.checkInId);
      if (first) {
        // The same checkInId twice in one batch: the same body is answered like the first; another body is a conflict.
        if (first.fingerprint === w.fingerprint) mirrors.push({ index, of: first });
        else results[index] = itemResult(index, w.value.checkInId, conflictOutcome());
        return;
      }
      firstById.set(w.value.checkInId, w);
      work.push(w);
    });

    // Device-time order (stable): an offline queue is replayed oldest first.
    work.sort((a, b) => a.deviceTime - b.deviceTime || a.index - b.index);
    const decision = await this.takeRate(claims, work.length);
    const allowed = work.slice(0, decision.granted);
    for (const w of work.slice(decision.granted)) {
      this.metrics.checkIns.inc({ outcome: 'rate_limited' });
      results[w.index] = itemResult(w.index, w.value.checkInId, {
        status: 429,
        body: problem('rateLimited', 'too many check-ins for this patient; retry this item later'),
        retryAfterSeconds: decision.retryAfterSeconds,
      });
    }

    const outcomes = await this.process(claims, allowed, ctx);
    if (outcomes.some((o) => o.kafkaFailed)) {
      // Nothing new was accepted: the whole batch is retried later (replays are answered the same).
      throw ProblemException.of('kafkaUnavailable', 'Kafka did not acknowledge the check-ins in time; retry the batch later', {
        retryAfterSeconds: this.options.retryAfterSeconds,
      });
    }
    const byIndex = new Map<number, Outcome>();
    allowed.forEach((w, i) => {
      byIndex.set(w.index, outcomes[i]);
      results[w.index] = itemResult(w.index, w.value.checkInId, outcomes[i]);
    });
    for (const m of mirrors) {
      const o = byIndex.get(m.of.index) ?? (results[m.of.index] as BatchItemResult);
      results[m.index] = { index: m.index, checkInId: m.of.value.checkInId, status: o.status, body: o.body };
    }
    // Retry-After on the 200 when some items are to be retried (429, or 503 still in progress elsewhere).
    let retryAfterSeconds: number | undefined;
    for (const r of results) {
      if (r?.status === 429) retryAfterSeconds = Math.max(retryAfterSeconds ?? 0, decision.retryAfterSeconds);
      else if (r?.status === 503) retryAfterSeconds = Math.max(retryAfterSeconds ?? 0, byIndex.get(r.index)?.retryAfterSeconds ?? 1);
    }
    return { response: { results: results as BatchItemResult[] }, retryAfterSeconds };
  }

  /**
   * All or nothing (a FHIR transaction Bundle): every item valid, within the rate limit and free of
   * idempotency conflicts, then one publishMany; otherwise the first failure is thrown and nothing
   * new is produced (reservations taken for it are released). Items already accepted with the same
   * body are answered as before. The same checkInId twice: the same body counts once, another is a 409.
   */
  async acceptAll(claims: VigilClaims, bodies: unknown[], ctx: RequestContext): Promise<CheckInAccepted[]> {
    const now = new Date(ctx.receivedAt);
    const errors: FieldError[] = [];
    const firstById = new Map<string, Work>();
    const indexOf: Work[] = [];
    bodies.forEach((body, index) => {
      const v = validateCheckIn(body, { now, rootPath: `items.${index}` });
      if (!v.ok) {
        errors.push(...v.errors);
        return;
      }
      const w = this.work(claims, index, v.value);
      const first = firstById.get(w.value.checkInId);
      if (first && first.fingerprint !== w.fingerprint) throw new ProblemException(conflictOutcome().body as ProblemDetails);
      if (!first) firstById.set(w.value.checkInId, w);
      indexOf[index] = first ?? w;
    });
    if (errors.length) {
      this.metrics.checkIns.inc({ outcome: 'invalid' }, bodies.length);
      throw ProblemException.of('validation', describeErrors(errors), { errors });
    }
    const work = [...firstById.values()].sort((a, b) => a.deviceTime - b.deviceTime || a.index - b.index);
    const decision = await this.takeRate(claims, work.length);
    if (decision.granted < work.length) {
      this.metrics.checkIns.inc({ outcome: 'rate_limited' }, work.length);
      throw ProblemException.of('rateLimited', 'too many check-ins for this patient; retry later', { retryAfterSeconds: decision.retryAfterSeconds });
    }
    const outcomes = await this.process(claims, work, ctx, true);
    const failed = outcomes.find((o) => o.status !== 202);
    if (failed) throw new ProblemException(failed.body as ProblemDetails, failed.retryAfterSeconds ? { 'retry-after': String(failed.retryAfterSeconds) } : {});
    const byWork = new Map(work.map((w, i) => [w, outcomes[i].body as CheckInAccepted]));
    return indexOf.map((w) => byWork.get(w) as CheckInAccepted);
  }

  private work(claims: VigilClaims, index: number, value: CheckIn): Work {
    return {
      index,
      value,
      key: idempotencyKey(claims.org, claims.sub, value.checkInId),
      fingerprint: fingerprint(value),
      deviceTime: Date.parse(value.recordedAt),
    };
  }

  private async takeRate(claims: VigilClaims, n: number) {
    try {
      return await this.limiter.take(claims.org, claims.sub, n);
    } catch (e) {
      // Fail open: Redis down must not stop check-ins.
      this.metrics.degraded.inc({ feature: 'rate_limit' });
      this.redisWarning.warn({ feature: 'rate_limit', error: errorName(e) }, 'Redis unavailable: rate limit skipped');
      return { granted: n, retryAfterSeconds: 1 };
    }
  }

  /**
   * Idempotency + one produce for every item of `items` (already validated and rate-limited).
   * `atomic`: produce only when no item conflicts or waits on another request; else every item gets that failure.
   */
  private async process(claims: VigilClaims, items: Work[], ctx: RequestContext, atomic = false): Promise<Outcome[]> {
    if (items.length === 0) return [];
    const outcomes: (Outcome | Promise<Outcome>)[] = new Array(items.length);
    const mine: { i: number; w: Work; resolve: (o: Outcome) => void }[] = [];

    if (atomic) {
      const clash = items.find((w) => this.inflight.has(w.key));
      if (clash) {
        const same = this.inflight.get(clash.key)?.fingerprint === clash.fingerprint;
        return items.map(() => (same ? inProgressOutcome() : conflictOutcome()));
      }
    }
    // 1. This instance: share an in-flight request for the same key.
    items.forEach((w, i) => {
      const running = this.inflight.get(w.key);
      if (running) {
        outcomes[i] = running.fingerprint === w.fingerprint ? running.outcome : conflictOutcome();
        return;
      }
      let resolve!: (o: Outcome) => void;
      const outcome = new Promise<Outcome>((r) => (resolve = r));
      this.inflight.set(w.key, { fingerprint: w.fingerprint, outcome });
      outcomes[i] = outcome;
      mine.push({ i, w, resolve });
    });

    try {
      // 2. Redis: reserve every key in one round trip.
      let reservations: (Reservation | undefined)[];
      try {
        reservations = await this.idempotency.reserve(mine.map((m) => ({ key: m.w.key, fingerprint: m.w.fingerprint })));
      } catch (e) {
        this.metrics.degraded.inc({ feature: 'idempotency' }, mine.length);
        this.redisWarning.warn({ feature: 'idempotency', error: errorName(e) }, 'Redis unavailable: producing without the idempotency check');
        reservations = mine.map(() => undefined); // produce anyway
      }

      if (atomic) {
        const refusal = reservations.find((r) => r?.kind === 'conflict' || r?.kind === 'pending');
        if (refusal) {
          const taken = mine.flatMap((m, k) => {
            const r = reservations[k];
            return r?.kind === 'new' ? [{ key: m.w.key, fingerprint: m.w.fingerprint, token: r.token }] : [];
          });
          await this.idempotency.release(taken).catch(() => undefined);
          const o = refusal.kind === 'conflict' ? conflictOutcome() : inProgressOutcome();
          this.metrics.checkIns.inc({ outcome: refusal.kind === 'conflict' ? 'conflict' : 'in_progress' }, mine.length);
          for (const m of mine) m.resolve(o);
          return Promise.all(outcomes);
        }
      }
      const toProduce: { m: (typeof mine)[number]; token?: string }[] = [];
      const waits: Promise<void>[] = [];
      mine.forEach((m, k) => {
        const r = reservations[k];
        if (r === undefined || r.kind === 'new') toProduce.push({ m, token: r?.token });
        else if (r.kind === 'pending') waits.push(this.waitForOther(claims, m, ctx));
        else m.resolve(this.answer(m.w, r));
      });

      // 3. Kafka: one publishMany, in the given (device-time) order.
      if (toProduce.length) await this.produce(claims, toProduce, ctx);
      await Promise.all(waits);
    } catch (e) {
      // Unexpected (a bug): settle every waiter, then let the filter answer 500.
      for (const m of mine) m.resolve({ status: 500, body: problem('internal', 'an unexpected error occurred') });
      throw e;
    } finally {
      for (const m of mine) this.inflight.delete(m.w.key);
    }
    return Promise.all(outcomes);
  }

  private async produce(claims: VigilClaims, list: { m: { w: Work; resolve: (o: Outcome) => void }; token?: string }[], ctx: RequestContext) {
    const events = list.map(({ m }) =>
      createEvent({
        id: m.w.value.checkInId,
        source: EVENT_SOURCES.ingestApi,
        type: EVENT_TYPES.checkinReceived,
        subject: claims.sub,
        tenantid: claims.org,
        time: new Date(m.w.deviceTime).toISOString(),
        data: m.w.value,
        ...(ctx.traceparent ? { traceparent: ctx.traceparent } : {}),
      }),
    );
    const reserved = list.filter((x) => x.token !== undefined).map(({ m, token }) => ({ key: m.w.key, fingerprint: m.w.fingerprint, token: token as string }));
    try {
      await this.sink.publishMany(TOPICS.checkins, events);
    } catch (e) {
      const unavailable = this.isUnavailable(e);
      await this.idempotency.release(reserved).catch(() => undefined);
      if (!unavailable) throw e;
      this.metrics.checkIns.inc({ outcome: 'unavailable' }, list.length);
      this.logger.warn({ reqId: ctx.requestId, count: list.length, error: errorName(e) }, 'Kafka unavailable: answering 503');
      const retryAfterSeconds = Math.max(this.options.retryAfterSeconds, unavailable.retryAfterSeconds ?? 0);
      for (const { m } of list) {
        m.resolve({
          status: 503,
          body: problem('kafkaUnavailable', 'Kafka did not acknowledge the check-in in time; retry later'),
          retryAfterSeconds,
          kafkaFailed: true,
        });
      }
      return;
    }
    this.metrics.checkIns.inc({ outcome: 'accepted' }, list.length);
    if (reserved.length) {
      await this.idempotency.complete(reserved.map((r) => ({ ...r, receivedAt: ctx.receivedAt }))).catch((e: unknown) => {
        // Produced and acknowledged: still a 202. A retry will produce a duplicate, which consumers tolerate.
        this.metrics.degraded.inc({ feature: 'idempotency' }, reserved.length);
        this.redisWarning.warn({ feature: 'idempotency', error: errorName(e) }, 'Redis unavailable: could not record accepted check-ins');
      });
    }
    for (const { m } of list) m.resolve(accepted(m.w.value.checkInId, ctx.receivedAt));
  }

  private async waitForOther(claims: VigilClaims, m: { w: Work; resolve: (o: Outcome) => void }, ctx: RequestContext): Promise<void> {
    const deadline = Date.now() + this.options.ackTimeoutMs + 1000;
    let r: Reservation;
    try {
      r = await this.idempotency.awaitPending({ key: m.w.key, fingerprint: m.w.fingerprint }, deadline);
    } catch {
      r = { kind: 'pending' };
    }
    if (r.kind === 'new') {
      // The other request gave up (its produce failed): ours to produce now.
      return this.produce(claims, [{ m, token: r.token }], ctx);
    }
    if (r.kind === 'pending') {
      this.metrics.checkIns.inc({ outcome: 'in_progress' });
      m.resolve({
        status: 503,
        body: problem('inProgress', 'another request with this checkInId is still being processed; retry later'),
        retryAfterSeconds: 1,
      });
      return;
    }
    m.resolve(this.answer(m.w, r));
  }

  private answer(w: Work, r: Exclude<Reservation, { kind: 'new' } | { kind: 'pending' }>): Outcome {
    if (r.kind === 'done') {
      this.metrics.checkIns.inc({ outcome: 'replayed' });
      return accepted(w.value.checkInId, r.receivedAt);
    }
    this.metrics.checkIns.inc({ outcome: 'conflict' });
    return conflictOutcome();
  }
}

function accepted(checkInId: string, receivedAt: string): Outcome {
  return { status: 202, body: { checkInId, status: 'accepted', receivedAt } };
}

function conflictOutcome(): Outcome {
  return { status: 409, body: problem('idempotencyConflict', 'this checkInId was already used for a check-in with different content') };
}

function inProgressOutcome(): Outcome {
  return {
    status: 503,
    body: problem('inProgress', 'another request with one of these checkInIds is still being processed; retry later'),
    retryAfterSeconds: 1,
  };
}

function itemResult(index: number, checkInId: string | undefined, o: Outcome): BatchItemResult {
  return checkInId === undefined ? { index, status: o.status, body: o.body } : { index, checkInId, status: o.status, body: o.body };
}

function describeErrors(errors: FieldError[]): string {
  return errors.length === 1 ? '1 field is invalid' : `${errors.length} fields are invalid`;
}

function errorName(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}`.slice(0, 200) : String(e).slice(0, 200);
}

/** The batch envelope: exactly `{ items: [1..100 items] }`; anything else is a 400 for the whole request. */
function batchItems(body: unknown): unknown[] {
  const bad = (errors: FieldError[]) => ProblemException.of('validation', errors.map((e) => e.message).join('; '), { errors });
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw bad([{ path: '', message: 'body must be a JSON object with an items array' }]);
  const errors: FieldError[] = [];
  for (const key of Object.keys(body)) {
    if (key !== 'items') errors.push({ path: key, message: `unknown field ${key} is not allowed` });
  }
  const items = (body as { items?: unknown }).items;
  if (!Array.isArray(items)) errors.push({ path: 'items', message: 'items must be an array of check-ins' });
  else if (items.length === 0) errors.push({ path: 'items', message: 'items must contain at least 1 check-in' });
  else if (items.length > MAX_BATCH_ITEMS) errors.push({ path: 'items', message: `items must contain at most ${MAX_BATCH_ITEMS} check-ins` });
  if (errors.length) throw bad(errors);
  return items as unknown[];
}
