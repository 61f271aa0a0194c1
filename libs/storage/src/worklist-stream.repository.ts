import { Client, types } from 'cassandra-driver';
import { dayBucket, dayBuckets } from './buckets';
import { quoteIdent } from './client';
import { READ_OPTIONS, WRITE_OPTIONS } from './execute';

/** A stored worklist change: its stream cursor (`<ms>-<seq>`, assigned by Redis) and the payload. */
export interface WorklistStreamRow<D> {
  cursor: string;
  tenantId: string;
  careTeamId: string;
  patientId: string;
  version: number;
  data: D;
}

const CURSOR = /^(\d{1,16})-(\d{1,19})$/;

function cursorParts(c: string): { ms: types.Long; seq: types.Long; msNum: number } {
  const m = CURSOR.exec(c);
  if (!m) throw new Error('invalid cursor');
  return { ms: types.Long.fromString(m[1]), seq: types.Long.fromString(m[2]), msNum: Number(m[1]) };
}

function compare(a: string, b: string): number {
  const [am, as] = a.split('-').map(BigInt);
  const [bm, bs] = b.split('-').map(BigInt);
  return am !== bm ? (am < bm ? -1 : 1) : as !== bs ? (as < bs ? -1 : 1) : 0;
}

/**
 * `worklist_stream_by_team` (0005): the durable copy of the worklist change stream, by team and day
 * in cursor order, for resumes older than the Redis stream holds (the scheme of 0004's alert stream).
 */
export class WorklistStreamRepository<D = unknown> {
  private readonly q: { insert: string; after: string; afterUpTo: string };

  constructor(
    private readonly client: Client,
    keyspace: string,
  ) {
    const ks = quoteIdent(keyspace);
    const where = `FROM ${ks}.worklist_stream_by_team WHERE tenant_id = ? AND care_team_id = ? AND day = ? AND (cursor_ms, cursor_seq) > (?, ?)`;
    this.q = {
      insert: `INSERT INTO ${ks}.worklist_stream_by_team (tenant_id, care_team_id, day, cursor_ms, cursor_seq, patient_id, version, payload, stored_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      after: `SELECT cursor_ms, cursor_seq, patient_id, version, payload ${where}`,
      afterUpTo: `SELECT cursor_ms, cursor_seq, patient_id, version, payload ${where} AND (cursor_ms, cursor_seq) <= (?, ?)`,
    };
  }

  /** Idempotent: the row's key is the cursor. */
  async write(row: WorklistStreamRow<D>): Promise<void> {
    const c = cursorParts(row.cursor);
    await this.client.execute(
      this.q.insert,
      [row.tenantId, row.careTeamId, dayBucket(c.msNum), c.ms, c.seq, row.patientId, types.Long.fromNumber(row.version), JSON.stringify(row.data), new Date()],
      WRITE_OPTIONS,
    );
  }

  /**
   * The rows of `teams` strictly after `after` (and at most `upTo`), in cursor order, day by day
   * from max(after, notBeforeMs) to the day of `upTo` (or now); teams merged in memory per day.
   */
  async *readAfter(tenantId: string, teams: readonly string[], after: string, upTo: string | null, notBeforeMs: number): AsyncGenerator<WorklistStreamRow<D>> {
    const a = cursorParts(after);
    const u = upTo ? cursorParts(upTo) : null;
    if (teams.length === 0) return;
    const startMs = Math.max(a.msNum, notBeforeMs);
    const endMs = u ? u.msNum : Date.now() + 60_000;
    if (startMs > endMs) return;
    for (const day of dayBuckets(startMs, endMs)) {
      const perTeam = await Promise.all(
        teams.map(async (team) => {
          const params: unknown[] = [tenantId, team, day, a.ms, a.seq];
          if (u) params.push(u.ms, u.seq);
          const rows: WorklistStreamRow<D>[] = [];
          const rs = await this.client.execute(u ? this.q.afterUpTo : this.q.after, params, { ...READ_OPTIONS, fetchSize: 1000 });
          for await (const r of rs) {
            rows.push({
              cursor: `${(r['cursor_ms'] as types.Long).toString()}-${(r['cursor_seq'] as types.Long).toString()}`,
              tenantId,
              careTeamId: team,
              patientId: r['patient_id'] as string,
              version: Number((r['version'] as types.Long).toString()),
              data: JSON.parse(r['payload'] as string) as D,
            });
          }
          return rows;
        }),
      );
      for (const row of perTeam.flat().sort((x, y) => compare(x.cursor, y.cursor))) yield row;
    }
  }
}
