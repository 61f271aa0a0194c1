import type { IncomingMessage } from 'http';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { ID_MAX_LENGTH } from '@vigil/contracts';
import { fastifyRequestIdOptions } from '@vigil/observability';
import { problemClientErrorHandler, problemFrameworkErrors } from './framework-refusals';
import { DomainErrorMapper, fastifyProblemErrorHandler, ProblemLogger } from './problem-details.filter';

/**
 * The HTTP plumbing every Vigil Fastify service wants: request ids, a strict JSON-only body parser,
 * per-route body caps, problem+json for the errors Fastify raises before a handler runs.
 * Request ids follow @vigil/observability (a sane caller `x-request-id` is kept, else a UUID), so
 * logs, traces and answers agree on one id.
 */
export function fastifyOptions(opts: { bodyLimit: number; genReqId?: (req: IncomingMessage) => string }): FastifyServerOptions {
  const ids = fastifyRequestIdOptions();
  return {
    logger: false,
    requestIdHeader: ids.requestIdHeader,
    genReqId: opts.genReqId ?? ids.genReqId,
    bodyLimit: opts.bodyLimit,
    // During shutdown, a request on a kept-alive connection gets 503 instead of hanging.
    return503OnClosing: true,
    // Hostile inputs are reported by validation with a path, never silently dropped (see parser below).
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    requestTimeout: 30_000,
    // One id rule everywhere (ID_PATTERN): a path parameter may be as long as an id, and no longer (414).
    routerOptions: { maxParamLength: ID_MAX_LENGTH },
    // Refusals before a route runs answer problem+json with a request id too (framework-refusals.ts).
    clientErrorHandler: problemClientErrorHandler,
    frameworkErrors: problemFrameworkErrors,
  };
}

/**
 * Nest installs its own Fastify error handler at init, which turns Fastify's errors into bare
 * HttpExceptions (losing their codes). This adapter keeps the problem+json handler that
 * configureHttp installs; errors inside Nest handlers still go through the Nest exception filters.
 */
export class ProblemFastifyAdapter extends FastifyAdapter {
  override setErrorHandler(): FastifyInstance {
    return this.getInstance();
  }
}

export class InvalidJsonError extends Error {
  readonly code = 'VIGIL_INVALID_JSON';
  readonly statusCode = 400;
  constructor(message: string) {
    super(message);
    this.name = 'InvalidJsonError';
  }
}

export interface HttpSetupOptions {
  logger: ProblemLogger;
  /** Body caps per route URL (as registered, e.g. `/v1/check-ins`); others get the server bodyLimit. */
  routeBodyLimits?: Record<string, number>;
  domainErrors?: DomainErrorMapper;
}

/**
 * Call before app.init() (routes are registered then). `x-request-id` on every answer, the access
 * log and the HTTP histogram come from @vigil/observability's registerHttpObservability.
 */
export function configureHttp(fastify: FastifyInstance, opts: HttpSetupOptions): void {
  const limits = opts.routeBodyLimits ?? {};
  fastify.addHook('onRoute', (route) => {
    const limit = limits[route.url];
    if (limit !== undefined) route.bodyLimit = limit;
  });

  // JSON only: no text/plain, no forms (-> 415). Parsed with the plain JSON.parse, which makes
  // `__proto__` an ordinary own key; validation then rejects it with its path.
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.length === 0) return done(new InvalidJsonError('the body is empty'), undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new InvalidJsonError('the body is not valid JSON'), undefined);
    }
  });

  fastify.setErrorHandler(fastifyProblemErrorHandler(opts.logger, opts.domainErrors));
}
