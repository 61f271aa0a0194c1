import http from 'http';
import https from 'https';
import { createParser, type EventSourceParser } from 'eventsource-parser';

/**
 * Server-Sent Events (WHATWG HTML, "Server-sent events"): the wire format on the server side and
 * a small client for tests, benchmarks and tools (the dashboard reads streams with eventsource-parser too).
 */
export interface SseMessage {
  /** `id:` (the client's Last-Event-ID from then on). Must not contain CR, LF or NUL. */
  id?: string;
  /** `event:` (EventSource dispatches it to listeners of that name; default `message`). */
  event?: string;
  /** `data:`; strings as they are (split on line breaks), anything else as JSON. */
  data?: unknown;
  /** `retry:` reconnection time in ms. */
  retry?: number;
}

const FORBIDDEN = /[\r\n\0]/;

/** One SSE message, terminated by the blank line. */
export function formatSseMessage(m: SseMessage): string {
  let out = '';
  if (m.event !== undefined) {
    if (FORBIDDEN.test(m.event)) throw new Error('SSE event name contains a line break');
    out += `event: ${m.event}\n`;
  }
  if (m.id !== undefined) {
    if (FORBIDDEN.test(m.id)) throw new Error('SSE id contains a line break');
    out += `id: ${m.id}\n`;
  }
  if (m.retry !== undefined) out += `retry: ${Math.max(0, Math.floor(m.retry))}\n`;
  if (m.data !== undefined) {
    const text = typeof m.data === 'string' ? m.data : JSON.stringify(m.data);
    for (const line of text.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  }
  return `${out}\n`;
}

/** A comment line (`: text`): ignored by clients, keeps proxies from closing an idle stream. */
export function formatSseComment(text: string): string {
  return `: ${text.replace(/[\r\n]+/g, ' ')}\n\n`;
}

/** The headers of an event stream: no caching, no proxy buffering (nginx honours X-Accel-Buffering). */
export const SSE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache, no-transform',
  'x-accel-buffering': 'no',
  connection: 'keep-alive',
};

/** A dispatched event as a client sees it. */
export interface SseEvent {
  /** `message` unless the server named it. */
  event: string;
  data: string;
  /** The id in force when the event was dispatched (the client's last event id). */
  lastEventId: string;
  /** `Date.now()` when the event was parsed: for latency measurements. */
  receivedAt: number;
}

/**
 * Reads an event stream with `eventsource-parser` (the maintained WHATWG parser; the dashboard uses
 * the same one): feed it chunks, it calls back per dispatched event and per comment. It keeps the
 * last event id across events, as EventSource does (the library reports each event's own `id`).
 * Unlike EventSource, an `id:` in a block without `data:` is not seen: care-api never sends one.
 */
export class SseParser {
  private readonly parser: EventSourceParser;
  lastEventId = '';

  constructor(onEvent: (e: SseEvent) => void, onComment: (text: string) => void = () => undefined) {
    this.parser = createParser({
      onEvent: (m) => {
        if (m.id !== undefined) this.lastEventId = m.id;
        onEvent({ event: m.event || 'message', data: m.data, lastEventId: this.lastEventId, receivedAt: Date.now() });
      },
      onComment: (c) => onComment(c.trimStart()),
    });
  }

  push(chunk: string): void {
    this.parser.feed(chunk);
  }
}

export interface SseClientOptions {
  headers?: Record<string, string>;
  /** Sent as the Last-Event-ID header. */
  lastEventId?: string;
  onEvent?: (e: SseEvent) => void;
  onComment?: (text: string) => void;
  /** Called once when the stream ends or fails (not after close()). */
  onEnd?: (error?: Error) => void;
  agent?: http.Agent;
}

export interface SseClientConnection {
  status: number;
  headers: http.IncomingHttpHeaders;
  /** The body of a non-2xx answer (e.g. problem+json); '' for an event stream. */
  body: string;
  events: SseEvent[];
  comments: string[];
  readonly lastEventId: string;
  readonly ended: boolean;
  /** Waits until `predicate(events)` holds (polls on every event), or rejects after timeoutMs. */
  waitFor(predicate: (events: SseEvent[]) => boolean, timeoutMs?: number, what?: string): Promise<SseEvent[]>;
  close(): void;
}

/**
 * Opens an event stream (Node http/https, no reconnection: tests reconnect explicitly with
 * `lastEventId`). Resolves once the response headers arrived; a non-2xx answer resolves with its
 * status and body.
 */
export function openSse(url: string, opts: SseClientOptions = {}): Promise<SseClientConnection> {
  const u = new URL(url);
  const lib = u.protocol === 'https:' ? https : http;
  const headers: Record<string, string> = { accept: 'text/event-stream', ...opts.headers };
  if (opts.lastEventId !== undefined) headers['last-event-id'] = opts.lastEventId;
  return new Promise((resolve, reject) => {
    const events: SseEvent[] = [];
    const comments: string[] = [];
    const waiters = new Set<() => void>();
    let ended = false;
    let closedByUs = false;
    const notify = () => {
      for (const w of [...waiters]) w();
    };
    const parser = new SseParser(
      (e) => {
        events.push(e);
        opts.onEvent?.(e);
        notify();
      },
      (c) => {
        comments.push(c);
        opts.onComment?.(c);
        notify();
      },
    );
    const req = lib.request(u, { method: 'GET', headers, agent: opts.agent }, (res) => {
      const status = res.statusCode ?? 0;
      let body = '';
      const conn: SseClientConnection = {
        status,
        headers: res.headers,
        get body() {
          return body;
        },
        events,
        comments,
        get lastEventId() {
          return parser.lastEventId;
        },
        get ended() {
          return ended;
        },
        waitFor(predicate, timeoutMs = 10_000, what = 'SSE events') {
          return new Promise<SseEvent[]>((ok, fail) => {
            const check = () => {
              if (predicate(events)) {
                cleanup();
                ok(events);
              } else if (ended) {
                cleanup();
                fail(new Error(`stream ended while waiting for ${what} (got ${events.length} events)`));
              }
            };
            const timer = setTimeout(() => {
              cleanup();
              fail(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (got ${events.length} events)`));
            }, timeoutMs);
            const cleanup = () => {
              clearTimeout(timer);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          });
        },
        close() {
          closedByUs = true;
          req.destroy();
        },
      };
      res.setEncoding('utf8');
      const isStream = status >= 200 && status < 300;
      res.on('data', (chunk: string) => {
        if (isStream) parser.push(chunk);
        else body += chunk;
      });
      const finish = (error?: Error) => {
        if (ended) return;
        ended = true;
        notify();
        if (!closedByUs) opts.onEnd?.(error);
      };
      res.on('end', () => finish());
      res.on('error', (e) => finish(e));
      res.on('close', () => finish());
      if (isStream) resolve(conn);
      else res.on('end', () => resolve(conn));
    });
    req.on('error', (e) => {
      if (!closedByUs) reject(e);
    });
    req.end();
  });
}
