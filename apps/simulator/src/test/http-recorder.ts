/**
 * Test support: records every check-in request the feed makes (through the global `fetch`) and its
 * answer, so a test can check what went over the wire: which checkInIds and bodies each attempt
 * carried, the status (per item for a batch) and the Retry-After the server gave.
 */
export interface Exchange {
  batch: boolean;
  /** checkInId -> the item exactly as sent (JSON). */
  sent: Map<string, string>;
  sentAt: number;
  answeredAt: number;
  /** HTTP status; 0 when the request failed without an answer. */
  status: number;
  retryAfter: string | null;
  /** For a batch answered 200: checkInId -> the item's status. */
  items: Map<string, number>;
}

export class HttpRecorder {
  readonly exchanges: Exchange[] = [];
  inFlight = 0;
  private spy: jest.SpyInstance | null = null;

  /** Starts recording requests whose URL starts with `${base}/v1/check-ins`; the rest pass through. */
  install(base: string): void {
    const real = globalThis.fetch;
    const prefix = `${base.replace(/\/$/, '')}/v1/check-ins`;
    this.spy = jest.spyOn(globalThis, 'fetch').mockImplementation(async (input, init) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (!url.startsWith(prefix)) return real(input, init);
      const batch = url.endsWith(':batch');
      const body = JSON.parse(String(init?.body)) as { checkInId: string } | { items: { checkInId: string }[] };
      const list = 'items' in body ? body.items : [body];
      const e: Exchange = {
        batch,
        sent: new Map(list.map((c) => [c.checkInId, JSON.stringify(c)])),
        sentAt: Date.now(),
        answeredAt: 0,
        status: 0,
        retryAfter: null,
        items: new Map(),
      };
      this.exchanges.push(e);
      this.inFlight++;
      try {
        const res = await real(input, init);
        e.answeredAt = Date.now();
        e.status = res.status;
        e.retryAfter = res.headers.get('retry-after');
        if (batch && res.status === 200) {
          const results = ((await res.clone().json()) as { results: { checkInId: string; status: number }[] }).results;
          for (const r of results) e.items.set(r.checkInId, r.status);
        }
        return res;
      } catch (err) {
        e.answeredAt = Date.now();
        throw err;
      } finally {
        this.inFlight--;
      }
    });
  }

  uninstall(): void {
    this.spy?.mockRestore();
    this.spy = null;
  }

  /** The status this exchange gave `checkInId` (its item status in a batch answered 200). */
  static statusOf(e: Exchange, checkInId: string): number {
    return e.batch && e.status === 200 ? (e.items.get(checkInId) ?? 0) : e.status;
  }
}
