import type { JWTPayload } from 'jose';
import { ID_PATTERN, Role, ROLES, VigilClaims } from '@vigil/contracts';
import { AuthError } from './errors';

/**
 * Where Vigil's org, teams and role are in a token. A name is a claim, or a dotted path into
 * nested claims (Keycloak's `realm_access.roles`). Defaults: Vigil's own tokens (`org`, `teams`, `role`).
 */
export interface ClaimNames {
  org: string;
  teams: string;
  role: string;
}

export const DEFAULT_CLAIM_NAMES: ClaimNames = { org: 'org', teams: 'teams', role: 'role' };

const ORG_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_TEAMS = 200;

/** The value at a claim name or dotted path; a claim whose own name has dots wins over the path. */
export function readClaim(payload: JWTPayload, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(payload, name)) return payload[name];
  let node: unknown = payload;
  for (const part of name.split('.')) {
    if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/**
 * The role: a string, or a list (provider roles or groups) of which exactly one is a Vigil role
 * (other entries, e.g. Keycloak's `offline_access`, are ignored).
 */
function roleOf(value: unknown, claim: string): Role {
  const candidates = typeof value === 'string' ? [value] : Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
  const roles = candidates.filter((v): v is Role => (ROLES as readonly string[]).includes(v));
  if (roles.length === 0) {
    throw new AuthError(
      'forbidden',
      `the identity provider gives this user no Vigil role (claim "${claim}" holds none of ${ROLES.join(', ')})`,
      'role_unmapped',
    );
  }
  if (new Set(roles).size > 1) {
    throw new AuthError(
      'forbidden',
      `the identity provider gives this user more than one Vigil role (claim "${claim}": ${[...new Set(roles)].join(', ')}); give exactly one`,
      'role_ambiguous',
    );
  }
  return roles[0];
}

/** The provider's claims -> VigilClaims; what does not map is refused, saying which claim. */
export function claimsFromPayload(p: JWTPayload, names: ClaimNames = DEFAULT_CLAIM_NAMES): VigilClaims {
  const bad = (claim: string) => new AuthError('unauthenticated', `the token's ${claim} claim is missing or invalid`, `claim_${claim}`);
  const { sub } = p;
  // One id rule everywhere: a patient's sub is its patient id, a staff sub is recorded as who acted.
  if (typeof sub !== 'string' || !ID_PATTERN.test(sub)) throw bad('sub');
  const role = roleOf(readClaim(p, names.role), names.role);
  let org = readClaim(p, names.org);
  // A one-element list (a multivalued attribute mapper) is the organisation itself.
  if (Array.isArray(org) && org.length === 1) org = org[0];
  if (org === undefined || org === null || org === '') {
    throw new AuthError('forbidden', `the identity provider gives this user no organisation (claim "${names.org}")`, 'org_unmapped');
  }
  if (typeof org !== 'string' || !ORG_PATTERN.test(org)) throw bad('org');
  const claims: VigilClaims = { sub, role, org };
  const teams = readClaim(p, names.teams);
  if (teams !== undefined) {
    if (!Array.isArray(teams) || teams.length > MAX_TEAMS || !teams.every((t) => typeof t === 'string' && ID_PATTERN.test(t))) {
      throw bad('teams');
    }
    claims.teams = [...(teams as string[])];
  }
  return claims;
}
