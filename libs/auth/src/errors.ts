/**
 * Why a request was refused. The Nest guard turns these into 401 / 403 / 503; other callers
 * (an SSE handshake, a CLI) can map them their own way.
 */
export type AuthFailureKind =
  /** no token, malformed, bad signature, wrong issuer/audience, expired, bad claims: 401 */
  | 'unauthenticated'
  /** a valid token that may not do this (role, tenant): 403 */
  | 'forbidden'
  /** the key source (JWKS endpoint) could not be reached: 503 */
  | 'unavailable';

export class AuthError extends Error {
  constructor(
    readonly kind: AuthFailureKind,
    /** Safe to return to the caller: never contains the token. */
    message: string,
    /** Machine code, e.g. `token_expired`, for logs and metrics labels. */
    readonly code: string,
  ) {
    super(message);
    this.name = 'AuthError';
  }
}
