import { createHmac, timingSafeEqual } from 'crypto';
import { ProblemException } from './problem';

/**
 * Opaque, signed page cursors. A cursor is `<payload>.<mac>`: the payload is base64url JSON that
 * only the server reads back, the mac an HMAC-SHA256 over the payload AND what the cursor is bound
 * to (the endpoint, the caller's tenant, the query's filters), none of which travels in the cursor.
 * So a cursor cannot be forged, edited, replayed under another tenant or reused with other filters:
 * each of those fails the mac and is the same 400. What the payload says (a window, a position) is
 * still checked by the endpoint against the limits it applies to query parameters.
 */
export interface CursorBinding {
  /** The endpoint (and its resource), e.g. `observations:<patientId>`. */
  scope: string;
  /** The caller's organisation: a cursor of one tenant is refused under another. */
  tenantId: string;
  /** The query's filters (not the cursor or limit): a cursor is refused with other filters. */
  filters?: Record<string, string | number | boolean | undefined | null>;
}

/** Longest cursor accepted before any parsing (a query parameter, not a payload carrier). */
export const MAX_CURSOR_LENGTH = 1024;
const MIN_KEY_LENGTH = 32;
const MAC_BYTES = 32;

export function invalidCursor(message = 'invalid cursor'): ProblemException {
  return ProblemException.of('validation', 'the cursor is invalid for this query', { errors: [{ path: 'cursor', message }] });
}

function canonicalFilters(filters: CursorBinding['filters']): string {
  if (!filters) return '';
  return Object.keys(filters)
    .filter((k) => filters[k] !== undefined && filters[k] !== null)
    .sort()
    .map((k) => `${k}=${String(filters[k])}`)
    .join('&');
}

export class CursorSigner {
  private readonly keys: Buffer[];

  /** `keys[0]` signs; every key verifies (put the previous key second while rotating). */
  constructor(keys: readonly string[]) {
    if (keys.length === 0) throw new Error('cursor signing: at least one key is required');
    for (const k of keys) if (k.length < MIN_KEY_LENGTH) throw new Error(`cursor signing: keys must be at least ${MIN_KEY_LENGTH} characters`);
    this.keys = keys.map((k) => Buffer.from(k, 'utf8'));
  }

  private mac(key: Buffer, payload: string, b: CursorBinding): Buffer {
    // Length-prefixed fields: no two bindings serialise to the same bytes.
    const parts = ['vigil-cursor-v1', b.scope, b.tenantId, canonicalFilters(b.filters), payload];
    const h = createHmac('sha256', key);
    for (const p of parts) h.update(`${Buffer.byteLength(p)}:${p};`);
    return h.digest();
  }

  sign(payload: object, binding: CursorBinding): string {
    const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
    return `${body}.${this.mac(this.keys[0], body, binding).toString('base64url')}`;
  }

  /**
   * The payload of a cursor this server signed for this binding; anything else is a 400 problem
   * on `cursor` (without saying which check failed).
   */
  verify(cursor: string, binding: CursorBinding): Record<string, unknown> {
    if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) throw invalidCursor();
    const dot = cursor.indexOf('.');
    if (dot <= 0 || dot !== cursor.lastIndexOf('.')) throw invalidCursor();
    const body = cursor.slice(0, dot);
    const given = Buffer.from(cursor.slice(dot + 1), 'base64url');
    if (given.length !== MAC_BYTES || !/^[A-Za-z0-9_-]+$/.test(body)) throw invalidCursor();
    if (!this.keys.some((k) => timingSafeEqual(this.mac(k, body, binding), given))) throw invalidCursor();
    let parsed: unknown;
    try {
      parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      throw invalidCursor();
    }
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidCursor();
    return parsed as Record<string, unknown>;
  }
}
