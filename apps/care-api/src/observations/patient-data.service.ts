import { type CursorBinding, type CursorSigner, invalidCursor } from '@vigil/http';
import type { ObservationRepository } from '@vigil/storage';
import { auditRecordOf, type AuditService } from '../audit/audit.service';
import type { Caller } from '../common/caller';
import { checkRange, parseInstant, parseLimit } from '../common/query';
import type { PatientAccess } from '../patients/patient-access';
import type { ObservationsPageView, ObservationsQueryDto, RiskPageView, RiskQueryDto } from './observations.dto';
import type { RiskRepository } from './risk.repository';

const DAY_MS = 86_400_000;
/** ingest-api accepts device times up to 5 minutes in the future: "now" includes them. */
const FUTURE_SKEW_MS = 5 * 60_000;
/** Longest window one query (or its cursor) may read: longer histories are paged in several queries. */
const MAX_RANGE_DAYS = 3700;

interface Window {
  from: Date;
  to: Date;
  order: 'asc' | 'desc';
  /** The storage cursor inside ours. */
  inner: string | null;
}

/** What a page cursor carries: the window it belongs to, and the storage position inside it. */
interface CursorPayload {
  f: number;
  t: number;
  o: 'asc' | 'desc';
  c: string;
}

/**
 * The page cursor carries the window it belongs to (from, to, order), so the next page reads the
 * very same range even when `to` defaulted to "now" on the first request. It is signed and bound to
 * the tenant and what it queries (patient, metric or model version); its window passes the same
 * range checks as `from` and `to` (a cursor cannot widen what a query may read).
 */
function encodePageCursor(signer: CursorSigner, w: Window, binding: CursorBinding, inner: string | null): string | null {
  if (inner === null) return null;
  const payload: CursorPayload = { f: w.from.getTime(), t: w.to.getTime(), o: w.order, c: inner };
  return signer.sign(payload, binding);
}

function windowOfCursor(signer: CursorSigner, cursor: string, binding: CursorBinding): Window {
  const o = signer.verify(cursor, binding);
  const { f, t, o: order, c } = o;
  if (typeof f !== 'number' || typeof t !== 'number' || !Number.isSafeInteger(f) || !Number.isSafeInteger(t)) throw invalidCursor();
  if ((order !== 'asc' && order !== 'desc') || typeof c !== 'string' || c.length === 0 || c.length > 512) throw invalidCursor();
  const w = { from: new Date(f), to: new Date(t), order, inner: c } as Window;
  if (!Number.isFinite(w.from.getTime()) || !Number.isFinite(w.to.getTime())) throw invalidCursor();
  checkRange(w.from, w.to, MAX_RANGE_DAYS, 'cursor');
  return w;
}

function window(signer: CursorSigner, q: { from?: string; to?: string; order?: 'asc' | 'desc'; cursor?: string }, binding: CursorBinding): Window {
  if (q.cursor !== undefined) return windowOfCursor(signer, q.cursor, binding);
  const to = parseInstant(q.to, 'to') ?? new Date(Date.now() + FUTURE_SKEW_MS);
  const from = parseInstant(q.from, 'from') ?? new Date(to.getTime() - 90 * DAY_MS);
  checkRange(from, to, MAX_RANGE_DAYS);
  return { from, to, order: q.order ?? 'asc', inner: null };
}

/**
 * A patient's series and risk history. Every read passes the patient gate, and is audited in the
 * same breath: the query and the audit write run side by side and the answer waits for both, so
 * data is only returned once its audit record is written (fail closed).
 */
export class PatientDataService {
  constructor(
    private readonly access: PatientAccess,
    private readonly audit: AuditService,
    private readonly observations: ObservationRepository,
    private readonly risk: RiskRepository,
    private readonly cursors: CursorSigner,
  ) {}

  private record(caller: Caller, action: string, patientId: string, resource: string): Promise<void> {
    return this.audit.record(auditRecordOf(caller, action, [patientId], resource));
  }

  async observationsOf(caller: Caller, patientId: string, q: ObservationsQueryDto, route: string): Promise<ObservationsPageView> {
    const binding: CursorBinding = { scope: 'patient.observations', tenantId: caller.tenantId, filters: { patientId, metric: q.metric } };
    const w = window(this.cursors, q, binding);
    const limit = parseLimit(q.limit, 500, 1000);
    const action = 'patient.observations.read';
    const resource = `${route} metric=${q.metric}`;
    await this.access.require(caller, patientId, action, resource);
    const [page] = await Promise.all([
      this.observations.querySeries({
        tenantId: caller.tenantId,
        patientId,
        metric: q.metric,
        from: w.from,
        to: w.to,
        pageSize: limit,
        cursor: w.inner,
        order: w.order,
      }),
      this.record(caller, action, patientId, resource),
    ]);
    return {
      patientId,
      metric: q.metric,
      from: w.from.toISOString(),
      to: w.to.toISOString(),
      items: page.items.map((p) => ({ recordedAt: p.recordedAt.toISOString(), checkInId: p.checkInId, value: p.value })),
      nextCursor: encodePageCursor(this.cursors, w, binding, page.nextCursor),
    };
  }

  async riskOf(caller: Caller, patientId: string, q: RiskQueryDto, route: string): Promise<RiskPageView> {
    const binding: CursorBinding = { scope: 'patient.risk', tenantId: caller.tenantId, filters: { patientId, modelVersion: q.modelVersion } };
    const w = window(this.cursors, q, binding);
    const limit = parseLimit(q.limit, 200, 1000);
    const action = 'patient.risk.read';
    await this.access.require(caller, patientId, action, route);
    const [page] = await Promise.all([
      this.risk.query({ tenantId: caller.tenantId, patientId, from: w.from, to: w.to, limit, cursor: w.inner, order: w.order, modelVersion: q.modelVersion }),
      this.record(caller, action, patientId, route),
    ]);
    return {
      patientId,
      from: w.from.toISOString(),
      to: w.to.toISOString(),
      items: page.items.map((p) => ({
        recordedAt: p.recordedAt.toISOString(),
        checkInId: p.checkInId,
        modelVersion: p.modelVersion,
        score: p.score,
        level: p.level,
        factors: p.factors,
        news2: p.news2,
        late: p.late,
        scoredAt: p.scoredAt ? p.scoredAt.toISOString() : null,
      })),
      nextCursor: encodePageCursor(this.cursors, w, binding, page.nextCursor),
    };
  }
}
