import { createPublicKey, KeyObject } from 'crypto';
import { createRemoteJWKSet, errors as joseErrors, importSPKI, jwtVerify, JWTPayload, JWTVerifyGetKey } from 'jose';
import { Role, VigilClaims } from '@vigil/contracts';
import { ClaimNames, claimsFromPayload, DEFAULT_CLAIM_NAMES } from './claim-mapping';
import { DevKeyInProductionError } from './dev-keys';
import { AuthError } from './errors';

/** Where the verification key comes from. Exactly one of jwksUrl, publicKey, hs256Secret. */
export interface VerifierConfig {
  issuer: string;
  audience: string;
  /** Production: the identity provider's JWKS (RS256 / ES256), cached and refreshed by jose. */
  jwksUrl?: string;
  /** A PEM (SPKI) RSA or P-256 public key; the algorithm (RS256 / ES256) follows from the key. */
  publicKey?: string;
  /** HS256 shared secret: local development and tests only; needs devMode, and is refused when nodeEnv is production. */
  hs256Secret?: string;
  /** The explicit dev-mode switch (AUTH_DEV_MODE): without it an HS256 secret is refused at start-up. */
  devMode?: boolean;
  /** Longest lifetime (exp - iat, seconds) accepted per role; a role not listed gets DEFAULT_MAX_LIFETIME_SECONDS. */
  maxLifetimeSeconds?: Partial<Record<Role, number>>;
  /** When set, a token whose `org` is not listed is refused with 403 (tenants this deployment serves). */
  allowedOrgs?: readonly string[];
  clockToleranceSeconds?: number;
  /** How long a JWKS fetch may take before the request is answered 503. */
  jwksTimeoutMs?: number;
  /**
   * After a JWKS fetch, no other for this long: a token with an unknown `kid` (the provider's new
   * key) is refused until it has passed, then the set is fetched again. Default 30 s.
   */
  jwksCooldownMs?: number;
  /** The JWKS is fetched again after this long even without an unknown `kid` (dropped keys go). Default 10 min. */
  jwksCacheMaxAgeMs?: number;
  /** Where org, teams and role are in the token (AUTH_CLAIM_*); default org, teams, role. */
  claimNames?: Partial<ClaimNames>;
  /** Usually process.env.NODE_ENV. */
  nodeEnv?: string;
}

export type Algorithm = 'RS256' | 'ES256' | 'HS256';

/** Longest Authorization token we parse; anything longer is refused before any crypto. */
export const MAX_TOKEN_LENGTH = 8192;
/** Lifetime cap of a role without its own (AUTH_MAX_LIFETIME_*_SECONDS). */
export const DEFAULT_MAX_LIFETIME_SECONDS = 12 * 3600;
/** Header `typ` values accepted when present (RFC 7519 `JWT`, RFC 9068 access tokens); anything else is not an access token. */
const ACCEPTED_TYP = new Set(['jwt', 'at+jwt', 'application/at+jwt']);

/** A verified token: its claims and the instants the service acts on (a stream ends at `expiresAtMs`). */
export interface VerifiedToken {
  claims: VigilClaims;
  expiresAtMs: number;
  issuedAtMs: number;
}

type KeySource = { key: CryptoKey | KeyObject | Uint8Array; algorithms: Algorithm[] } | { jwks: JWTVerifyGetKey; algorithms: Algorithm[] };

/**
 * Verifies bearer tokens into VigilClaims. Create one per process (the JWKS cache lives in it).
 * Every failure is an AuthError; the message is safe to return and never contains the token.
 */
export class TokenVerifier {
  private constructor(
    private readonly config: VerifierConfig,
    private readonly source: KeySource,
  ) {}

  static async create(config: VerifierConfig): Promise<TokenVerifier> {
    const configured = [config.jwksUrl, config.publicKey, config.hs256Secret].filter((v) => v !== undefined && v !== '');
    if (configured.length !== 1) {
      throw new Error('auth: configure exactly one of AUTH_JWKS_URL, AUTH_PUBLIC_KEY, AUTH_HS256_SECRET');
    }
    if (!config.issuer || !config.audience) throw new Error('auth: issuer and audience are required');
    let source: KeySource;
    if (config.jwksUrl) {
      const url = new URL(config.jwksUrl);
      source = {
        jwks: createRemoteJWKSet(url, {
          timeoutDuration: config.jwksTimeoutMs ?? 3000,
          cooldownDuration: config.jwksCooldownMs ?? 30_000,
          cacheMaxAge: config.jwksCacheMaxAgeMs ?? 10 * 60_000,
        }),
        algorithms: ['RS256', 'ES256'],
      };
    } else if (config.publicKey) {
      const pem = config.publicKey.includes('\\n') ? config.publicKey.replace(/\\n/g, '\n') : config.publicKey;
      const alg = algorithmOfPublicKey(pem);
      source = { key: await importSPKI(pem, alg), algorithms: [alg] };
    } else {
      if (config.nodeEnv === 'production') throw new DevKeyInProductionError('HS256 token verification');
      if (!config.devMode) throw new Error('auth: HS256 tokens are accepted only in dev mode (AUTH_DEV_MODE=true); configure AUTH_JWKS_URL or AUTH_PUBLIC_KEY');
      const secret = config.hs256Secret as string;
      if (secret.length < 32) throw new Error('auth: the HS256 secret must be at least 32 characters');
      source = { key: new TextEncoder().encode(secret), algorithms: ['HS256'] };
    }
    return new TokenVerifier(config, source);
  }

  /** The algorithms this verifier accepts (anything else, including `none`, is a 401). */
  get algorithms(): readonly Algorithm[] {
    return this.source.algorithms;
  }

  async verify(token: string | undefined): Promise<VigilClaims> {
    return (await this.verifyDetailed(token)).claims;
  }

  async verifyDetailed(token: string | undefined): Promise<VerifiedToken> {
    if (!token) throw new AuthError('unauthenticated', 'a bearer token is required', 'token_missing');
    if (token.length > MAX_TOKEN_LENGTH) throw new AuthError('unauthenticated', 'the token is too long', 'token_too_long');
    let payload: JWTPayload;
    let typ: unknown;
    try {
      const options = {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: [...this.source.algorithms],
        clockTolerance: this.config.clockToleranceSeconds ?? 5,
        requiredClaims: ['exp', 'iat', 'sub'],
      };
      const result = 'jwks' in this.source ? await jwtVerify(token, this.source.jwks, options) : await jwtVerify(token, this.source.key, options);
      payload = result.payload;
      typ = result.protectedHeader.typ;
    } catch (e) {
      throw mapJoseError(e);
    }
    if (typ !== undefined && !ACCEPTED_TYP.has(String(typ).toLowerCase())) {
      throw new AuthError('unauthenticated', 'the token type is not an access token', 'token_typ');
    }
    const claims = claimsFromPayload(payload, { ...DEFAULT_CLAIM_NAMES, ...this.config.claimNames });
    const { exp, iat } = payload as { exp: number; iat: number };
    const tolerance = this.config.clockToleranceSeconds ?? 5;
    if (iat > Date.now() / 1000 + tolerance) throw new AuthError('unauthenticated', "the token's iat claim is in the future", 'claim_iat');
    const max = this.config.maxLifetimeSeconds?.[claims.role] ?? DEFAULT_MAX_LIFETIME_SECONDS;
    if (exp - iat > max) throw new AuthError('unauthenticated', `the token lives longer than a ${claims.role} token may (${max} s)`, 'token_lifetime');
    if (this.config.allowedOrgs && !this.config.allowedOrgs.includes(claims.org)) {
      throw new AuthError('forbidden', 'the token organisation is not served by this service', 'org_not_allowed');
    }
    return { claims, expiresAtMs: exp * 1000, issuedAtMs: iat * 1000 };
  }
}

const verifierCache = new WeakMap<VerifierConfig, Promise<TokenVerifier>>();

/** One-shot form: verifies with a verifier cached per config object (so the JWKS cache is reused). */
export async function verifyToken(token: string | undefined, config: VerifierConfig): Promise<VigilClaims> {
  let verifier = verifierCache.get(config);
  if (!verifier) {
    verifier = TokenVerifier.create(config);
    verifierCache.set(config, verifier);
  }
  return (await verifier).verify(token);
}

/** `Authorization: Bearer <token>` -> the token, or undefined. */
export function bearerToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const match = /^Bearer[ ]+([A-Za-z0-9\-_.~+/]+=*)\s*$/i.exec(value);
  return match ? match[1] : undefined;
}

function algorithmOfPublicKey(pem: string): Algorithm {
  let key;
  try {
    key = createPublicKey(pem);
  } catch {
    throw new Error('auth: AUTH_PUBLIC_KEY is not a PEM public key');
  }
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return 'ES256';
  throw new Error(`auth: AUTH_PUBLIC_KEY must be an RSA or P-256 key, got ${key.asymmetricKeyType ?? 'unknown'}`);
}

function mapJoseError(e: unknown): AuthError {
  if (e instanceof AuthError) return e;
  if (e instanceof joseErrors.JWTExpired) return new AuthError('unauthenticated', 'the token has expired', 'token_expired');
  if (e instanceof joseErrors.JWKSTimeout) return new AuthError('unavailable', 'the signing keys could not be fetched in time', 'jwks_timeout');
  if (e instanceof joseErrors.JWTClaimValidationFailed) {
    return new AuthError('unauthenticated', `the token's ${e.claim} claim is not accepted`, `claim_${e.claim}`);
  }
  if (e instanceof joseErrors.JWSSignatureVerificationFailed) {
    return new AuthError('unauthenticated', 'the token signature is invalid', 'bad_signature');
  }
  if (e instanceof joseErrors.JOSEAlgNotAllowed) return new AuthError('unauthenticated', 'the token algorithm is not accepted', 'alg_not_allowed');
  if (e instanceof joseErrors.JWKSNoMatchingKey) return new AuthError('unauthenticated', 'no signing key matches the token', 'no_matching_key');
  if (e instanceof joseErrors.JWKSInvalid || (e instanceof joseErrors.JOSEError && e.code === 'ERR_JOSE_GENERIC')) {
    // the JWKS endpoint answered something other than 200 + a key set
    return new AuthError('unavailable', 'the signing keys could not be fetched', 'jwks_unusable');
  }
  if (e instanceof joseErrors.JOSEError) return new AuthError('unauthenticated', 'the token is malformed', 'token_malformed');
  // Not a JOSE error: the JWKS endpoint could not be reached or answered garbage.
  return new AuthError('unavailable', 'the signing keys could not be fetched', 'jwks_unreachable');
}
