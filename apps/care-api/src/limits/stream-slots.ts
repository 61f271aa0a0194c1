import type { ServerResponse } from 'http';
import { Injectable } from '@nestjs/common';
import { ProblemException } from '@vigil/http';
import { LimitsConfig, userKey } from './limits.config';

function bump(counts: Map<string, number>, key: string, by: 1 | -1): void {
  const n = (counts.get(key) ?? 0) + by;
  if (n <= 0) counts.delete(key);
  else counts.set(key, n);
}

/**
 * Caps on open SSE streams, per instance: in all (503: this instance is full, another may not be),
 * per organisation and per user (429: one user or tenant cannot take the slots of everyone else).
 * In memory on purpose: a stream lives on one instance, a crashed instance frees its slots with it,
 * and every instance protects itself. Every SSE route calls `hold` before it writes its headers.
 */
@Injectable()
export class StreamSlots {
  private total = 0;
  private readonly byTenant = new Map<string, number>();
  private readonly byUser = new Map<string, number>();

  constructor(private readonly limits: LimitsConfig) {}

  /** Open streams on this instance. */
  get size(): number {
    return this.total;
  }

  /**
   * Takes a slot for this response's stream, released when the response closes (however it ends,
   * refusals after this call included). Throws the 429 / 503 problem when a cap is reached.
   */
  hold(response: ServerResponse, caller: { tenantId: string; sub: string }): void {
    const release = this.take(caller.tenantId, caller.sub);
    response.once('close', release);
  }

  /** Takes a slot; the returned function gives it back (once). */
  take(tenantId: string, sub: string): () => void {
    const user = userKey(tenantId, sub);
    const retryAfterSeconds = this.limits.streamRetryAfterSeconds;
    if ((this.byUser.get(user) ?? 0) >= this.limits.streamsPerUser) {
      throw ProblemException.of('rateLimited', `you have ${this.limits.streamsPerUser} open streams, the most allowed; close one first`, { retryAfterSeconds });
    }
    if ((this.byTenant.get(tenantId) ?? 0) >= this.limits.streamsPerTenant) {
      throw ProblemException.of('rateLimited', "your organisation's streams on this instance are at their limit; retry later", { retryAfterSeconds });
    }
    if (this.total >= this.limits.streamsPerInstance) {
      throw ProblemException.of('unavailable', 'too many open streams on this instance; retry', { retryAfterSeconds });
    }
    this.total++;
    bump(this.byTenant, tenantId, 1);
    bump(this.byUser, user, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.total--;
      bump(this.byTenant, tenantId, -1);
      bump(this.byUser, user, -1);
    };
  }
}
