import { randomUUID } from 'crypto';
import { STATUS_CODES } from 'http';
import type { Socket } from 'net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE, ProblemDetails, REQUEST_ID_HEADER } from '@vigil/contracts';
import { problem, ProblemKind, problemForStatus } from './problem';
import { mapError, sendProblem } from './problem-details.filter';

/**
 * Refusals that happen before a request reaches a route, answered like every other error:
 * application/problem+json with a request id (body and x-request-id), never Fastify's or Node's
 * bare `{"error": ...}`.
 *
 * - The HTTP parser (Node's llhttp) refuses a malformed message on the socket, before there is a
 *   request: bare CR or LF, Content-Length with Transfer-Encoding, two Content-Lengths, a bad chunk
 *   size, oversized headers (431), a request that arrives too slowly (408). Fastify's
 *   `clientErrorHandler` writes the answer on the raw socket, then closes it (the stream is no
 *   longer in sync, so nothing more may be read from it).
 * - The router refuses a bad percent-encoding (400) and a path parameter longer than the id rule
 *   allows (414): Fastify's `frameworkErrors`.
 */
const PARSER_REFUSALS: Record<string, { kind: ProblemKind; detail: string }> = {
  HPE_HEADER_OVERFLOW: { kind: 'headersTooLarge', detail: 'the request line and headers are larger than this server accepts' },
  ERR_HTTP_REQUEST_TIMEOUT: { kind: 'requestTimeout', detail: 'the request did not arrive in time' },
  ERR_HTTP_REQUEST_HEADERS_TIMEOUT: { kind: 'requestTimeout', detail: 'the request headers did not arrive in time' },
  HPE_UNEXPECTED_CONTENT_LENGTH: { kind: 'badRequest', detail: 'Content-Length is given twice, or together with Transfer-Encoding' },
  HPE_INVALID_CONTENT_LENGTH: { kind: 'badRequest', detail: 'the Content-Length header is not valid' },
  HPE_INVALID_TRANSFER_ENCODING: { kind: 'badRequest', detail: 'Transfer-Encoding is not valid, or given together with Content-Length' },
  HPE_INVALID_CHUNK_SIZE: { kind: 'badRequest', detail: 'a chunk size of the chunked body is not valid' },
  HPE_CR_EXPECTED: { kind: 'badRequest', detail: 'a line is not ended by CRLF (bare CR or LF)' },
  HPE_LF_EXPECTED: { kind: 'badRequest', detail: 'a line is not ended by CRLF (bare CR or LF)' },
  HPE_INVALID_HEADER_TOKEN: { kind: 'badRequest', detail: 'a header name or value is not valid' },
  HPE_INVALID_METHOD: { kind: 'badRequest', detail: 'the request method is not valid' },
  HPE_INVALID_URL: { kind: 'badRequest', detail: 'the request target is not valid' },
  HPE_INVALID_VERSION: { kind: 'badRequest', detail: 'the request line is not valid HTTP/1.1 (its version, or a bare LF after it)' },
};

/** The problem an HTTP parser error answers (exported for tests and for other raw servers). */
export function parserRefusal(err: { code?: string }): ProblemDetails {
  const known = err.code ? PARSER_REFUSALS[err.code] : undefined;
  return known ? problem(known.kind, known.detail) : problem('badRequest', 'the request is not valid HTTP/1.1');
}

/** Fastify `clientErrorHandler`: the parser's refusals as problem+json on the raw socket. */
export function problemClientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  // A reset connection: nobody is listening for an answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const requestId = randomUUID();
  const refusal = parserRefusal(err);
  const status = refusal.status;
  const body = JSON.stringify({ ...refusal, requestId });
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Bad Request'}\r\n` +
        `Content-Type: ${PROBLEM_CONTENT_TYPE}; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n` +
        `${REQUEST_ID_HEADER}: ${requestId}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy();
}

/** Fastify `frameworkErrors`: the router's refusals (bad URL encoding 400, over-long path parameter 414). */
export function problemFrameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  if (error.code === 'FST_ERR_BAD_URL') {
    return sendProblem(reply, request, { problem: problem('badRequest', 'the URL is not valid (bad percent-encoding)'), headers: {} });
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return sendProblem(reply, request, { problem: problem('uriTooLong', 'a path segment is longer than an id may be (128 characters)'), headers: {} });
  }
  const mapped = mapError(error);
  sendProblem(reply, request, mapped.unexpected ? { problem: problemForStatus(500, 'an unexpected error occurred'), headers: {} } : mapped);
}
