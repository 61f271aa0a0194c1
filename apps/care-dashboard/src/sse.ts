/**
 * care-api's event streams over fetch (EventSource cannot send an Authorization header), parsed by
 * `eventsource-parser`, with our own reconnection: every attempt sends `Last-Event-ID` = the id of
 * the last event seen (an event's cursor, or the position of the last `ready`), so care-api first
 * replays everything missed, in order, then goes live.
 */
import { createParser } from 'eventsource-parser';

export interface SseMessage {
  /** `message` unless the server named it. */
  event: string;
  data: string;
  /** The last event id in force (this event's id, or the one before it). */
  id: string;
}

/**
 * Opens one stream: the only place that knows how a stream request is authorised. Today the bearer
 * token goes in the Authorization header; single-use stream tickets (`POST /v1/alerts/stream-tickets`,
 * then `?ticket=`) would replace just this function.
 */
export async function openEventStream(
  url: string,
  ticketUrl: string,
  token: string | null,
  lastEventId: string | null,
  signal: AbortSignal,
): Promise<Response> {
  // The token buys a short-lived, single-use ticket; only the ticket goes into the stream's URL.
  const issued = await fetch(ticketUrl, { method: 'POST', headers: token ? { authorization: `Bearer ${token}` } : {}, signal, cache: 'no-store' });
  if (!issued.ok) return issued; // 401/403/429/503 are handled like the stream's own answers
  const { ticket } = (await issued.json()) as { ticket: string };
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (lastEventId) headers['last-event-id'] = lastEventId;
  return fetch(`${url}${url.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket)}`, { headers, signal, cache: 'no-store' });
}

export type StreamState =
  | { kind: 'connecting'; since: number }
  | { kind: 'live'; since: number }
  | { kind: 'offline'; since: number; retryAt: number; reason: string }
  | { kind: 'stopped'; reason: string };

export interface StreamOptions {
  url: string;
  /** POST here (with the token) for a single-use stream ticket: no bearer token is ever part of a URL. */
  ticketUrl: string;
  token: () => string | null;
  onMessage: (m: SseMessage) => void;
  onState: (s: StreamState) => void;
  /** 401/403: retrying cannot help. */
  onAuthFailure: (status: number) => void;
  /** The server refused our Last-Event-ID (400): the caller reloads its lists, we go on from "now". */
  onResumeRefused?: () => void;
  /** No byte for this long (heartbeats come every 15 s): the connection is dead even if TCP says not. */
  idleTimeoutMs?: number;
  /** Reconnect delays: first `retry:` from the server (else minDelayMs), doubling to maxDelayMs, with jitter. */
  minDelayMs?: number;
  maxDelayMs?: number;
}

/** One event stream (the alerts, or the worklist), kept open: reconnects with backoff and resumes where it was. */
export class EventStreamClient {
  lastEventId: string | null = null;
  private state: StreamState = { kind: 'stopped', reason: 'not started' };
  private abort: AbortController | null = null;
  private timer: number | null = null;
  private failures = 0;
  private serverRetryMs: number | null = null;
  private running = false;

  constructor(private readonly opts: StreamOptions) {
    window.addEventListener('online', () => this.reconnectNow());
  }

  get current(): StreamState {
    return this.state;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    void this.connect();
  }

  stop(reason = 'signed out'): void {
    this.running = false;
    this.clearTimer();
    this.abort?.abort();
    this.abort = null;
    this.setState({ kind: 'stopped', reason });
  }

  /** Skips the wait (the "Reconnect now" button, or the browser saying it is online again). */
  reconnectNow(): void {
    if (!this.running || this.state.kind !== 'offline') return;
    this.clearTimer();
    void this.connect();
  }

  private setState(s: StreamState): void {
    this.state = s;
    this.opts.onState(s);
  }

  private clearTimer(): void {
    if (this.timer !== null) window.clearTimeout(this.timer);
    this.timer = null;
  }

  private scheduleReconnect(reason: string, retryAfterMs?: number): void {
    if (!this.running) return;
    this.failures++;
    const min = this.serverRetryMs ?? this.opts.minDelayMs ?? 1000;
    const max = this.opts.maxDelayMs ?? 10_000;
    const backoff = Math.min(max, min * 2 ** Math.min(this.failures - 1, 10));
    // Jitter (50-100 %) so that a restarted server is not hit by every dashboard at once.
    const delay = retryAfterMs ?? Math.round(backoff * (0.5 + Math.random() * 0.5));
    const since = this.state.kind === 'offline' ? this.state.since : Date.now();
    this.setState({ kind: 'offline', since, retryAt: Date.now() + delay, reason });
    this.clearTimer();
    this.timer = window.setTimeout(() => void this.connect(), delay);
  }

  private async connect(): Promise<void> {
    if (!this.running) return;
    this.timer = null;
    const abort = new AbortController();
    this.abort = abort;
    if (this.state.kind !== 'offline') this.setState({ kind: 'connecting', since: Date.now() });
    let idle: number | null = null;
    const idleMs = this.opts.idleTimeoutMs ?? 45_000;
    const touch = () => {
      if (idle !== null) window.clearTimeout(idle);
      idle = window.setTimeout(() => abort.abort(new DOMException('no data or heartbeat', 'TimeoutError')), idleMs);
    };
    try {
      touch();
      const res = await openEventStream(this.opts.url, this.opts.ticketUrl, this.opts.token(), this.lastEventId, abort.signal);
      if (res.status === 401 || res.status === 403) {
        this.running = false;
        this.setState({ kind: 'stopped', reason: res.status === 401 ? 'sign-in expired or invalid' : 'not allowed' });
        this.opts.onAuthFailure(res.status);
        return;
      }
      if (res.status === 400 && this.lastEventId) {
        // Not a position this stream knows (e.g. another environment's): start afresh, and reload lists.
        this.lastEventId = null;
        this.opts.onResumeRefused?.();
        this.scheduleReconnect('the resume position was refused', 0);
        return;
      }
      if (!res.ok || !res.body) {
        const ra = Number(res.headers.get('retry-after'));
        this.scheduleReconnect(`the server answered ${res.status}`, Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined);
        return;
      }
      const parser = createParser({
        onEvent: (m) => {
          if (m.id !== undefined) this.lastEventId = m.id || null;
          if (m.event === 'ready') {
            this.failures = 0;
            this.setState({ kind: 'live', since: Date.now() });
          }
          this.opts.onMessage({ event: m.event || 'message', data: m.data, id: this.lastEventId ?? '' });
        },
        onRetry: (ms) => (this.serverRetryMs = ms),
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        touch();
        parser.feed(value);
      }
      this.scheduleReconnect('the stream ended');
    } catch {
      if (!this.running || this.abort !== abort) return;
      this.scheduleReconnect(abort.signal.aborted ? 'no heartbeat from the server' : 'the care server cannot be reached');
    } finally {
      if (idle !== null) window.clearTimeout(idle);
    }
  }
}
