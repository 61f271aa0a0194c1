import { badRequest } from '../common/query';
import { SERVED_OBSERVATIONS, type ServedObservation } from './observation-resources';

const JSON_FORMATS = new Set(['json', 'application/json', 'application/fhir+json']);

export type Query = Record<string, string | string[] | undefined>;

export interface SearchWindow {
  /** Inclusive. */
  from?: string;
  /** Exclusive. */
  to?: string;
}

const values = (q: Query, name: string): string[] => {
  const v = q[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
};

/** Unknown search parameters are refused (not silently ignored: a reader would get more than it asked for). */
export function checkParameters(q: Query, allowed: readonly string[]): void {
  for (const k of Object.keys(q)) {
    if (!allowed.includes(k)) throw badRequest([{ path: k, message: `unsupported search parameter ${k}; supported: ${allowed.join(', ')}` }], 'invalid search');
  }
  for (const f of values(q, '_format')) {
    if (!JSON_FORMATS.has(f))
      throw badRequest([{ path: '_format', message: '_format must be json (this server answers application/fhir+json only)' }], 'invalid search');
  }
}

/** `patient=Patient/x` or `patient=x` (or `subject=`): the one patient whose data is searched. */
export function patientOf(q: Query, name: 'patient' | 'subject'): string {
  const v = values(q, name);
  if (v.length !== 1 || v[0].length === 0) throw badRequest([{ path: name, message: `${name} is required, once: Patient/{id} or {id}` }], 'invalid search');
  const m = /^(?:Patient\/)?([^/\s]{1,128})$/.exec(v[0]);
  if (!m) throw badRequest([{ path: name, message: `${name} must be Patient/{id} or {id}` }], 'invalid search');
  return m[1];
}

/** `code=[system|]code[,...]` -> the kinds of Observation; none given: all that Vigil stores. */
export function observationKinds(q: Query): readonly ServedObservation[] {
  const tokens = values(q, 'code').flatMap((v) => v.split(','));
  if (tokens.length === 0) return SERVED_OBSERVATIONS;
  const kinds = tokens.map((t) => {
    const [system, code] = t.includes('|') ? t.split('|', 2) : [undefined, t];
    const kind = SERVED_OBSERVATIONS.find((k) => k.code.code === code && (system === undefined || system === '' || system === k.code.system));
    if (!kind) {
      const served = SERVED_OBSERVATIONS.map((k) => `${k.code.system}|${k.code.code}`).join(', ');
      throw badRequest([{ path: 'code', message: `no stored series for code ${t}; served: ${served}` }], 'invalid search');
    }
    return kind;
  });
  return [...new Set(kinds)];
}

const DATE = /^(eq|ne|gt|lt|ge|le|sa|eb|ap)?(\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?)$/;

/** The instants a FHIR date value covers: [start, end) of its precision (a day, a month, a year, or the instant). */
function span(value: string): [number, number] {
  if (value.length === 4) return [Date.UTC(+value, 0, 1), Date.UTC(+value + 1, 0, 1)];
  if (value.length === 7) return [Date.UTC(+value.slice(0, 4), +value.slice(5, 7) - 1, 1), Date.UTC(+value.slice(0, 4), +value.slice(5, 7), 1)];
  if (value.length === 10) {
    const t = Date.parse(`${value}T00:00:00Z`);
    return [t, t + 86_400_000];
  }
  const t = Date.parse(value);
  return [t, t + 1];
}

/** `date=ge..&date=le..` (also gt, lt, eq or no prefix) -> one window of device time. */
export function dateWindow(q: Query, name = 'date'): SearchWindow {
  let from: number | undefined;
  let to: number | undefined;
  for (const v of values(q, name)) {
    const m = DATE.exec(v);
    const [start, end] = m ? span(m[2]) : [NaN, NaN];
    if (!m || !Number.isFinite(start))
      throw badRequest([{ path: name, message: `${name} must be a FHIR date or dateTime with a prefix ge, gt, le, lt or eq` }], 'invalid search');
    const prefix = m[1] ?? 'eq';
    if (prefix === 'ge' || prefix === 'eq') from = Math.max(from ?? -Infinity, start);
    if (prefix === 'gt') from = Math.max(from ?? -Infinity, end);
    if (prefix === 'le' || prefix === 'eq') to = Math.min(to ?? Infinity, end);
    if (prefix === 'lt') to = Math.min(to ?? Infinity, start);
    if (!['eq', 'ge', 'gt', 'le', 'lt'].includes(prefix))
      throw badRequest([{ path: name, message: `prefix ${prefix} is not supported (ge, gt, le, lt, eq)` }], 'invalid search');
  }
  return { from: from === undefined ? undefined : new Date(from).toISOString(), to: to === undefined ? undefined : new Date(to).toISOString() };
}

/** `_count` 1..max (default def). */
export function pageSize(q: Query, def: number, max: number): number {
  const v = values(q, '_count');
  if (v.length === 0) return def;
  if (v.length > 1 || !/^\d{1,4}$/.test(v[0]) || +v[0] < 1 || +v[0] > max)
    throw badRequest([{ path: '_count', message: `_count must be an integer from 1 to ${max}` }], 'invalid search');
  return +v[0];
}

export function single(q: Query, name: string): string | undefined {
  const v = values(q, name);
  if (v.length > 1) throw badRequest([{ path: name, message: `give ${name} once` }], 'invalid search');
  return v[0];
}
