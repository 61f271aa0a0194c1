import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, REQUEST_ID_HEADER } from '@vigil/contracts';
import { problem, ProblemException, problemForStatus } from './problem';

/**
 * Turns any error into an RFC 9457 problem+json answer: ProblemExceptions as they are, Nest
 * HttpExceptions (guards: 401/403), Fastify's own errors (bad JSON, body too large, wrong content
 * type) and, for anything unexpected, a generic 500 whose detail goes only to the log. No stack
 * trace or error message of an unexpected error ever reaches a response.
 */
export interface ProblemMapping {
  problem: ProblemDetails;
  headers: Record<string, string>;
  /** Unexpected: log it as an error. */
  unexpected?: boolean;
}

/** The one logger method this file needs (pino's signature). */
export interface ProblemLogger {
  error(obj: object, msg?: string): void;
}

/** Extra mapping for domain errors (e.g. Kafka unavailable -> 503); return undefined to fall through. */
export type DomainErrorMapper = (error: unknown) => ProblemException | undefined;

const FASTIFY_CODES: Record<string, (e: FastifyError) => ProblemMapping> = {
  FST_ERR_CTP_BODY_TOO_LARGE: () => ({ problem: problem('payloadTooLarge', 'the request body is larger than this endpoint accepts'), headers: {} }),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => ({
    problem: problem('unsupportedMediaType', 'send the body as application/json'),
    headers: { accept: 'application/json' },
  }),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: () => ({ problem: problem('badRequest', 'the content-length does not match the body'), headers: {} }),
  FST_ERR_CTP_EMPTY_JSON_BODY: () => ({ problem: problem('invalidJson', 'the body is empty'), headers: {} }),
  FST_ERR_CTP_INVALID_JSON_BODY: () => ({ problem: problem('invalidJson', 'the body is not valid JSON'), headers: {} }),
  VIGIL_INVALID_JSON: (e) => ({ problem: problem('invalidJson', e.message), headers: {} }),
};

export function mapError(error: unknown, domain?: DomainErrorMapper): ProblemMapping {
  if (error instanceof ProblemException) return { problem: { ...error.problem }, headers: error.headers };
  // Fastify's own errors first: some are RangeErrors or TypeErrors (the body limit is one) that a
  // domain mapper must not claim.
  const code = (error as Partial<FastifyError> | undefined)?.code;
  if (typeof code === 'string' && FASTIFY_CODES[code]) return FASTIFY_CODES[code](error as FastifyError);
  const mapped = domain?.(error);
  if (mapped) return { problem: { ...mapped.problem }, headers: mapped.headers };
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    let detail = typeof response === 'string' ? response : error.message;
    if (typeof response === 'object' && response !== null) {
      const m = (response as { message?: unknown }).message;
      if (typeof m === 'string') detail = m;
      else if (Array.isArray(m)) detail = m.map(String).join('; ');
    }
    if (status >= 500)
      return { problem: problemForStatus(status, status === 500 ? 'an unexpected error occurred' : detail), headers: {}, unexpected: status === 500 };
    return { problem: problemForStatus(status, detail), headers: {} };
  }
  const fe = error as Partial<FastifyError> | undefined;
  if (fe && typeof fe.code === 'string' && FASTIFY_CODES[fe.code]) return FASTIFY_CODES[fe.code](fe as FastifyError);
  if (fe && typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    // A client error raised by Fastify itself (e.g. a malformed header): its message names no data.
    return { problem: problemForStatus(fe.statusCode, String(fe.message ?? 'bad request').slice(0, 200)), headers: {} };
  }
  return { problem: problem('internal', 'an unexpected error occurred; quote the requestId when reporting it'), headers: {}, unexpected: true };
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, mapping: ProblemMapping): void {
  const body: ProblemDetails = { ...mapping.problem, requestId: request.id };
  reply.status(body.status);
  for (const [k, v] of Object.entries(mapping.headers)) reply.header(k, v);
  reply.header('content-type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
  // Refusals before routing run no request hooks: the id header is set here too.
  if (!reply.hasHeader(REQUEST_ID_HEADER)) reply.header(REQUEST_ID_HEADER, String(request.id));
  reply.send(JSON.stringify(body));
}

function logUnexpected(logger: ProblemLogger, request: FastifyRequest, error: unknown): void {
  const e = error instanceof Error ? error : new Error(String(error));
  // The error itself (name, message, stack) is logged; request bodies never are.
  logger.error({ reqId: request.id, route: request.routeOptions?.url, err: { name: e.name, message: e.message, stack: e.stack } }, 'unexpected error');
}

/** Nest exception filter for HTTP requests (register with app.useGlobalFilters; not for microservice contexts). */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  constructor(
    private readonly logger: ProblemLogger,
    private readonly domain?: DomainErrorMapper,
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const request = http.getRequest<FastifyRequest>();
    const mapping = mapError(exception, this.domain);
    if (mapping.unexpected) logUnexpected(this.logger, request, exception);
    // A hijacked reply (Server-Sent Events) has written its own headers: nothing more can be sent.
    if (reply.sent || reply.raw.headersSent) return;
    sendProblem(reply, request, mapping);
  }
}

/** For errors raised by Fastify before Nest sees the request (content parsing, body limits). */
export function fastifyProblemErrorHandler(logger: ProblemLogger, domain?: DomainErrorMapper) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    const mapping = mapError(error, domain);
    if (mapping.unexpected) logUnexpected(logger, request, error);
    sendProblem(reply, request, mapping);
  };
}
