/**
 * An alert-stream client that behaves like the dashboard in a browser: when the stream ends or the
 * connection fails it waits 1-2 s and reconnects with `Last-Event-ID` = the last id it saw, trying
 * the care-api instances in turn (a load balancer moving it to a live instance). It counts every
 * `alert` event per alert event id, so a gap or a duplicate shows.
 */
import { openSse, type SseClientConnection } from '@vigil/http';

export interface ReceivedAlert {
  eventId: string;
  alertId: string;
  type: string;
  patientId: string;
}

export class ReconnectingAlertClient {
  /** Every alert event received, in order (duplicates included). */
  readonly received: ReceivedAlert[] = [];
  reconnects = 0;
  private lastEventId: string | undefined;
  private conn: SseClientConnection | undefined;
  private closed = false;
  private loop: Promise<void> | undefined;
  private next = 0;
  /** Ends the wait for the current connection (close() cuts it, and openSse does not report a close of ours). */
  private endCurrent: () => void = () => undefined;

  constructor(
    readonly name: string,
    private readonly baseUrls: () => string[],
    private readonly token: () => Promise<string>,
  ) {}

  /** Opens the stream and resolves once the first `ready` arrived. */
  async start(): Promise<void> {
    let readyOnce!: () => void;
    const ready = new Promise<void>((r) => (readyOnce = r));
    this.loop = this.run(readyOnce);
    await ready;
  }

  close(): Promise<void> {
    this.closed = true;
    this.conn?.close();
    this.endCurrent();
    return this.loop ?? Promise.resolve();
  }

  /** Alert event ids received more than once. */
  duplicates(): string[] {
    const seen = new Map<string, number>();
    for (const a of this.received) seen.set(a.eventId, (seen.get(a.eventId) ?? 0) + 1);
    return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
  }

  private async run(onFirstReady: () => void): Promise<void> {
    while (!this.closed) {
      const urls = this.baseUrls();
      const url = urls[this.next++ % urls.length];
      try {
        const token = await this.token();
        await new Promise<void>((resolve) => {
          this.endCurrent = resolve;
          openSse(`${url}/v1/alerts/stream`, {
            headers: { authorization: `Bearer ${token}` },
            lastEventId: this.lastEventId,
            onEvent: (e) => {
              if (e.lastEventId) this.lastEventId = e.lastEventId;
              if (e.event === 'ready') onFirstReady();
              if (e.event !== 'alert') return;
              const d = JSON.parse(e.data) as ReceivedAlert;
              this.received.push({ eventId: d.eventId, alertId: d.alertId, type: d.type, patientId: d.patientId });
            },
            onEnd: () => resolve(),
          }).then(
            (c) => {
              this.conn = c;
              if (c.status !== 200 || c.ended || this.closed) {
                c.close();
                resolve();
              }
            },
            () => resolve(),
          );
        });
      } catch {
        // a token or connection failure: reconnect below, as a browser would
      }
      if (this.closed) return;
      this.reconnects++;
      await new Promise((r) => setTimeout(r, 1000 + Math.floor(Math.random() * 1000)));
    }
  }
}
