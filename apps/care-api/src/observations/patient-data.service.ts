import { InvalidCursorError, type ObservationRepository } from '@vigil/storage';
import { auditRecordOf, type AuditService } from '../audit/audit.service';
import type { Caller } from '../common/caller';
import { checkRange, parseInstant, parseLimit } from '../common/query';
import type { PatientAccess } from '../patients/patient-access';
import type { ObservationsPageView, ObservationsQueryDto, RiskPageView, RiskQueryDto } from './observations.dto';
import type { RiskRepository } from './risk.repository';

const DAY_MS = 86_400_000;
/** ingest-api accepts device times up to 5 minutes in the future: "now" includes them. */
const FUTURE_SKEW_MS = 5 * 60_000;

interface Window {
  from: Date;
  to: Date;
  order: 'asc' | 'desc';
  /** The storage cursor inside ours. */
  inner: string | null;
}

/**
 * The page cursor carries the window it belongs to (from, to, order, and what it queries), so the
 * next page reads the very same range even when `to` defaulted to "now" on the first request.
 */
function encodePageCursor(w: Window, scope: string, inner: string | null): string | null {
  if (inner === null) return null;
  return Buffer.from(JSON.stringify({ v: 1, f: w.from.getTime(), t: w.to.getTime(), o: w.order, s: scope, c: inner })).toString('base64url');
}

function window(q: { from?: string; to?: string; order?: 'asc' | 'desc'; cursor?: string }, scope: string): Window {
  if (q.cursor !== undefined) {
    try {
      const o = JSON.parse(Buffer.from(q.cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
      if (o['v'] === 1 && Number.isSafeInteger(o['f']) && Number.isSafeInteger(o['t']) && (o['o'] === 'asc' || o['o'] === 'desc') && o['s'] === scope && typeof o['c'] === 'string') {
        return { from: new Date(o['f'] as number), to: new Date(o['t'] as number), order: o['o'], inner: o['c'] };
      }
    } catch {
      // fall through
    }
    throw new InvalidCursorError();
  }
  const to = parseInstant(q.to, 'to') ?? new Date(Date.now() + FUTURE_SKEW_MS);
  const from = parseInstant(q.from, 'from') ?? new Date(to.getTime() - 90 * DAY_MS);
  checkRange(from, to);
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
  ) {}

  private record(caller: Caller, action: string, patientId: string, resource: string): Promise<void> {
    return this.audit.record(auditRecordOf(caller, action, [patientId], resource));
  }

  async observationsOf(caller: Caller, patientId: string, q: ObservationsQueryDto, route: string): Promise<ObservationsPageView> {
    const scope = `observations:${patientId}:${q.metric}`;
    const w = window(q, scope);
    const limit = parseLimit(q.limit, 500, 1000);
    const action = 'patient.observations.read';
    const resource = `${route} metric=${q.metric}`;
    await this.access.require(caller, patientId, action, resource);
    const [page] = await Promise.all([
      this.observations.querySeries({ tenantId: caller.tenantId, patientId, metric: q.metric, from: w.from, to: w.to, pageSize: limit, cursor: w.inner, order: w.order }),
      this.record(caller, action, patientId, resource),
    ]);
    return {
      patientId,
      metric: q.metric,
      from: w.from.toISOString(),
      to: w.to.toISOString(),
      items: page.items.map((p) => ({ recordedAt: p.recordedAt.toISOString(), checkInId: p.checkInId, value: p.value })),
      nextCursor: encodePageCursor(w, scope, page.nextCursor),
    };
  }

  async riskOf(caller: Caller, patientId: string, q: RiskQueryDto, route: string): Promise<RiskPageView> {
    const scope = `risk:${patientId}:${q.modelVersion ?? '*'}`;
    const w = window(q, scope);
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
      nextCursor: encodePageCursor(w, scope, page.nextCursor),
    };
  }
}
