import { connect } from 'net';

export interface RawHttpAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** Everything the server wrote before it closed (or before the timeout). */
  raw: string;
}

/**
 * Sends bytes exactly as given on a fresh TCP connection and reads the answer until the server
 * closes or `timeoutMs` passes: for requests no HTTP client would send (smuggling shapes, bare LF,
 * oversized headers). Parses one HTTP/1.1 answer; a body is read by Content-Length.
 */
export function rawHttp(url: string, request: string | Buffer, timeoutMs = 5000): Promise<RawHttpAnswer> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port) });
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = () => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      const raw = Buffer.concat(chunks).toString('utf8');
      const end = raw.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no HTTP answer: ${JSON.stringify(raw.slice(0, 200))}`));
      const [statusLine, ...lines] = raw.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      const length = Number(headers['content-length'] ?? NaN);
      const rest = raw.slice(end + 4);
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: Number.isFinite(length) ? rest.slice(0, length) : rest, raw });
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('data', (d: Buffer) => {
      chunks.push(d);
      // One answer is enough: stop once the headers and the announced body are in.
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const m = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, end));
      if (end >= 0 && m && Buffer.byteLength(text.slice(end + 4)) >= Number(m[1])) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (e) => (chunks.length ? finish() : !settled && ((settled = true), clearTimeout(timer), reject(e))));
    socket.write(request);
  });
}

/**
 * Requests every HTTP service must refuse before routing, each with the status it must answer:
 * the HTTP parser's refusals (smuggling shapes, bare LF, bad chunk size, oversized headers) and the
 * router's (bad percent-encoding). `path` is a route of the service under test (POST-able for the
 * body cases does not matter: the parser refuses before routing).
 */
export function frameworkRefusalCases(path: string): { name: string; request: string; status: number; detail: RegExp }[] {
  const host = 'Host: 127.0.0.1\r\n';
  return [
    { name: 'oversized headers', request: `GET ${path} HTTP/1.1\r\n${host}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`, status: 431, detail: /headers are larger/ },
    { name: 'bare LF line ends', request: `GET ${path} HTTP/1.1\n${host.trim()}\nX-A: b\n\n`, status: 400, detail: /bare LF|CRLF/ },
    { name: 'bare CR in a header', request: `GET ${path} HTTP/1.1\r\n${host}X-A: b\rc\r\n\r\n`, status: 400, detail: /bare CR|CRLF/ },
    {
      name: 'Content-Length with Transfer-Encoding',
      request: `POST ${path} HTTP/1.1\r\n${host}Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
      status: 400,
      detail: /Transfer-Encoding/,
    },
    {
      name: 'two Content-Lengths',
      request: `POST ${path} HTTP/1.1\r\n${host}Content-Length: 2\r\nContent-Length: 5\r\n\r\n{}`,
      status: 400,
      detail: /Content-Length is given twice/,
    },
    {
      name: 'bad chunk size',
      request: `POST ${path} HTTP/1.1\r\n${host}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
      status: 400,
      detail: /chunk size/,
    },
    { name: 'bad URL encoding', request: `GET ${path}/%E0%A4%A HTTP/1.1\r\n${host}\r\n`, status: 400, detail: /percent-encoding/ },
  ];
}
