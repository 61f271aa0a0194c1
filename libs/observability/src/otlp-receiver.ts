import type { IncomingMessage, Server, ServerResponse } from 'node:http';

/** A span as an OTLP/JSON receiver sees it (ids in hex). */
export interface ReceivedSpan {
  serviceName: string;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
}

export interface OtlpJsonReceiver {
  /** Give it to the services under test as OTEL_EXPORTER_OTLP_ENDPOINT (see `env`). */
  endpoint: string;
  /** Environment for a service process: tracing on, OTLP/JSON to this receiver, quick flushes. */
  env: Record<string, string>;
  spans(): ReceivedSpan[];
  /** Resolves with all spans once `predicate` holds (polling), rejects after `timeoutMs`. */
  waitFor(predicate: (spans: ReceivedSpan[]) => boolean, timeoutMs?: number): Promise<ReceivedSpan[]>;
  close(): Promise<void>;
}

interface JsonAnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
  arrayValue?: { values?: JsonAnyValue[] };
}
interface JsonKeyValue {
  key: string;
  value: JsonAnyValue;
}
interface JsonSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  attributes?: JsonKeyValue[];
  links?: { traceId: string; spanId: string }[];
}
interface JsonExport {
  resourceSpans?: { resource?: { attributes?: JsonKeyValue[] }; scopeSpans?: { spans?: JsonSpan[] }[] }[];
}

function anyValue(v: JsonAnyValue): unknown {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.arrayValue) return (v.arrayValue.values ?? []).map(anyValue);
  return undefined;
}

function attributes(list: JsonKeyValue[] | undefined): Record<string, unknown> {
  return Object.fromEntries((list ?? []).map((kv) => [kv.key, anyValue(kv.value)]));
}

function hexId(id: string): string {
  return /^[0-9a-f]+$/i.test(id) && (id.length === 32 || id.length === 16) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

/**
 * An in-process OTLP/HTTP JSON receiver for tests that run services as processes (e2e): start it,
 * pass `receiver.env` to the service processes, then assert on `receiver.spans()` (e.g. one trace
 * from ingest-api through the writer to Cassandra). Listens on 127.0.0.1 only.
 */
export async function startOtlpJsonReceiver(port = 0): Promise<OtlpJsonReceiver> {
  // Required here, not at the top: importing @vigil/observability loads nothing it does not need.
  const http = require('node:http') as typeof import('node:http');
  const received: ReceivedSpan[] = [];
  const server: Server = http.createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.method !== 'POST' || !req.url?.startsWith('/v1/traces')) {
        res.writeHead(404).end();
        return;
      }
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as JsonExport;
        for (const rs of body.resourceSpans ?? []) {
          const serviceName = String(attributes(rs.resource?.attributes)['service.name'] ?? '');
          for (const ss of rs.scopeSpans ?? []) {
            for (const s of ss.spans ?? []) {
              received.push({
                serviceName,
                traceId: hexId(s.traceId),
                spanId: hexId(s.spanId),
                parentSpanId: s.parentSpanId ? hexId(s.parentSpanId) : undefined,
                name: s.name,
                kind: s.kind ?? 0,
                attributes: attributes(s.attributes),
                links: (s.links ?? []).map((l) => ({ traceId: hexId(l.traceId), spanId: hexId(l.spanId) })),
              });
            }
          }
        }
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const endpoint = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
  return {
    endpoint,
    env: {
      OTEL_SDK_DISABLED: 'false',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
    spans: () => [...received],
    waitFor: async (predicate, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!predicate(received)) {
        if (Date.now() > deadline) throw new Error(`OTLP receiver: condition not met in ${timeoutMs} ms (${received.length} spans received)`);
        await new Promise((r) => setTimeout(r, 50));
      }
      return [...received];
    },
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
