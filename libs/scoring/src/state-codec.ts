/**
 * The scorer's compact encoding of a patient's state row (engine state + recent check-in ids), for
 * the `state_packed` blob of `scorer_state` (migration 0007). JSON of the same state costs most of
 * its time in its number arrays (the series' device times and values: 13-digit epoch milliseconds
 * written and parsed as decimal text), so those go out as binary; the rest stays JSON.
 *
 * Layout (little-endian): "VS" 0x01 | u32 skeleton bytes | skeleton (UTF-8 JSON of the state with
 * each non-empty all-number array replaced by [<index>], a placeholder that cannot be mistaken since
 * no one-number array is left; equal arrays, such as the device times of series filled by the same
 * check-ins, are stored once and decoded as copies) | u32 array count |
 * per array: u8 kind, u32 length, payload | u32 ids bytes | ids (UTF-8).
 * Array kinds, chosen per array, each exact (checked on encode, so decoding gives the same doubles):
 *   0 float64 (anything); 1 int32; 2 times: float64 first, then uint32 steps (sorted integers,
 *   steps under 49 days); 3 tenths: int32 of value x 10 (readings with one decimal).
 * Ids: comma-joined Latin-1 when all are ASCII without a comma (check-in ids are UUIDs), else JSON.
 * Generic over the state's shape: a new series or model book needs no change here.
 */

const MAGIC_0 = 0x56; // V
const MAGIC_1 = 0x53; // S
const FORMAT = 1;

const K_F64 = 0;
const K_I32 = 1;
const K_TIMES = 2;
const K_TENTHS = 3;

const I32_MIN = -2_147_483_648;
const I32_MAX = 2_147_483_647;
const U32_MAX = 4_294_967_295;

export interface PackedRow<S> {
  state: S;
  recentCheckIns: string[];
}

/** True when the bytes are this encoding (a row's blob); else the row holds the JSON columns. */
export function isPackedState(bytes: Uint8Array | null | undefined): bytes is Uint8Array {
  return !!bytes && bytes.length >= 3 && bytes[0] === MAGIC_0 && bytes[1] === MAGIC_1;
}

function allNumbers(a: readonly unknown[]): a is number[] {
  for (let i = 0; i < a.length; i++) if (typeof a[i] !== 'number' || !Number.isFinite(a[i] as number)) return false;
  return true;
}

function kindOf(a: readonly number[]): number {
  let ints = true;
  let i32 = true;
  let sorted = true;
  let smallSteps = true;
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    if (!Number.isInteger(x)) {
      ints = false;
      break;
    }
    if (x < I32_MIN || x > I32_MAX) i32 = false;
    if (i > 0) {
      const d = x - a[i - 1];
      if (d < 0) sorted = false;
      else if (d > U32_MAX) smallSteps = false;
    }
  }
  if (ints) {
    if (i32) return K_I32;
    if (sorted && smallSteps && Number.isSafeInteger(a[0])) return K_TIMES;
    return K_F64;
  }
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const t = Math.round(x * 10);
    if (t / 10 !== x || t < I32_MIN || t > I32_MAX) return K_F64;
  }
  return K_TENTHS;
}

function payloadBytes(kind: number, n: number): number {
  if (kind === K_F64) return 8 * n;
  if (kind === K_TIMES) return 8 + 4 * (n - 1);
  return 4 * n;
}

function sameNumbers(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Number arrays met while stripping, each equal content once (the series of one check-in share their device times). */
class ArrayTable {
  readonly arrays: number[][] = [];

  indexOf(a: number[]): number {
    const n = a.length;
    const first = a[0];
    const last = a[n - 1];
    for (let i = 0; i < this.arrays.length; i++) {
      const b = this.arrays[i];
      if (b.length === n && b[0] === first && b[n - 1] === last && sameNumbers(a, b)) return i;
    }
    return this.arrays.push(a) - 1;
  }
}

/** Replaces number arrays by markers (collecting them); returns the skeleton value. */
function strip(v: unknown, table: ArrayTable): unknown {
  if (Array.isArray(v)) {
    if (v.length > 0 && allNumbers(v)) return [table.indexOf(v)];
    const out = new Array<unknown>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = strip(v[i], table);
    return out;
  }
  if (v !== null && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k in v as Record<string, unknown>) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = strip(x, table);
    }
    return out;
  }
  return v;
}

/** The decoded arrays by index; an array referenced again is handed out as a copy (no aliasing, as JSON.parse). */
class DecodedArrays {
  private readonly used: boolean[];
  constructor(private readonly arrays: number[][]) {
    this.used = new Array<boolean>(arrays.length).fill(false);
  }

  take(i: number): number[] {
    const a = this.arrays[i];
    if (a === undefined) throw new StateCodecError(`array ${i} missing`);
    if (this.used[i]) return a.slice();
    this.used[i] = true;
    return a;
  }
}

/** A placeholder: every non-empty all-number array was stripped, so a one-number array left in the skeleton is one. */
const isPlaceholder = (x: unknown): x is [number] => Array.isArray(x) && x.length === 1 && typeof x[0] === 'number';

/** Puts the decoded arrays back in place of their placeholders (in the freshly parsed skeleton). */
function restore(v: unknown, arrays: DecodedArrays): unknown {
  if (isPlaceholder(v)) return arrays.take(v[0]);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const x: unknown = v[i];
      if (isPlaceholder(x)) v[i] = arrays.take(x[0]);
      else if (x !== null && typeof x === 'object') restore(x, arrays);
    }
    return v;
  }
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    for (const k in o) {
      const x = o[k];
      if (isPlaceholder(x)) o[k] = arrays.take(x[0]);
      else if (x !== null && typeof x === 'object') restore(x, arrays);
    }
  }
  return v;
}

/** Ids as bytes: "C" + comma-joined in Latin-1 when all are ASCII without a comma (UUIDs: the common case), else "J" + JSON in UTF-8. */
function idsBytes(ids: readonly string[]): Buffer {
  if (ids.length === 0) return Buffer.alloc(0);
  let plain = true;
  for (const id of ids) if (id.length === 0 || id.includes(',')) plain = false;
  const joined = plain ? 'C' + ids.join(',') : '';
  if (plain && Buffer.byteLength(joined, 'utf8') === joined.length) return Buffer.from(joined, 'latin1');
  return Buffer.from('J' + JSON.stringify(ids), 'utf8');
}

function parseIds(buf: Buffer, start: number, end: number): string[] {
  if (end <= start) return [];
  if (buf[start] === 0x43) return buf.toString('latin1', start + 1, end).split(','); // "C"
  return JSON.parse(buf.toString('utf8', start + 1, end)) as string[];
}

/** Encodes a state row; `decodeStateRow(encodeStateRow(x))` deep-equals `JSON.parse(JSON.stringify(x))`. */
export function encodeStateRow<S>(row: PackedRow<S>): Buffer {
  const table = new ArrayTable();
  const skeleton = Buffer.from(JSON.stringify(strip(row.state, table)), 'utf8');
  const arrays = table.arrays;
  const ids = idsBytes(row.recentCheckIns);
  const kinds = arrays.map(kindOf);
  let size = 3 + 4 + skeleton.length + 4 + 4 + ids.length;
  for (let i = 0; i < arrays.length; i++) size += 5 + payloadBytes(kinds[i], arrays[i].length);
  const buf = Buffer.allocUnsafe(size);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  buf[0] = MAGIC_0;
  buf[1] = MAGIC_1;
  buf[2] = FORMAT;
  let o = 3;
  dv.setUint32(o, skeleton.length, true);
  o += 4;
  skeleton.copy(buf, o);
  o += skeleton.length;
  dv.setUint32(o, arrays.length, true);
  o += 4;
  for (let i = 0; i < arrays.length; i++) {
    const a = arrays[i];
    const kind = kinds[i];
    buf[o] = kind;
    dv.setUint32(o + 1, a.length, true);
    o += 5;
    if (kind === K_F64) {
      for (let j = 0; j < a.length; j++, o += 8) dv.setFloat64(o, a[j], true);
    } else if (kind === K_I32) {
      for (let j = 0; j < a.length; j++, o += 4) dv.setInt32(o, a[j], true);
    } else if (kind === K_TIMES) {
      dv.setFloat64(o, a[0], true);
      o += 8;
      for (let j = 1; j < a.length; j++, o += 4) dv.setUint32(o, a[j] - a[j - 1], true);
    } else {
      for (let j = 0; j < a.length; j++, o += 4) dv.setInt32(o, Math.round(a[j] * 10), true);
    }
  }
  dv.setUint32(o, ids.length, true);
  o += 4;
  ids.copy(buf, o);
  return buf;
}

export class StateCodecError extends Error {
  override readonly name = 'StateCodecError';
}

export function decodeStateRow<S>(bytes: Uint8Array): PackedRow<S> {
  if (!isPackedState(bytes)) throw new StateCodecError('not a packed state');
  if (bytes[2] !== FORMAT) throw new StateCodecError(`unknown packed state format ${bytes[2]}`);
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let o = 3;
  const skeletonLength = dv.getUint32(o, true);
  o += 4;
  const skeleton = JSON.parse(buf.toString('utf8', o, o + skeletonLength)) as unknown;
  o += skeletonLength;
  const count = dv.getUint32(o, true);
  o += 4;
  const arrays = new Array<number[]>(count);
  for (let i = 0; i < count; i++) {
    const kind = buf[o];
    const n = dv.getUint32(o + 1, true);
    o += 5;
    const a = new Array<number>(n);
    if (kind === K_F64) {
      for (let j = 0; j < n; j++, o += 8) a[j] = dv.getFloat64(o, true);
    } else if (kind === K_I32) {
      for (let j = 0; j < n; j++, o += 4) a[j] = dv.getInt32(o, true);
    } else if (kind === K_TIMES) {
      let t = dv.getFloat64(o, true);
      o += 8;
      a[0] = t;
      for (let j = 1; j < n; j++, o += 4) a[j] = t += dv.getUint32(o, true);
    } else if (kind === K_TENTHS) {
      for (let j = 0; j < n; j++, o += 4) a[j] = dv.getInt32(o, true) / 10;
    } else {
      throw new StateCodecError(`unknown array kind ${kind}`);
    }
    arrays[i] = a;
  }
  const idsLength = dv.getUint32(o, true);
  o += 4;
  const recentCheckIns = parseIds(buf, o, o + idsLength);
  return { state: restore(skeleton, new DecodedArrays(arrays)) as S, recentCheckIns };
}
