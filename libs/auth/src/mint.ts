import { createPrivateKey, KeyObject } from 'crypto';
import { SignJWT } from 'jose';
import { authEnv } from '@vigil/config';
import { VigilClaims } from '@vigil/contracts';
import { Algorithm } from './verify';

/** The issuer and audience a service expects when AUTH_ISSUER / AUTH_AUDIENCE are not set. */
export const DEFAULT_ISSUER: string = authEnv.AUTH_ISSUER.parse(undefined);
export const DEFAULT_AUDIENCE: string = authEnv.AUTH_AUDIENCE.parse(undefined);

export interface MintOptions {
  /** HS256 secret (dev and tests). */
  secret?: string;
  /** RS256 / ES256 private key: a KeyObject, a WebCrypto CryptoKey (jose's generateKeyPair) or a PKCS#8 PEM. */
  privateKey?: KeyObject | CryptoKey | string;
  /** Defaults: HS256 for a secret; RS256 or ES256 from the private key's type. */
  alg?: Algorithm;
  kid?: string;
  /** `'12h'`, `'15m'`, or seconds from now (negative: already expired). Default 1 h. */
  expiresIn?: string | number;
  issuer?: string;
  audience?: string;
  /** Extra or overriding payload claims, for tests of hostile tokens. */
  extra?: Record<string, unknown>;
}

/** Signs a Vigil token. For dev tooling and tests; production tokens come from the identity provider. */
export async function mintToken(claims: VigilClaims, options: MintOptions): Promise<string> {
  const payload: Record<string, unknown> = { role: claims.role, org: claims.org, ...options.extra };
  if (claims.teams) payload['teams'] = claims.teams;
  let key: KeyObject | CryptoKey | Uint8Array;
  let alg: Algorithm;
  if (options.secret !== undefined) {
    key = new TextEncoder().encode(options.secret);
    alg = options.alg ?? 'HS256';
  } else if (options.privateKey !== undefined) {
    const privateKey = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : options.privateKey;
    const isEc = privateKey instanceof KeyObject ? privateKey.asymmetricKeyType === 'ec' : privateKey.algorithm.name === 'ECDSA';
    key = privateKey;
    alg = options.alg ?? (isEc ? 'ES256' : 'RS256');
  } else {
    throw new Error('mintToken: give a secret or a privateKey');
  }
  const now = Math.floor(Date.now() / 1000);
  const expiresIn = options.expiresIn ?? '1h';
  const jwt = new SignJWT(payload)
    .setProtectedHeader(options.kid ? { alg, typ: 'JWT', kid: options.kid } : { alg, typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuer(options.issuer ?? DEFAULT_ISSUER)
    .setAudience(options.audience ?? DEFAULT_AUDIENCE)
    .setIssuedAt(now)
    .setExpirationTime(typeof expiresIn === 'number' ? now + expiresIn : expiresIn);
  return jwt.sign(key);
}
