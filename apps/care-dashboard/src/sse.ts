/**
 * The alert stream over fetch, with our own reconnection. Every attempt first exchanges the token
 * for a single-use stream ticket (POST /v1/alerts/stream-tickets) and opens the stream with
 * `?ticket=`, so no bearer token is ever part of a URL. Every attempt also every attempt sends `Last-Event-ID` = the id of the last event seen (an `alert`'s
 * cursor, or the position of the last `ready`), so care-api first replays everything missed, in
 * order, then goes live.
 */

export interface SseMessage {
  event: string;
  data: string;
  id: string;
}

/** Incremental text/event-stream parser (the WHATWG rules the dashboard needs). */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id = '';
  lastEventId = '';
  retryMs: number | null = null;

  constructor(private readonly onMessage: (m: SseMessage) => void) {}

  push(chunk: string): void {
    this.buffer += chunk;
    for (;;) {
      const i = this.buffer.search(/\r\n|\r|\n/);
      if (i < 0) return;
      // A CR as the last character may be half of a CRLF: wait for the next chunk.
      if (this.buffer[i] === '\r' && i === this.buffer.length - 1) return;
      const line = this.buffer.slice(0, i);
      this.buffer = this.buffer.slice(i + (this.buffer.startsWith('\r\n', i) ? 2 : 1));
      this.line(line);
    }
  }

  private line(line: string): void {
    if (line === '') return this.dispatch();
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
  }

  private dispatch(): void {
    this.lastEventId = this.id;
    if (this.data.length) this.onMessage({ event: this.event || 'message', data: this.data.join('\n'), id: this.lastEventId });
    this.data = [];
    this.event = '';
  }
}

export type StreamState =
  | { kind: 'connecting'; since: number }
  | { kind: 'live'; since: number }
  | { kind: 'offline'; since: number; retryAt: number; reason: string }
  | { kind: 'stopped'; reason: string };

export interface StreamOptions {
  url: string;
  /** POST here (with the bearer token) for a single-use ticket that opens `url` once. */
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

export class AlertStreamClient {
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
    const token = this.opts.token();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.lastEventId) headers['last-event-id'] = this.lastEventId;
    let idle: number | null = null;
    const idleMs = this.opts.idleTimeoutMs ?? 45_000;
    const touch = () => {
      if (idle !== null) window.clearTimeout(idle);
      idle = window.setTimeout(() => abort.abort(new DOMException('no data or heartbeat', 'TimeoutError')), idleMs);
    };
    const authFailed = (status: number) => {
      this.running = false;
      this.setState({ kind: 'stopped', reason: status === 401 ? 'sign-in expired or invalid' : 'not allowed' });
      this.opts.onAuthFailure(status);
    };
    try {
      touch();
      const issued = await fetch(this.opts.ticketUrl, {
        method: 'POST',
        headers: token ? { authorization: `Bearer ${token}` } : {},
        signal: abort.signal,
        cache: 'no-store',
      });
      if (issued.status === 401 || issued.status === 403) return authFailed(issued.status);
      if (!issued.ok) {
        const ra = Number(issued.headers.get('retry-after'));
        this.scheduleReconnect(`the server answered ${issued.status}`, Number.isFinite(ra) && ra > 0 ? ra * 1000 : undefined);
        return;
      }
      const { ticket } = (await issued.json()) as { ticket: string };
      const res = await fetch(`${this.opts.url}?ticket=${encodeURIComponent(ticket)}`, { headers, signal: abort.signal, cache: 'no-store' });
      if (res.status === 401 || res.status === 403) return authFailed(res.status);
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
      const parser = new SseParser((m) => {
        if (m.id) this.lastEventId = m.id;
        if (m.event === 'ready') {
          this.failures = 0;
          this.setState({ kind: 'live', since: Date.now() });
        }
        this.opts.onMessage(m);
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        touch();
        parser.push(value);
        if (parser.retryMs !== null) this.serverRetryMs = parser.retryMs;
        // An id without an event (or before `ready`) still moves the resume position.
        if (parser.lastEventId) this.lastEventId = parser.lastEventId;
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
