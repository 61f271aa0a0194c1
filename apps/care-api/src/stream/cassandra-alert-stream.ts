import { Client, types } from 'cassandra-driver';
import type { VigilMetrics } from '@vigil/observability';
import { dayBucket, dayBuckets, quoteIdent, READ_OPTIONS, WRITE_OPTIONS } from '@vigil/storage';
import type { AlertStreamData } from '@vigil/contracts';
import type { StreamEntry } from './alert-event';
import { compareCursors, parseCursor } from './cursor';

/**
 * The durable part of the alert stream (migration 0004): every stored alert event under the cursor
 * Redis gave it, by care team and day, plus the event-id -> cursor map that makes storing idempotent.
 */
export class CassandraAlertStream {
  private readonly q: {
    insert: string;
    mark: string;
    stored: string;
    after: string;
    afterUpTo: string;
  };

  constructor(
    private readonly client: Client,
    keyspace: string,
    private readonly metrics?: VigilMetrics,
  ) {
    const ks = quoteIdent(keyspace);
    const cols = 'cursor_ms, cursor_seq, care_team_id, payload';
    const where = `FROM ${ks}.alert_stream_by_team WHERE tenant_id = ? AND care_team_id = ? AND day = ? AND (cursor_ms, cursor_seq) > (?, ?)`;
    this.q = {
      insert: `INSERT INTO ${ks}.alert_stream_by_team (tenant_id, care_team_id, day, cursor_ms, cursor_seq, event_id, event_type, alert_id, patient_id, status, payload, stored_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      mark: `INSERT INTO ${ks}.alert_stream_event_ids (tenant_id, event_id, cursor, stored_at) VALUES (?, ?, ?, ?)`,
      stored: `SELECT cursor FROM ${ks}.alert_stream_event_ids WHERE tenant_id = ? AND event_id = ?`,
      after: `SELECT ${cols} ${where}`,
      afterUpTo: `SELECT ${cols} ${where} AND (cursor_ms, cursor_seq) <= (?, ?)`,
    };
  }

  private time<T>(op: string, table: string, fn: () => Promise<T>): Promise<T> {
    return this.metrics ? this.metrics.timeCassandra(op, table, fn) : fn();
  }

  /** The cursor an event was stored under, or null if it is not (fully) stored yet. */
  async storedCursor(tenantId: string, eventId: string): Promise<string | null> {
    const rs = await this.time('select', 'alert_stream_event_ids', () => this.client.execute(this.q.stored, [tenantId, eventId], READ_OPTIONS));
    const row = rs.first();
    return row ? (row['cursor'] as string) : null;
  }

  async write(entry: StreamEntry): Promise<void> {
    const c = parseCursor(entry.cursor);
    if (!c) throw new Error('invalid cursor');
    const d = entry.data;
    await this.time('insert', 'alert_stream_by_team', () =>
      this.client.execute(
        this.q.insert,
        [
          entry.tenantId,
          d.careTeamId,
          dayBucket(Number(c.ms)),
          types.Long.fromString(c.ms.toString()),
          types.Long.fromString(c.seq.toString()),
          d.eventId,
          d.type,
          d.alertId,
          d.patientId,
          d.status,
          JSON.stringify({ ...d, cursor: undefined }),
          new Date(),
        ],
        WRITE_OPTIONS,
      ),
    );
  }

  /** Written last: from now on a redelivery of this event id is a no-op. */
  async markStored(tenantId: string, eventId: string, cursor: string): Promise<void> {
    await this.time('insert', 'alert_stream_event_ids', () => this.client.execute(this.q.mark, [tenantId, eventId, cursor, new Date()], WRITE_OPTIONS));
  }

  /**
   * The entries of `teams` strictly after `after` (and at most `upTo`, when given), in cursor order,
   * day by day from max(after, notBeforeMs) to the day of `upTo` (or today). Each day of each team
   * is read whole (driver paging) and the teams are merged in memory: a team's day is bounded.
   */
  async *readAfter(tenantId: string, teams: readonly string[], after: string, upTo: string | null, notBeforeMs: number): AsyncGenerator<StreamEntry> {
    const a = parseCursor(after);
    const u = upTo ? parseCursor(upTo) : null;
    if (!a || (upTo && !u)) throw new Error('invalid cursor');
    if (teams.length === 0) return;
    const startMs = Math.max(Number(a.ms), notBeforeMs);
    const endMs = u ? Number(u.ms) : Date.now() + 60_000;
    if (startMs > endMs) return;
    const afterMs = types.Long.fromString(a.ms.toString());
    const afterSeq = types.Long.fromString(a.seq.toString());
    for (const day of dayBuckets(startMs, endMs)) {
      const perTeam = await Promise.all(
        teams.map(async (team) => {
          const params: unknown[] = [tenantId, team, day, afterMs, afterSeq];
          if (u) params.push(types.Long.fromString(u.ms.toString()), types.Long.fromString(u.seq.toString()));
          const rows: StreamEntry[] = [];
          const rs = await this.time('select', 'alert_stream_by_team', () =>
            this.client.execute(u ? this.q.afterUpTo : this.q.after, params, { ...READ_OPTIONS, fetchSize: 1000 }),
          );
          for await (const row of rs) {
            const cursor = `${(row['cursor_ms'] as types.Long).toString()}-${(row['cursor_seq'] as types.Long).toString()}`;
            const data = JSON.parse(row['payload'] as string) as AlertStreamData;
            rows.push({ cursor, tenantId, data });
          }
          return rows;
        }),
      );
      const merged = perTeam.flat().sort((x, y) => compareCursors(x.cursor, y.cursor));
      for (const entry of merged) yield entry;
    }
  }
}
