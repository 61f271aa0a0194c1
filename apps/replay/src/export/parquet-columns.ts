/**
 * The Parquet schema of `replay export --format parquet` (README "Parquet export"): flat rows for
 * analysts' tools (DuckDB, Spark, pandas), one row per observation of a check-in, per score, per
 * alert event. Every file also carries each event's NDJSON line (`cloudevent`, on its first row),
 * so a Parquet export loses nothing: the Spark job rebuilds the check-ins from that column and
 * scores them exactly as from an NDJSON export.
 */
import { EVENT_TYPES, observationsOf, type CheckIn, type VigilEvent } from '@vigil/contracts';
import type { SchemaElement } from 'hyparquet-writer';
import type { StreamKind } from '../events/events';

export type Cell = string | number | boolean | Date | string[] | null;
export type Row = Record<string, Cell>;

type ColumnType = 'string' | 'timestamp' | 'double' | 'int32' | 'boolean' | 'string-list';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
  required: boolean;
  /** What it holds (printed in the README table; keep them in step). */
  doc: string;
}

const col = (name: string, type: ColumnType, required: boolean, doc: string): ColumnSpec => ({ name, type, required, doc });

/** Every stream starts with these, in this order. */
const COMMON: ColumnSpec[] = [
  col('tenant_id', 'string', true, 'organisation'),
  col('patient_id', 'string', true, 'patient (the CloudEvent subject)'),
  col('event_id', 'string', true, 'CloudEvent id'),
  col('type', 'string', true, 'CloudEvent type'),
  col('event_time', 'timestamp', true, "the file's event time, UTC: device time (recordedAt) of a check-in or score, triggeredAt of an alert"),
  col('check_in_id', 'string', false, 'the check-in (scores, and alerts raised on a check-in)'),
  col('model_version', 'string', false, 'risk model (scores, raised alerts)'),
];

// A plain string (not the JSON logical type, which hyparquet-writer would encode a second time).
const CLOUDEVENT = col('cloudevent', 'string', false, "the event's NDJSON line, exactly as the NDJSON export writes it; on the event's first row only");

export const PARQUET_COLUMNS: Record<StreamKind, ColumnSpec[]> = {
  checkins: [
    ...COMMON,
    col('observation_index', 'int32', false, '0, 1, ... within the check-in; null for a check-in without numeric observation (one row)'),
    col('metric', 'string', false, 'observation metric (weightKg, spo2, symptom.fatigue, questionnaire.PHQ-9, medication.adherence, mood, ...)'),
    col('value', 'double', false, 'its value (booleans 0/1, questionnaires as totals, adherence 1/0.5/0)'),
    CLOUDEVENT,
  ],
  scores: [
    ...COMMON,
    col('score', 'double', false, 'risk score'),
    col('level', 'string', false, 'none, low, medium, high, critical'),
    col('news2_total', 'int32', false, 'NEWS2 total when computed'),
    col('late', 'boolean', false, 'scored from a late check-in'),
    col('factor_codes', 'string-list', false, "codes of the contributing factors, in the engine's order"),
    CLOUDEVENT,
  ],
  alerts: [
    ...COMMON,
    col('alert_id', 'string', false, 'alert'),
    col('rule_code', 'string', false, 'rule that raised it'),
    col('severity', 'string', false, 'medium, high, critical'),
    col('level', 'string', false, 'risk level at the time'),
    col('score', 'double', false, 'risk score at the time'),
    col('factor_codes', 'string-list', false, "codes of the alert's reasons"),
    CLOUDEVENT,
  ],
};

/** The Parquet schema elements of a stream's columns. */
export function parquetSchema(kind: StreamKind): SchemaElement[] {
  const cols = PARQUET_COLUMNS[kind];
  const out: SchemaElement[] = [{ name: 'root', num_children: cols.length }];
  for (const c of cols) {
    const repetition_type = c.required ? 'REQUIRED' : 'OPTIONAL';
    switch (c.type) {
      case 'string':
        out.push({ name: c.name, type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type });
        break;
      case 'timestamp':
        out.push({
          name: c.name,
          type: 'INT64',
          converted_type: 'TIMESTAMP_MILLIS',
          logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MILLIS' },
          repetition_type,
        });
        break;
      case 'double':
        out.push({ name: c.name, type: 'DOUBLE', repetition_type });
        break;
      case 'int32':
        out.push({ name: c.name, type: 'INT32', repetition_type });
        break;
      case 'boolean':
        out.push({ name: c.name, type: 'BOOLEAN', repetition_type });
        break;
      case 'string-list':
        // The standard three-level LIST, which Spark, DuckDB and Arrow all read as an array.
        out.push({ name: c.name, repetition_type, num_children: 1, converted_type: 'LIST', logical_type: { type: 'LIST' } });
        out.push({ name: 'list', repetition_type: 'REPEATED', num_children: 1 });
        out.push({ name: 'element', type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' }, repetition_type: 'REQUIRED' });
        break;
    }
  }
  return out;
}

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const codes = (v: unknown): string[] | null => (Array.isArray(v) ? v.map((f) => str(obj(f)['code'])).filter((c): c is string => c !== null) : null);

/** The rows of one event: `line` is its NDJSON line, `at` its file event time (ms). */
export function rowsOf(kind: StreamKind, e: VigilEvent, line: string, at: number): Row[] {
  const d = obj(e.data);
  const base: Row = {
    tenant_id: e.tenantid,
    patient_id: e.subject,
    event_id: e.id,
    type: e.type,
    event_time: new Date(at),
    check_in_id: str(d['checkInId']),
    model_version: str(d['modelVersion']),
  };
  switch (kind) {
    case 'checkins': {
      // Exports are not validated (they are what was carried): an odd check-in gives what can be read.
      let obs: { metric: string; value: number }[] = [];
      try {
        obs = observationsOf(d as unknown as CheckIn).filter((o) => Number.isFinite(o.value));
      } catch {
        obs = [];
      }
      if (obs.length === 0) return [{ ...base, observation_index: null, metric: null, value: null, cloudevent: line }];
      return obs.map((o, i) => ({ ...base, observation_index: i, metric: o.metric, value: o.value, cloudevent: i === 0 ? line : null }));
    }
    case 'scores': {
      const late = d['late'];
      const news2 = num(obj(d['news2'])['total']);
      return [
        {
          ...base,
          score: num(d['score']),
          level: str(d['level']),
          news2_total: news2 !== null && Number.isInteger(news2) ? news2 : null,
          late: typeof late === 'boolean' ? late : null,
          factor_codes: codes(d['factors']),
          cloudevent: line,
        },
      ];
    }
    case 'alerts': {
      const raised = e.type === EVENT_TYPES.alertRaised;
      return [
        {
          ...base,
          alert_id: str(d['alertId']),
          rule_code: str(d['ruleCode']),
          severity: str(d['severity']),
          level: str(d['level']),
          score: num(d['score']),
          factor_codes: raised ? codes(d['reasons']) : null,
          cloudevent: line,
        },
      ];
    }
  }
}
