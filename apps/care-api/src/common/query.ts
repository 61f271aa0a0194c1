import { FieldError, parseIsoInstant, validateDto } from '@vigil/contracts';
import { ProblemException } from '@vigil/http';

/** Validates a query string object against a DTO class (whitelisting: unknown parameters are a 400). */
export function validQuery<T extends object>(cls: new () => T, query: unknown): T {
  const plain = query && typeof query === 'object' ? { ...(query as Record<string, unknown>) } : {};
  for (const [k, v] of Object.entries(plain)) {
    if (Array.isArray(v)) throw ProblemException.of('validation', 'invalid query parameters', { errors: [{ path: k, message: 'give this parameter once' }] });
  }
  const result = validateDto(cls, plain);
  if (!result.ok) throw ProblemException.of('validation', 'invalid query parameters', { errors: result.errors });
  return result.value;
}

export function badRequest(errors: FieldError[], detail = 'invalid request'): ProblemException {
  return ProblemException.of('validation', detail, { errors });
}

/** An ISO-8601 instant (date, or date-time; no offset means UTC) on a real calendar day: `2026-02-30` is a 400 naming `path`. */
export function parseInstant(value: string | undefined, path: string): Date | undefined {
  if (value === undefined) return undefined;
  const d = parseIsoInstant(value);
  if (!d) throw badRequest([{ path, message: 'must be an ISO-8601 date or date-time on a real calendar day, e.g. 2026-01-31 or 2026-01-31T08:00:00Z' }]);
  return d;
}

export function parseLimit(value: string | undefined, def: number, max: number): number {
  if (value === undefined) return def;
  if (!/^\d{1,6}$/.test(value)) throw badRequest([{ path: 'limit', message: `must be an integer from 1 to ${max}` }]);
  const n = Number(value);
  if (n < 1 || n > max) throw badRequest([{ path: 'limit', message: `must be an integer from 1 to ${max}` }]);
  return n;
}

/** Checks from < to and the span (ten years at most: longer histories are paged in several queries). */
export function checkRange(from: Date, to: Date, maxDays = 3700, path = 'from'): void {
  if (from.getTime() >= to.getTime()) throw badRequest([{ path, message: 'from must be before to' }]);
  if (to.getTime() - from.getTime() > maxDays * 86_400_000)
    throw badRequest([{ path, message: `the range may span at most ${maxDays} days; page through longer histories` }]);
}
