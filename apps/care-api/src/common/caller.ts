import type { FastifyRequest } from 'fastify';
import type { Role, VigilClaims } from '@vigil/contracts';

/**
 * Who is asking, from the verified token only: the organisation (tenant) and care teams scope every
 * read and write. Nothing in a path, query or body can widen them.
 */
export interface Caller {
  sub: string;
  role: Role;
  tenantId: string;
  teams: ReadonlySet<string>;
  requestId: string;
}

export function callerOf(claims: VigilClaims, request: FastifyRequest): Caller {
  return { sub: claims.sub, role: claims.role, tenantId: claims.org, teams: new Set(claims.teams ?? []), requestId: String(request.id) };
}

/** The route pattern of the request, for audit records (`GET /v1/patients/:id/risk`): never the URL. */
export function routeOf(request: FastifyRequest): string {
  return `${request.method} ${request.routeOptions?.url ?? 'unmatched'}`;
}
