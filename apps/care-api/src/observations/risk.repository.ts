import { Client, types } from 'cassandra-driver';
import type { News2Summary, RiskFactorData, RiskLevel, RiskPointView } from '@vigil/contracts';
import type { VigilMetrics } from '@vigil/observability';
import { InvalidCursorError, monthBucket, monthBuckets, Page, quoteIdent, READ_OPTIONS } from '@vigil/storage';

/** One stored risk.scored (risk_scores_by_patient, written by the risk-scorer): the view with Dates for its instants. */
export type RiskPoint = Omit<RiskPointView, 'recordedAt' | 'scoredAt'> & { recordedAt: Date; scoredAt: Date | null };

interface Position {
  t: number;
  c: string;
  m: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function encode(p: Position): string {
  return Buffer.from(JSON.stringify({ v: 1, ...p })).toString('base64url');
}

function decode(cursor: string): Position {
  try {
    const o = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (
      o['v'] === 1 &&
      Number.isSafeInteger(o['t']) &&
      typeof o['c'] === 'string' &&
      UUID.test(o['c']) &&
      typeof o['m'] === 'string' &&
      (o['m'] as string).length <= 64
    ) {
      return { t: o['t'] as number, c: o['c'] as string, m: o['m'] as string };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

export interface RiskQuery {
  tenantId: string;
  patientId: string;
  from: Date;
  to: Date;
  limit: number;
  cursor?: string | null;
  order: 'asc' | 'desc';
  /** Only this model version (replay and shadow models write beside the live one). */
  modelVersion?: string;
}

/**
 * Risk history by patient across month buckets, keyset-paged by (recorded_at, check_in_id,
 * model_version): the whole clustering key, so a page boundary between two model versions of the
 * same check-in loses nothing (storage's readMonthBucketedRange pages by the first two only).
 */
export class RiskRepository {
  private readonly stmts: Record<'asc' | 'desc', { first: string; after: string }>;

  constructor(
    private readonly client: Client,
    keyspace: string,
    private readonly metrics?: VigilMetrics,
  ) {
    const table = `${quoteIdent(keyspace)}.risk_scores_by_patient`;
    const base = `SELECT recorded_at, check_in_id, model_version, score, level, factors, news2, late, scored_at FROM ${table} WHERE tenant_id = ? AND patient_id = ? AND bucket = ?`;
    const asc = 'ORDER BY recorded_at ASC, check_in_id ASC, model_version ASC LIMIT ?';
    const desc = 'ORDER BY recorded_at DESC, check_in_id DESC, model_version DESC LIMIT ?';
    this.stmts = {
      asc: {
        first: `${base} AND recorded_at >= ? AND recorded_at < ? ${asc}`,
        after: `${base} AND (recorded_at, check_in_id, model_version) > (?, ?, ?) AND (recorded_at) < (?) ${asc}`,
      },
      desc: {
        first: `${base} AND recorded_at >= ? AND recorded_at < ? ${desc}`,
        after: `${base} AND (recorded_at, check_in_id, model_version) < (?, ?, ?) AND (recorded_at) >= (?) ${desc}`,
      },
    };
  }

  async query(q: RiskQuery): Promise<Page<RiskPoint>> {
    const from = q.from.getTime();
    const to = q.to.getTime();
    let buckets = monthBuckets(from, to - 1);
    if (q.order === 'desc') buckets = buckets.reverse();
    let position = q.cursor ? decode(q.cursor) : undefined;
    if (position) {
      if (position.t < from || position.t >= to) throw new InvalidCursorError();
      buckets = buckets.slice(buckets.indexOf(monthBucket(position.t)));
    }
    const items: RiskPoint[] = [];
    const s = this.stmts[q.order];
    // With a model filter a page may need more rows than `limit`; read in chunks until it is full.
    for (const bucket of buckets) {
      for (;;) {
        const need = q.limit - items.length;
        const fetch = q.modelVersion ? Math.min(1000, need * 4) : need;
        const params: unknown[] = [q.tenantId, q.patientId, bucket];
        const inBucket = position && monthBucket(position.t) === bucket;
        if (inBucket && position) params.push(new Date(position.t), types.Uuid.fromString(position.c), position.m, q.order === 'asc' ? q.to : q.from, fetch);
        else params.push(q.from, q.to, fetch);
        const run = () => this.client.execute(inBucket ? s.after : s.first, params, { ...READ_OPTIONS, fetchSize: fetch });
        const rs = await (this.metrics ? this.metrics.timeCassandra('select', 'risk_scores_by_patient', run) : run());
        for (const row of rs.rows) {
          const p: RiskPoint = {
            recordedAt: row['recorded_at'] as Date,
            checkInId: String(row['check_in_id']),
            modelVersion: row['model_version'] as string,
            score: row['score'] as number,
            level: row['level'] as RiskLevel,
            factors: row['factors'] ? (JSON.parse(row['factors'] as string) as RiskFactorData[]) : [],
            news2: row['news2'] ? (JSON.parse(row['news2'] as string) as News2Summary) : null,
            late: row['late'] === true,
            scoredAt: (row['scored_at'] as Date | null) ?? null,
          };
          position = { t: p.recordedAt.getTime(), c: p.checkInId, m: p.modelVersion };
          if (q.modelVersion && p.modelVersion !== q.modelVersion) continue;
          items.push(p);
          if (items.length >= q.limit) break;
        }
        if (items.length >= q.limit) {
          const last = items[items.length - 1];
          return { items, nextCursor: encode({ t: last.recordedAt.getTime(), c: last.checkInId, m: last.modelVersion }) };
        }
        if (rs.rows.length < fetch) break; // bucket exhausted
      }
      position = undefined;
    }
    return { items, nextCursor: null };
  }
}
