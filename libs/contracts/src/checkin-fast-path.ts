/**
 * The plain-code path of `validateCheckIn` (validation.ts), with the contract's exact result.
 *
 * Class-validator on CheckInDto (`validateCheckInByDto`) manages about 6k per second on this
 * machine, which alone would cap ingest, the writer, the scorer and replay's rescore.
 * `fastValidCheckIn` is a plain-code acceptor for the common case: it returns the
 * normalised check-in ONLY when the input is a plain JSON check-in that certainly passes every rule
 * of CheckInDto (types, ranges, the UUID and ISO-with-offset formats, questionnaire answers,
 * diastolic below systolic, something measurable, no unknown or null fields), built in
 * CheckInDto's declaration order exactly as `validateCheckInByDto` returns it. For anything else
 * it returns null and validateCheckIn asks `validateCheckInByDto`, so invalid and unusual inputs get
 * the contract's own verdict. checkin-fast-path.spec.ts checks, on generated inputs, that whenever
 * this accepts, `validateCheckInByDto` accepts with the same value.
 */
import { ADHERENCE, CheckIn, CHECKIN_LIMITS, ISO_WITH_OFFSET, QUESTIONNAIRES, type Instrument } from './checkin.dto';
import { CHECKIN_FIELD_SPECS, type CheckInFieldSpec } from './checkin-fields';
import { isRealCalendarDate } from './dates';

/** validator.js isUUID('all') (class-validator @IsUUID('all')). */
const UUID_ALL =
  /^(?:[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}|00000000-0000-0000-0000-000000000000|ffffffff-ffff-ffff-ffff-ffffffffffff)$/i;

type Obj = Record<string, unknown>;

function isPlain(v: unknown): v is Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function keysWithin(o: Obj, allowed: ReadonlySet<string>): boolean {
  for (const k in o) {
    if (!Object.prototype.hasOwnProperty.call(o, k)) return false;
    if (!allowed.has(k)) return false;
  }
  return true;
}

const num = (v: unknown, min: number, max: number): v is number => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max && !Object.is(v, -0);
const int = (v: unknown, min: number, max: number): v is number => num(v, min, max) && Number.isInteger(v);

/** One key of `vitals` or `symptoms`, as the catalogue describes it (checked in catalogue order). */
interface FieldCheck {
  key: string;
  type: CheckInFieldSpec['type'];
  range?: readonly [number, number];
  values?: readonly string[];
}
const checksOf = (group: string): readonly FieldCheck[] =>
  CHECKIN_FIELD_SPECS.filter((f) => f.name.startsWith(`${group}.`)).map((f) => ({
    key: f.name.slice(group.length + 1),
    type: f.type,
    range: f.range,
    values: f.values,
  }));

// Every key list derives from CHECKIN_FIELDS: a new field there is accepted here too.
const TOP = new Set(CHECKIN_FIELD_SPECS.map((f) => f.name.split('.')[0]));
const VITAL_CHECKS = checksOf('vitals');
const SYMPTOM_CHECKS = checksOf('symptoms');
const VITALS = new Set(VITAL_CHECKS.map((f) => f.key));
const SYMPTOMS = new Set(SYMPTOM_CHECKS.map((f) => f.key));

/** A scalar value as its catalogue entry allows it (number and integer in range, boolean, code). */
function valid(x: unknown, f: FieldCheck): boolean {
  if (f.type === 'boolean') return typeof x === 'boolean';
  if (f.type === 'code') return (f.values ?? []).includes(x as string);
  const [min, max] = f.range ?? [-Infinity, Infinity];
  return f.type === 'integer' ? int(x, min, max) : num(x, min, max);
}
const QUESTIONNAIRE = new Set(['instrument', 'answers']);
const MEDICATION = new Set(['adherence']);

/** Returns the normalised vitals, or null when not certainly valid. `present` counts non-null values. */
function vitals(v: Obj): Obj | null {
  if (!keysWithin(v, VITALS)) return null;
  const out: Obj = {};
  for (const f of VITAL_CHECKS) {
    if (!(f.key in v)) continue;
    const x = v[f.key];
    if (!valid(x, f)) return null;
    out[f.key] = x;
  }
  if (typeof out['diastolicBp'] === 'number' && typeof out['systolicBp'] === 'number' && !(out['systolicBp'] > out['diastolicBp'])) return null;
  return out;
}

function symptoms(s: Obj): Obj | null {
  if (!keysWithin(s, SYMPTOMS)) return null;
  const out: Obj = {};
  for (const f of SYMPTOM_CHECKS) {
    if (!(f.key in s)) continue;
    const x = s[f.key];
    if (!valid(x, f)) return null;
    out[f.key] = x;
  }
  return out;
}

function questionnaire(q: unknown): Obj | null {
  if (!isPlain(q) || !keysWithin(q, QUESTIONNAIRE)) return null;
  const instrument = q['instrument'];
  const answers = q['answers'];
  if (typeof instrument !== 'string' || !Object.prototype.hasOwnProperty.call(QUESTIONNAIRES, instrument)) return null;
  const spec = QUESTIONNAIRES[instrument as Instrument];
  if (!Array.isArray(answers) || answers.length > 9 || answers.length !== spec.items) return null;
  for (const a of answers) if (!int(a, 0, spec.maxAnswer)) return null;
  return { instrument, answers: [...answers] };
}

/**
 * The normalised check-in when `plain` is certainly valid under the check-in contract (without the
 * time window, as the scorer validates), else null (ask validateCheckIn).
 */
export function fastValidCheckIn(plain: unknown): CheckIn | null {
  if (!isPlain(plain) || !keysWithin(plain, TOP)) return null;
  const out: Obj = {};
  const id = plain['checkInId'];
  if (typeof id !== 'string' || !UUID_ALL.test(id)) return null;
  out['checkInId'] = id;
  const at = plain['recordedAt'];
  if (typeof at !== 'string' || !ISO_WITH_OFFSET.test(at) || !isRealCalendarDate(at)) return null;
  out['recordedAt'] = at;
  let measurable = false;
  if ('vitals' in plain) {
    if (!isPlain(plain['vitals'])) return null;
    const v = vitals(plain['vitals']);
    if (v === null) return null;
    if (Object.keys(v).length) measurable = true;
    out['vitals'] = v;
  }
  if ('symptoms' in plain) {
    if (!isPlain(plain['symptoms'])) return null;
    const s = symptoms(plain['symptoms']);
    if (s === null) return null;
    if (Object.keys(s).length) measurable = true;
    out['symptoms'] = s;
  }
  if ('questionnaires' in plain) {
    const qs = plain['questionnaires'];
    if (!Array.isArray(qs) || qs.length > 3) return null;
    const list: Obj[] = [];
    for (const q of qs) {
      const n = questionnaire(q);
      if (n === null) return null;
      list.push(n);
    }
    if (list.length) measurable = true;
    out['questionnaires'] = list;
  }
  if ('medication' in plain) {
    const m = plain['medication'];
    if (!isPlain(m) || !keysWithin(m, MEDICATION) || !(ADHERENCE as readonly unknown[]).includes(m['adherence'])) return null;
    measurable = true;
    out['medication'] = { adherence: m['adherence'] };
  }
  if ('mood' in plain) {
    if (!int(plain['mood'], ...CHECKIN_LIMITS.mood)) return null;
    measurable = true;
    out['mood'] = plain['mood'];
  }
  if ('notes' in plain) {
    const n = plain['notes'];
    if (typeof n !== 'string' || n.length > CHECKIN_LIMITS.notesMaxLength) return null;
    out['notes'] = n;
  }
  if (!measurable) return null;
  return out as unknown as CheckIn;
}
