import { HttpException } from '@nestjs/common';
import { FieldError, PROBLEM_TYPE_BASE, ProblemDetails } from '@vigil/contracts';

/**
 * RFC 9457 problem details for every error a Vigil HTTP service answers (DESIGN.md "HTTP").
 */
export const PROBLEMS = {
  validation: { status: 400, title: 'Invalid request' },
  invalidJson: { status: 400, title: 'Malformed JSON' },
  badRequest: { status: 400, title: 'Bad request' },
  unauthorized: { status: 401, title: 'Unauthorized' },
  forbidden: { status: 403, title: 'Forbidden' },
  notFound: { status: 404, title: 'Not found' },
  methodNotAllowed: { status: 405, title: 'Method not allowed' },
  requestTimeout: { status: 408, title: 'Request timeout' },
  conflict: { status: 409, title: 'Conflict' },
  idempotencyConflict: { status: 409, title: 'checkInId already used for a different check-in' },
  payloadTooLarge: { status: 413, title: 'Payload too large' },
  uriTooLong: { status: 414, title: 'URI too long' },
  unsupportedMediaType: { status: 415, title: 'Unsupported media type' },
  rateLimited: { status: 429, title: 'Too many requests' },
  headersTooLarge: { status: 431, title: 'Request header fields too large' },
  internal: { status: 500, title: 'Internal server error' },
  unavailable: { status: 503, title: 'Service unavailable' },
  kafkaUnavailable: { status: 503, title: 'Temporarily unable to accept check-ins' },
  inProgress: { status: 503, title: 'A request with this checkInId is still in progress' },
} as const;

export type ProblemKind = keyof typeof PROBLEMS;

const SLUG: Record<ProblemKind, string> = {
  validation: 'validation',
  invalidJson: 'invalid-json',
  badRequest: 'bad-request',
  unauthorized: 'unauthorized',
  forbidden: 'forbidden',
  notFound: 'not-found',
  methodNotAllowed: 'method-not-allowed',
  requestTimeout: 'request-timeout',
  conflict: 'conflict',
  idempotencyConflict: 'idempotency-conflict',
  payloadTooLarge: 'payload-too-large',
  uriTooLong: 'uri-too-long',
  unsupportedMediaType: 'unsupported-media-type',
  rateLimited: 'rate-limited',
  headersTooLarge: 'headers-too-large',
  internal: 'internal',
  unavailable: 'unavailable',
  kafkaUnavailable: 'kafka-unavailable',
  inProgress: 'in-progress',
};

export interface ProblemExtras {
  errors?: FieldError[];
  requestId?: string;
  /** Overrides the kind's title (e.g. a 503 that is not about check-ins). */
  title?: string;
}

export function problem(kind: ProblemKind, detail: string, extra: ProblemExtras = {}): ProblemDetails {
  const { status, title } = PROBLEMS[kind];
  const p: ProblemDetails = { type: `${PROBLEM_TYPE_BASE}${SLUG[kind]}`, title: extra.title ?? title, status, detail };
  if (extra.requestId) p.requestId = extra.requestId;
  if (extra.errors) p.errors = extra.errors;
  return p;
}

/** A generic problem for a status without a dedicated kind (a 4xx from the framework). */
export function problemForStatus(status: number, detail: string): ProblemDetails {
  const kind = (Object.keys(PROBLEMS) as ProblemKind[]).find((k) => PROBLEMS[k].status === status);
  if (kind) return problem(kind, detail);
  return { type: 'about:blank', title: status >= 500 ? 'Server error' : 'Client error', status, detail };
}

/** Thrown anywhere in a request: the filter answers it as it is, with the given headers. */
export class ProblemException extends HttpException {
  constructor(
    readonly problem: ProblemDetails,
    readonly headers: Record<string, string> = {},
  ) {
    super(problem, problem.status);
  }

  static of(kind: ProblemKind, detail: string, opts: { errors?: FieldError[]; retryAfterSeconds?: number; title?: string } = {}): ProblemException {
    const headers: Record<string, string> = {};
    if (opts.retryAfterSeconds !== undefined) headers['retry-after'] = String(Math.max(1, Math.ceil(opts.retryAfterSeconds)));
    return new ProblemException(problem(kind, detail, { errors: opts.errors, title: opts.title }), headers);
  }
}
