import { Injectable } from '@nestjs/common';
import { WorklistStateRepository, type WorklistStateRow } from '@vigil/storage';
import { compareCursors, ZERO_CURSOR } from '../stream/cursor';
import { RedisEventStream } from '../stream/redis-alert-stream';
import { KeyedSerial } from './keyed-serial';
import type { WorklistState } from './worklist-state';
import { RedisWorklistStream } from './worklist-stream';

/** Teams held in memory per instance (least recently read dropped first). */
const MAX_TEAMS = 64;
/** A team is read whole again after this long, whatever the stream says (a bound on any missed change). */
const MAX_AGE_MS = 10 * 60_000;
const PAGE = 500;

interface TeamView {
  /** The stream position this view has applied: every change at or before it is in `rows`. */
  pos: string;
  rows: Map<string, WorklistStateRow<WorklistState>>;
  loadedAtMs: number;
  /** Changes whenever `rows` does (unique per process), so that a reader can keep what it derived from them. */
  generation: number;
  /** `rows` as a list, made once per generation (not per request). */
  list: readonly WorklistStateRow<WorklistState>[] | null;
}

/** A team's rows at one generation: the same generation always means the same rows. */
export interface TeamSnapshot {
  generation: number;
  rows: readonly WorklistStateRow<WorklistState>[];
}

/**
 * A team's worklist state rows, kept in memory and brought up to date from the tenant's worklist
 * stream before each read: a full read of 2,000 rows per request is far over the latency bar, and
 * the stream already names every patient whose state changed. Before a read: the stream's head is
 * looked up (one Redis call); the changes after the view's position name the patients to read again
 * from Cassandra. If Redis no longer holds that position (trimmed or lost), the team is read whole.
 * A full read takes the stream position BEFORE reading the rows: a state is stored before its change
 * is appended, so anything the read missed comes after that position and is applied next time.
 */
@Injectable()
export class WorklistTeamCache {
  private readonly views = new Map<string, TeamView>();
  private readonly serial = new KeyedSerial();
  private generations = 0;

  constructor(
    private readonly states: WorklistStateRepository<WorklistState>,
    private readonly live: RedisWorklistStream,
  ) {}

  snapshot(tenantId: string, team: string, nowMs = Date.now()): Promise<TeamSnapshot> {
    const key = `${tenantId}/${team}`;
    return this.serial.run(key, async () => {
      let view = this.views.get(key);
      const info = await this.live.info(tenantId);
      // No stream at all: nothing was ever appended since a view made at 0-0 (an append creates it).
      const current = view && (info.exists ? RedisEventStream.covers(info, view.pos) : view.pos === ZERO_CURSOR) && nowMs - view.loadedAtMs < MAX_AGE_MS;
      if (!view || !current) view = await this.load(tenantId, team, info.exists ? info.lastId : ZERO_CURSOR, nowMs);
      else if (compareCursors(info.lastId, view.pos) > 0) await this.catchUp(tenantId, team, view);
      this.views.delete(key);
      this.views.set(key, view);
      if (this.views.size > MAX_TEAMS) this.views.delete(this.views.keys().next().value as string);
      view.list ??= [...view.rows.values()];
      return { generation: view.generation, rows: view.list };
    });
  }

  private async load(tenantId: string, team: string, pos: string, nowMs: number): Promise<TeamView> {
    const ids = await this.states.teamPatients(tenantId, team);
    const rows = await this.states.getMany(tenantId, ids, 256);
    return { pos, rows: new Map(rows.map((r) => [r.patientId, r])), loadedAtMs: nowMs, generation: ++this.generations, list: null };
  }

  /** Reads again the patients the stream says changed in or out of this team. */
  private async catchUp(tenantId: string, team: string, view: TeamView): Promise<void> {
    const changed = new Set<string>();
    for (;;) {
      const page = await this.live.rangeAfter(tenantId, view.pos, PAGE);
      for (const e of page) {
        if (e.data.careTeamId === team || e.data.previousCareTeamId === team) changed.add(e.data.patientId);
        view.pos = e.cursor;
      }
      if (page.length < PAGE) break;
    }
    if (changed.size === 0) return;
    const fresh = new Map((await this.states.getMany(tenantId, [...changed], 256)).map((r) => [r.patientId, r]));
    for (const id of changed) {
      const r = fresh.get(id);
      if (r) view.rows.set(id, r);
      else view.rows.delete(id);
    }
    view.generation = ++this.generations;
    view.list = null;
  }
}
