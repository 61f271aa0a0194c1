import { Injectable, type OnModuleDestroy } from '@nestjs/common';
import { compareRankings, type WorklistRanking } from '@vigil/worklist';
import type { WorklistStateRow } from '@vigil/storage';
import type { WorklistState } from './worklist-state';
import type { TeamSnapshot } from './worklist-team-cache';
import { isListed, rank } from './worklist-view';

type Row = WorklistStateRow<WorklistState>;
export interface RankedRow {
  row: Row;
  r: WorklistRanking;
}

/** Instants ranked per row (the current step, the next one, one a cursor named). */
const MEMO_INSTANTS = 3;
/** Rows ranked between yields when the next step is ranked ahead (keeps each turn of the event loop short). */
const CHUNK = 100;
/** How long before the next step begins it is ranked ahead. */
const LEAD_MS = 2000;

interface Sorted {
  generation: number;
  asOfMs: number;
  list: readonly RankedRow[];
}

/**
 * A team's listed rows ranked and sorted at one instant, kept per (team, generation, instant): ranking
 * 2,000 patients costs 10-50 ms on this machine and sorting them 2 ms, far too much per request, while
 * a page needs only a slice. Rankings are memoised per row object (the team view hands back the same
 * object until the row changes), so a new generation ranks only the rows that changed. The next
 * instant is ranked ahead, in small chunks off the request path, so a new step costs a request no
 * ranking either. Rankings are pure in (state, instant): ranking early gives the same answer.
 */
@Injectable()
export class WorklistRanked implements OnModuleDestroy {
  private readonly memo = new WeakMap<Row, { asOfMs: number; r: WorklistRanking }[]>();
  private readonly sorted = new Map<string, Sorted[]>();
  private readonly ahead = new Map<string, { asOfMs: number; timer: NodeJS.Timeout | null }>();
  private closed = false;
  /** Rows ranked so far (each a call of libs/worklist's prioritise): what the cache saves shows here. */
  rankings = 0;

  /** The team's listed rows (its own profile names `team`), best first, at `asOfMs`. */
  ranked(key: string, team: string, snap: TeamSnapshot, asOfMs: number): readonly RankedRow[] {
    const kept = this.sorted.get(key) ?? [];
    const hit = kept.find((s) => s.generation === snap.generation && s.asOfMs === asOfMs);
    if (hit) return hit.list;
    const list = this.rankAll(team, snap.rows, asOfMs);
    // Keep one sorted list per instant, of the newest generation seen.
    const next = [...kept.filter((s) => s.asOfMs !== asOfMs && s.generation === snap.generation), { generation: snap.generation, asOfMs, list }];
    this.sorted.delete(key);
    this.sorted.set(key, next.sort((a, b) => b.asOfMs - a.asOfMs).slice(0, MEMO_INSTANTS));
    if (this.sorted.size > 256) this.sorted.delete(this.sorted.keys().next().value as string);
    return list;
  }

  /** Ranks the team at `nextAsOfMs` shortly before that step begins, in chunks (latest call's rows). */
  rankAhead(key: string, snap: TeamSnapshot, nextAsOfMs: number, nowMs = Date.now()): void {
    if (this.closed || this.ahead.get(key)?.asOfMs === nextAsOfMs) return;
    const job = { asOfMs: nextAsOfMs, timer: null as NodeJS.Timeout | null };
    this.ahead.set(key, job);
    const run = () => {
      job.timer = null;
      let i = 0;
      const step = () => {
        if (this.closed || this.ahead.get(key) !== job) return;
        for (const end = Math.min(snap.rows.length, i + CHUNK); i < end; i++) this.rowRanking(snap.rows[i], nextAsOfMs);
        // Sorting (2 ms) is left to the first read of that step: the rows may change before it.
        if (i < snap.rows.length) setImmediate(step);
      };
      step();
    };
    job.timer = setTimeout(run, Math.max(0, nextAsOfMs - LEAD_MS - nowMs));
    job.timer.unref();
  }

  onModuleDestroy(): void {
    this.closed = true;
    for (const j of this.ahead.values()) if (j.timer) clearTimeout(j.timer);
    this.ahead.clear();
  }

  private rankAll(team: string, rows: readonly Row[], asOfMs: number): RankedRow[] {
    const out: RankedRow[] = [];
    for (const row of rows) {
      if (!isListed(row.state) || row.state.profile?.careTeamId !== team) continue;
      out.push({ row, r: this.rowRanking(row, asOfMs) });
    }
    return out.sort((x, y) => compareRankings(x.r, y.r));
  }

  private rowRanking(row: Row, asOfMs: number): WorklistRanking {
    const kept = this.memo.get(row) ?? [];
    const hit = kept.find((m) => m.asOfMs === asOfMs);
    if (hit) return hit.r;
    const r = rank(row.patientId, row.state, asOfMs);
    this.rankings++;
    kept.push({ asOfMs, r });
    if (kept.length > MEMO_INSTANTS) kept.sort((a, b) => b.asOfMs - a.asOfMs).pop();
    this.memo.set(row, kept);
    return r;
  }
}
