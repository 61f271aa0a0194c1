import { z } from 'zod';
import { intFromEnv, listFromEnv } from '@vigil/config';
import { DEV_HS256_SECRET } from './dev-keys';
import { VerifierConfig } from './verify';

/** A claim name or a dotted path into nested claims (realm_access.roles). */
const claimName = z.string().regex(/^[A-Za-z0-9_:/-]+(\.[A-Za-z0-9_:/-]+)*$/, 'a claim name or a dotted path, e.g. realm_access.roles');

/**
 * Auth settings beside @vigil/config's authEnv (candidates to move there):
 * AUTH_ALLOWED_ORGS: the tenants this deployment serves; a token of another organisation is a 403.
 * Unset: every organisation the issuer signs for.
 * AUTH_CLAIM_ORG / _TEAMS / _ROLE: where the identity provider puts them (README "Sign-in").
 * AUTH_JWKS_COOLDOWN_SECONDS: after a JWKS fetch, no other for this long (a new key's tokens wait
 * at most this long); AUTH_JWKS_MAX_AGE_SECONDS: the key set is fetched again after this long anyway.
 */
export const authPolicyEnv = {
  AUTH_ALLOWED_ORGS: listFromEnv.optional(),
  AUTH_CLAIM_ORG: claimName.default('org'),
  AUTH_CLAIM_TEAMS: claimName.default('teams'),
  AUTH_CLAIM_ROLE: claimName.default('role'),
  AUTH_JWKS_COOLDOWN_SECONDS: intFromEnv(0, 3600).default(30),
  AUTH_JWKS_MAX_AGE_SECONDS: intFromEnv(10, 86_400).default(600),
};

export interface AuthEnvValues {
  AUTH_JWKS_URL?: string;
  AUTH_PUBLIC_KEY?: string;
  AUTH_HS256_SECRET?: string;
  AUTH_ISSUER: string;
  AUTH_AUDIENCE: string;
  AUTH_ALLOWED_ORGS?: string[];
  AUTH_CLAIM_ORG?: string;
  AUTH_CLAIM_TEAMS?: string;
  AUTH_CLAIM_ROLE?: string;
  AUTH_JWKS_COOLDOWN_SECONDS?: number;
  AUTH_JWKS_MAX_AGE_SECONDS?: number;
  AUTH_DEV_MODE?: boolean;
  AUTH_MAX_LIFETIME_PATIENT_SECONDS?: number;
  AUTH_MAX_LIFETIME_CARE_MANAGER_SECONDS?: number;
  AUTH_MAX_LIFETIME_CARE_ADMIN_SECONDS?: number;
}

/** Thrown at start-up when the key configuration is missing or not allowed; the message says what to set. */
export class AuthConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuthConfigError';
  }
}

/**
 * The verifier settings from a parsed configuration. HS256 (a configured AUTH_HS256_SECRET, or the
 * committed dev secret when no key is configured at all) needs the explicit AUTH_DEV_MODE=true,
 * which production refuses. Without a key and without dev mode the service must not start.
 */
export function verifierConfigFromEnv(env: AuthEnvValues, nodeEnv: string | undefined = process.env['NODE_ENV']): VerifierConfig & { usingDevSecret: boolean } {
  const none = !env.AUTH_JWKS_URL && !env.AUTH_PUBLIC_KEY && !env.AUTH_HS256_SECRET;
  const devMode = env.AUTH_DEV_MODE === true;
  if (devMode && nodeEnv === 'production') {
    throw new AuthConfigError('auth: AUTH_DEV_MODE=true is refused with NODE_ENV=production; configure AUTH_JWKS_URL or AUTH_PUBLIC_KEY');
  }
  if (none && !devMode) {
    throw new AuthConfigError(
      'auth: no token key configured: set AUTH_JWKS_URL or AUTH_PUBLIC_KEY (or, for local development only, AUTH_DEV_MODE=true to accept dev-secret tokens)',
    );
  }
  if (env.AUTH_HS256_SECRET && !devMode) {
    throw new AuthConfigError(
      'auth: AUTH_HS256_SECRET is for local development and tests only and needs AUTH_DEV_MODE=true; production uses AUTH_JWKS_URL or AUTH_PUBLIC_KEY',
    );
  }
  const maxLifetimeSeconds: VerifierConfig['maxLifetimeSeconds'] = {};
  if (env.AUTH_MAX_LIFETIME_PATIENT_SECONDS) maxLifetimeSeconds.patient = env.AUTH_MAX_LIFETIME_PATIENT_SECONDS;
  if (env.AUTH_MAX_LIFETIME_CARE_MANAGER_SECONDS) maxLifetimeSeconds['care-manager'] = env.AUTH_MAX_LIFETIME_CARE_MANAGER_SECONDS;
  if (env.AUTH_MAX_LIFETIME_CARE_ADMIN_SECONDS) maxLifetimeSeconds['care-admin'] = env.AUTH_MAX_LIFETIME_CARE_ADMIN_SECONDS;
  return {
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
    jwksUrl: env.AUTH_JWKS_URL || undefined,
    publicKey: env.AUTH_PUBLIC_KEY || undefined,
    hs256Secret: none ? DEV_HS256_SECRET : env.AUTH_HS256_SECRET || undefined,
    allowedOrgs: env.AUTH_ALLOWED_ORGS,
    claimNames: {
      ...(env.AUTH_CLAIM_ORG ? { org: env.AUTH_CLAIM_ORG } : {}),
      ...(env.AUTH_CLAIM_TEAMS ? { teams: env.AUTH_CLAIM_TEAMS } : {}),
      ...(env.AUTH_CLAIM_ROLE ? { role: env.AUTH_CLAIM_ROLE } : {}),
    },
    ...(env.AUTH_JWKS_COOLDOWN_SECONDS !== undefined ? { jwksCooldownMs: env.AUTH_JWKS_COOLDOWN_SECONDS * 1000 } : {}),
    ...(env.AUTH_JWKS_MAX_AGE_SECONDS !== undefined ? { jwksCacheMaxAgeMs: env.AUTH_JWKS_MAX_AGE_SECONDS * 1000 } : {}),
    nodeEnv,
    devMode,
    maxLifetimeSeconds,
    usingDevSecret: none,
  };
}
