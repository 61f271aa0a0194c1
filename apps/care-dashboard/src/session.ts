import type { TokenClaims } from './types';

/**
 * The pasted token lives in sessionStorage: it survives a reload of this tab, not the closing of the
 * browser, and is not shared with other tabs (each signs in). The page only *reads* the claims, to
 * greet the user and offer their teams as filters; care-api verifies the token on every request.
 */
const KEY = 'vigil.dashboard.token';

export class SessionError extends Error {}

function base64UrlJson(part: string): unknown {
  const b64 = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as unknown;
}

export function readClaims(token: string): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new SessionError('That is not a token: a token has three parts separated by dots.');
  let payload: Record<string, unknown>;
  try {
    payload = base64UrlJson(parts[1]) as Record<string, unknown>;
  } catch {
    throw new SessionError('That token cannot be read. Copy the whole line the mint command printed.');
  }
  const teams = Array.isArray(payload['teams']) ? payload['teams'].filter((t): t is string => typeof t === 'string') : [];
  const claims: TokenClaims = {
    sub: String(payload['sub'] ?? ''),
    role: String(payload['role'] ?? ''),
    org: String(payload['org'] ?? ''),
    teams,
  };
  if (typeof payload['exp'] === 'number') claims.exp = payload['exp'];
  if (claims.role !== 'care-manager' && claims.role !== 'care-admin') {
    throw new SessionError(`This dashboard is for care managers and care admins; this token's role is "${claims.role || 'none'}".`);
  }
  if (claims.exp !== undefined && claims.exp * 1000 <= Date.now()) throw new SessionError('This token has expired. Mint a new one.');
  return claims;
}

export interface Session {
  token: string;
  claims: TokenClaims;
}

export function loadSession(): Session | null {
  const token = sessionStorage.getItem(KEY);
  if (!token) return null;
  try {
    return { token, claims: readClaims(token) };
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

export function saveSession(raw: string): Session {
  const token = raw.trim().replace(/^Bearer\s+/i, '');
  const claims = readClaims(token);
  sessionStorage.setItem(KEY, token);
  return { token, claims };
}

export function clearSession(): void {
  sessionStorage.removeItem(KEY);
}
