import { listFromEnv } from '@vigil/config';
import { DEV_HS256_SECRET } from './dev-keys';
import { VerifierConfig } from './verify';

/**
 * Auth settings beside @vigil/config's authEnv (candidates to move there):
 * AUTH_ALLOWED_ORGS: the tenants this deployment serves; a token of another organisation is a 403.
 * Unset: every organisation the issuer signs for.
 */
export const authPolicyEnv = {
  AUTH_ALLOWED_ORGS: listFromEnv.optional(),
};

export interface AuthEnvValues {
  AUTH_JWKS_URL?: string;
  AUTH_PUBLIC_KEY?: string;
  AUTH_HS256_SECRET?: string;
  AUTH_ISSUER: string;
  AUTH_AUDIENCE: string;
  AUTH_ALLOWED_ORGS?: string[];
}

/**
 * The verifier settings from a parsed configuration. With no key configured at all, a
 * non-production process falls back to the dev HS256 secret (so `npm run mint-token` tokens
 * work locally); production refuses to start.
 */
export function verifierConfigFromEnv(
  env: AuthEnvValues,
  nodeEnv: string | undefined = process.env['NODE_ENV'],
): VerifierConfig & { usingDevSecret: boolean } {
  const none = !env.AUTH_JWKS_URL && !env.AUTH_PUBLIC_KEY && !env.AUTH_HS256_SECRET;
  if (none && nodeEnv === 'production') {
    throw new Error('auth: set AUTH_JWKS_URL or AUTH_PUBLIC_KEY (HS256 and the dev secret are refused in production)');
  }
  return {
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
    jwksUrl: env.AUTH_JWKS_URL || undefined,
    publicKey: env.AUTH_PUBLIC_KEY || undefined,
    hs256Secret: none ? DEV_HS256_SECRET : env.AUTH_HS256_SECRET || undefined,
    allowedOrgs: env.AUTH_ALLOWED_ORGS,
    nodeEnv,
    usingDevSecret: none,
  };
}
