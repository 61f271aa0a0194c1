/**
 * Opaque keyset cursors for paged range reads: the position of the last row returned
 * (its device time and check-in id), base64url JSON. Unlike the driver's paging state they do not
 * depend on the query, the bucket or the server version, and never expire.
 */
export interface KeysetPosition {
  /** recorded_at of the last row returned, epoch ms. */
  t: number;
  /** check_in_id of the last row returned. */
  c: string;
}

export class InvalidCursorError extends Error {
  constructor() {
    super('invalid cursor');
    this.name = 'InvalidCursorError';
  }
}

export function encodeCursor(p: KeysetPosition): string {
  return Buffer.from(JSON.stringify({ v: 1, t: p.t, c: p.c })).toString('base64url');
}

const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function decodeCursor(cursor: string): KeysetPosition {
  try {
    const o = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (o['v'] === 1 && Number.isSafeInteger(o['t']) && typeof o['c'] === 'string' && UUID.test(o['c'])) {
      return { t: o['t'] as number, c: o['c'] };
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}
