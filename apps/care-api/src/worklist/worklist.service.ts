import { Injectable } from '@nestjs/common';
import type { WorklistEntryView, WorklistPage } from '@vigil/contracts';
import { type CursorBinding, invalidCursor, ProblemException } from '@vigil/http';
import { compareRankings } from '@vigil/worklist';
import { auditRecordOf } from '../audit/audit.service';
import type { Caller } from '../common/caller';
import { parseLimit } from '../common/query';
import { WorklistMetrics } from './worklist.metrics';
import type { WorklistQueryDto } from './worklist.dto';
import { WorklistTeamCache } from './worklist-team-cache';
import { entryView } from './worklist-view';
import { type RankedRow, WorklistRanked } from './worklist-ranked';
import { WorklistInfra } from './worklist.wiring';

const MAX_INSTANT_MS = 8_640_000_000_000_000;
/**
 * A page's instant is now rounded down to this step, so that readers within the same few seconds
 * (the team's nurses, a dashboard refreshing) share one ranking (WorklistRanked).
 */
const AS_OF_STEP_MS = 5000;

/** Where a page ends in worklist order (compareRankings). */
interface Position {
  snoozed: boolean;
  priority: number;
  patientId: string;
}

function binding(caller: Caller, q: WorklistQueryDto): CursorBinding {
  return { scope: 'worklist.list', tenantId: caller.tenantId, filters: { team: q.team } };
}

/**
 * Several teams' ranked lists as one: a patient in two teams' views (one of them stale) counts once,
 * at its newest version.
 */
function merged(lists: readonly (readonly RankedRow[])[]): RankedRow[] {
  const newest = new Map<string, RankedRow>();
  for (const x of lists.flat()) {
    const seen = newest.get(x.row.patientId);
    if (!seen || seen.row.version < x.row.version) newest.set(x.row.patientId, x);
  }
  return [...newest.values()].sort((x, y) => compareRankings(x.r, y.r));
}

@Injectable()
export class WorklistService {
  constructor(
    private readonly teamRows: WorklistTeamCache,
    private readonly ranker: WorklistRanked,
    private readonly infra: WorklistInfra,
    private readonly metrics: WorklistMetrics,
  ) {}

  private decodeCursor(cursor: string, b: CursorBinding): { asOfMs: number; after: Position } {
    const o = this.infra.cursors.verify(cursor, b);
    const { t, s, p, i } = o as Record<string, unknown>;
    if (
      typeof t !== 'number' ||
      !Number.isSafeInteger(t) ||
      t < 0 ||
      t > MAX_INSTANT_MS ||
      typeof s !== 'boolean' ||
      typeof p !== 'number' ||
      !Number.isFinite(p) ||
      typeof i !== 'string'
    ) {
      throw invalidCursor();
    }
    return { asOfMs: t, after: { snoozed: s, priority: p, patientId: i } };
  }

  /**
   * GET /v1/worklist: the active patients of the caller's teams (or of `team`, one of them, else 404), ranked
   * by libs/worklist at one instant. A page's cursor keeps that instant and the position of its last
   * row, so later pages continue the same order (a patient whose state changed meanwhile shows where
   * it ranks now). A state is listed only if its own profile puts it in one of the listed teams: a
   * stale index row never shows another team's patient. Every listed patient is audited.
   */
  async list(caller: Caller, q: WorklistQueryDto, route: string): Promise<WorklistPage> {
    const started = process.hrtime.bigint();
    const limit = parseLimit(q.limit, 100, 500);
    // Naming a team that is not yours is a 404, as naming a patient that is not yours.
    if (q.team !== undefined && !caller.teams.has(q.team)) throw ProblemException.of('notFound', 'no such team');
    const b = binding(caller, q);
    const decoded = q.cursor ? this.decodeCursor(q.cursor, b) : null;
    const asOfMs = decoded?.asOfMs ?? Math.floor(Date.now() / AS_OF_STEP_MS) * AS_OF_STEP_MS;
    const teams = q.team !== undefined ? [q.team] : [...caller.teams].sort();

    const lists = await Promise.all(
      teams.map(async (t) => {
        const key = `${caller.tenantId}/${t}`;
        const snap = await this.teamRows.snapshot(caller.tenantId, t);
        if (!decoded) this.ranker.rankAhead(key, snap, asOfMs + AS_OF_STEP_MS);
        return this.ranker.ranked(key, t, snap, asOfMs);
      }),
    );
    const ranked = lists.length === 1 ? lists[0] : merged(lists);
    const start = decoded ? ranked.findIndex((x) => compareRankings(x.r, decoded.after) > 0) : 0;
    const slice = start < 0 ? [] : ranked.slice(start, start + limit + 1);
    const more = slice.length > limit;
    const page = slice.slice(0, limit);
    const items: WorklistEntryView[] = page.map((x) => entryView(x.row.patientId, x.row.state, x.row.version, x.r, asOfMs));
    this.metrics.pageSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    if (items.length)
      await this.infra.audit.record(
        auditRecordOf(
          caller,
          'worklist.read',
          items.map((i) => i.patientId),
          `${route}${q.team ? ` team=${q.team}` : ''}`,
        ),
      );
    const last = page[page.length - 1];
    const nextCursor = more && last ? this.infra.cursors.sign({ t: asOfMs, s: last.r.snoozed, p: last.r.priority, i: last.r.patientId }, b) : null;
    this.metrics.listSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    return { items, nextCursor, asOf: new Date(asOfMs).toISOString(), total: ranked.length };
  }
}
