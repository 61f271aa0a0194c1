import { context, trace } from '@opentelemetry/api';
import { getRPCMetadata, RPCType } from '@opentelemetry/core';
import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { AsyncResource } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Logger } from './logger';
import { getMetrics, UNMATCHED_ROUTE, type VigilMetrics } from './metrics';
import { runWithRequestId } from './request-context';

export const REQUEST_ID_HEADER = 'x-request-id';
/** An incoming request id is kept only if it looks like an id: 8-128 of `A-Z a-z 0-9 . _ : -`. */
const SANE_REQUEST_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]{7,127}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Probe and scrape routes: logged at debug, not info. */
const DEFAULT_QUIET_ROUTES = ['/health/live', '/health/ready', '/metrics'];

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** The caller's request id if it looks sane, else a new UUID. */
export function acceptOrGenerateRequestId(incoming: string | string[] | undefined): string {
  const v = headerValue(incoming);
  return v !== undefined && SANE_REQUEST_ID.test(v) ? v : randomUUID();
}

/**
 * Options for `new FastifyAdapter({ ...fastifyRequestIdOptions() })`: Fastify's own `request.id`
 * becomes the same sanitized `x-request-id` (optional; registerHttpObservability works without it).
 */
export function fastifyRequestIdOptions(): { genReqId: (req: { headers: NodeJS.Dict<string | string[]> }) => string; requestIdHeader: false } {
  return { genReqId: (req) => acceptOrGenerateRequestId(req.headers[REQUEST_ID_HEADER]), requestIdHeader: false };
}

export interface HttpObservabilityOptions {
  logger: Logger;
  /** Default: the process metrics (getMetrics()). */
  metrics?: VigilMetrics;
  /** Route patterns logged at `debug` instead of `info`. Default: /health/live, /health/ready, /metrics. */
  quietRoutes?: string[];
}

interface RequestState {
  requestId: string;
  resource: AsyncResource;
  traceId?: string;
  spanId?: string;
}

/**
 * Per-request observability for a Fastify instance (`app.getHttpAdapter().getInstance()` in Nest):
 * - `x-request-id`: the caller's if sane, else a new UUID; echoed on every response; on every log line
 *   written while handling the request (`request_id`);
 * - the OpenTelemetry HTTP server span gets `http.route` (the pattern) and is named `GET /v1/...`;
 * - one access-log line per request: method, route pattern, status, duration, request and trace ids
 *   (never the URL with its query, never headers or bodies);
 * - `vigil_http_server_request_duration_seconds{method, route, status}`.
 * Call it before `app.listen()` / `app.init()`.
 */
export function registerHttpObservability(app: FastifyInstance, options: HttpObservabilityOptions): void {
  const metrics = options.metrics ?? getMetrics();
  const logger = options.logger;
  const quiet = new Set(options.quietRoutes ?? DEFAULT_QUIET_ROUTES);
  const states = new WeakMap<FastifyRequest, RequestState>();

  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const incoming = headerValue(request.headers[REQUEST_ID_HEADER]);
    const requestId = incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : UUID.test(request.id) ? request.id : randomUUID();
    void reply.header(REQUEST_ID_HEADER, requestId);

    const route = request.routeOptions.url;
    const span = trace.getActiveSpan();
    const spanContext = span?.spanContext();
    if (span) span.setAttribute('http.request_id', requestId);
    if (route) {
      // instrumentation-http reads this to set `http.route` and rename the span `GET /route`.
      const rpc = getRPCMetadata(context.active());
      if (rpc?.type === RPCType.HTTP) rpc.route = route;
    }

    runWithRequestId(requestId, () => {
      // Captures this async context (request id and the OTel context) for the rest of the request:
      // body parsing runs on the socket's context, so preValidation re-enters this one.
      states.set(request, { requestId, resource: new AsyncResource('vigil.http.request'), traceId: spanContext?.traceId, spanId: spanContext?.spanId });
      done();
    });
  });

  app.addHook('preValidation', (request: FastifyRequest, _reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const state = states.get(request);
    if (state) state.resource.runInAsyncScope(done);
    else done();
  });

  app.addHook('onResponse', (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => {
    const state = states.get(request);
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const status = reply.statusCode;
    const durationMs = reply.elapsedTime;
    metrics.httpRequestDuration.observe({ method: request.method, route, status: String(status) }, durationMs / 1000);
    const line: Record<string, unknown> = {
      request_id: state?.requestId,
      method: request.method,
      route,
      status,
      duration_ms: Math.round(durationMs * 1000) / 1000,
    };
    if (state?.traceId) {
      line['trace_id'] = state.traceId;
      line['span_id'] = state.spanId;
    }
    if (status >= 500) logger.warn(line, 'http request');
    else if (quiet.has(route)) logger.debug(line, 'http request');
    else logger.info(line, 'http request');
    state?.resource.emitDestroy();
    done();
  });
}
