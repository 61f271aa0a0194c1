import type { FastifyInstance } from 'fastify';
import { FHIR_CONTENT_TYPE, type FhirOperationOutcome, PROBLEM_CONTENT_TYPE, type ProblemDetails } from '@vigil/contracts';
import { InvalidJsonError } from './http-setup';

/** http://hl7.org/fhir/issue-type for the status a problem+json answer had. */
function issueCode(status: number): string {
  if (status === 401) return 'login';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 405 || status === 415) return 'not-supported';
  if (status === 409) return 'conflict';
  if (status === 413) return 'too-costly';
  if (status === 429) return 'throttled';
  if (status === 503) return 'transient';
  if (status >= 500) return 'exception';
  return 'invalid';
}

/** The OperationOutcome saying what a problem+json answer says: one issue per field error, each with its path as the expression. */
export function operationOutcomeOf(p: ProblemDetails): FhirOperationOutcome {
  const code = issueCode(p.status);
  const issue = p.errors?.length
    ? p.errors.map((e) => ({ severity: 'error' as const, code, diagnostics: e.message, ...(e.path ? { expression: [e.path] } : {}) }))
    : [{ severity: 'error' as const, code, diagnostics: p.detail || p.title }];
  return { resourceType: 'OperationOutcome', issue };
}

/**
 * FHIR plumbing for a Fastify service under `prefix` (e.g. /fhir/R4): `application/fhir+json` bodies
 * are parsed like JSON (the same strict parser rules), and every problem+json answer under the prefix,
 * whoever raised it (guards, body limits, validation, the Nest filter), leaves as an OperationOutcome
 * with the same status and headers. Call after configureHttp, before app.init().
 */
export function configureFhir(fastify: FastifyInstance, opts: { prefix: string }): void {
  fastify.addContentTypeParser(FHIR_CONTENT_TYPE, { parseAs: 'string' }, (_req, body, done) => {
    const text = body as string;
    if (text.length === 0) return done(new InvalidJsonError('the body is empty'), undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(new InvalidJsonError('the body is not valid JSON'), undefined);
    }
  });
  const under = (url: string) => url === opts.prefix || url.startsWith(`${opts.prefix}/`) || url.startsWith(`${opts.prefix}?`);
  fastify.addHook('onSend', (request, reply, payload, done) => {
    const type = reply.getHeader('content-type');
    if (typeof type !== 'string' || !type.startsWith(PROBLEM_CONTENT_TYPE) || !under(request.url) || typeof payload !== 'string') return done(null, payload);
    let outcome: FhirOperationOutcome;
    try {
      outcome = operationOutcomeOf(JSON.parse(payload) as ProblemDetails);
    } catch {
      outcome = operationOutcomeOf({ type: 'about:blank', title: 'Error', status: reply.statusCode, detail: 'the request failed' });
    }
    reply.header('content-type', `${FHIR_CONTENT_TYPE}; charset=utf-8`);
    done(null, JSON.stringify(outcome));
  });
}
