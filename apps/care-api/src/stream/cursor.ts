/**
 * Stream cursors: the ids Redis assigns on XADD (`<ms>-<seq>`), one total order per tenant. They are
 * the SSE `id:` of every alert event and what a client sends back as Last-Event-ID.
 */
export const ZERO_CURSOR = '0-0';
const CURSOR = /^(\d{1,16})-(\d{1,19})$/;

export interface CursorParts {
  ms: bigint;
  seq: bigint;
}

export function parseCursor(s: string): CursorParts | null {
  const m = CURSOR.exec(s);
  if (!m) return null;
  return { ms: BigInt(m[1]), seq: BigInt(m[2]) };
}

export function isCursor(s: unknown): s is string {
  return typeof s === 'string' && CURSOR.test(s);
}

function parts(s: string): CursorParts {
  const p = parseCursor(s);
  if (!p) throw new Error(`not a stream cursor: ${JSON.stringify(s.slice(0, 40))}`);
  return p;
}

/** <0, 0, >0 like a comparator; both must be valid cursors. */
export function compareCursors(a: string, b: string): number {
  if (a === b) return 0;
  const x = parts(a);
  const y = parts(b);
  if (x.ms !== y.ms) return x.ms < y.ms ? -1 : 1;
  if (x.seq !== y.seq) return x.seq < y.seq ? -1 : 1;
  return 0;
}

export function maxCursor(a: string, b: string): string {
  return compareCursors(a, b) >= 0 ? a : b;
}

/** Milliseconds part as a number (cursors come from Redis server time: well within 2^53). */
export function cursorMs(s: string): number {
  return Number(parts(s).ms);
}
