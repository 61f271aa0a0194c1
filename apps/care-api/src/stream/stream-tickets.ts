import { createHash, randomBytes } from 'crypto';
import type Redis from 'ioredis';
import type { VigilClaims } from '@vigil/contracts';
import { ProblemException } from '@vigil/http';

/** What a ticket stands for: the verified claims of the token that asked for it, and when that token expires. */
export interface StreamTicketGrant {
  claims: VigilClaims;
  /** The token's `exp` in ms: the stream it opens ends then, as it would have with the token. */
  tokenExpiresAtMs: number;
}

export interface IssuedTicket {
  ticket: string;
  expiresAt: string;
}

/**
 * Short-lived, single-use stream tickets (EventSource cannot send a header, and a bearer token in a
 * URL ends up in proxy logs and browser history). A ticket is 32 random bytes; Redis keeps only its
 * SHA-256, so every instance can redeem it and a Redis dump holds nothing usable. Redeeming is
 * GETDEL: atomic, so one ticket opens at most one stream, on whichever instance comes first.
 */
export class StreamTickets {
  constructor(
    private readonly redis: Redis,
    private readonly opts: { keyPrefix: string; ttlSeconds: number },
  ) {}

  private key(ticket: string): string {
    return `${this.opts.keyPrefix}stream-ticket:${createHash('sha256').update(ticket).digest('base64url')}`;
  }

  async issue(grant: StreamTicketGrant, now = Date.now()): Promise<IssuedTicket> {
    const ticket = randomBytes(32).toString('base64url');
    // A ticket never outlives the token it was issued for.
    const ttlMs = Math.min(this.opts.ttlSeconds * 1000, grant.tokenExpiresAtMs - now);
    if (ttlMs < 1000) throw ProblemException.of('unauthorized', 'the token expires too soon to issue a stream ticket');
    await this.redis.set(this.key(ticket), JSON.stringify(grant), 'PX', Math.floor(ttlMs));
    return { ticket, expiresAt: new Date(now + ttlMs).toISOString() };
  }

  /** The grant of an unused, unexpired ticket (and it is used up from now on); else null. */
  async redeem(ticket: string): Promise<StreamTicketGrant | null> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(ticket)) return null;
    const raw = await this.redis.getdel(this.key(ticket));
    if (raw === null) return null;
    return JSON.parse(raw) as StreamTicketGrant;
  }
}
