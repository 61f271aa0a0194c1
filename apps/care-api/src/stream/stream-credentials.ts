import { AuthError, type CredentialResolver, type TokenVerifier, type VerifiedToken } from '@vigil/auth';
import type { StreamTickets } from './stream-tickets';

export const STREAM_PATH = '/v1/alerts/stream';
/** Every SSE route: they take the same credentials (a ticket opens either stream). */
export const STREAM_PATHS: ReadonlySet<string> = new Set([STREAM_PATH, '/v1/worklist/stream']);

/**
 * The SSE streams' credentials besides the Authorization header (EventSource cannot send one):
 * `?ticket=` (from POST /v1/alerts/stream-tickets; single use) and, only when configured
 * (SSE_ACCESS_TOKEN_IN_URL=true), `?access_token=` (RFC 6750 2.3; it ends up in proxy logs).
 * Every other route takes the header only.
 */
export class StreamCredentials implements CredentialResolver {
  constructor(
    private readonly tickets: StreamTickets,
    private readonly opts: { accessTokenInUrl: boolean },
  ) {}

  async resolve(request: { query?: unknown; routeOptions?: { url?: string } }, verifier: TokenVerifier): Promise<VerifiedToken | undefined> {
    if (!STREAM_PATHS.has(request.routeOptions?.url ?? '')) return undefined;
    const q = (request.query ?? {}) as Record<string, unknown>;
    const ticket = q['ticket'];
    if (ticket !== undefined) {
      if (typeof ticket !== 'string') throw new AuthError('unauthenticated', 'give one ticket', 'ticket_invalid');
      const grant = await this.tickets.redeem(ticket);
      if (!grant) throw new AuthError('unauthenticated', 'the stream ticket is unknown, used or expired; ask for a new one', 'ticket_invalid');
      return { claims: grant.claims, expiresAtMs: grant.tokenExpiresAtMs, issuedAtMs: Date.now() };
    }
    const token = q['access_token'];
    if (token !== undefined) {
      if (!this.opts.accessTokenInUrl) {
        throw new AuthError(
          'unauthenticated',
          'a token in the URL is not accepted here; open the stream with a ticket (POST /v1/alerts/stream-tickets)',
          'token_in_url',
        );
      }
      if (typeof token !== 'string') throw new AuthError('unauthenticated', 'give one access_token', 'token_malformed');
      return verifier.verifyDetailed(token);
    }
    return undefined;
  }
}
