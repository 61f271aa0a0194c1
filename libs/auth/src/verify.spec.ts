import { createServer, Server } from 'http';
import { AddressInfo } from 'net';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, UnsecuredJWT } from 'jose';
import { AuthError, bearerToken, DEV_HS256_SECRET, mintToken, TokenVerifier, verifierConfigFromEnv, VerifierConfig, verifyToken } from './index';

const ISS = 'vigil-test';
const AUD = 'vigil';
const SECRET = 'a-test-secret-that-is-long-enough-for-hs256!';
const patient = { sub: 'p-1', role: 'patient' as const, org: 'org-1' };
const hsConfig: VerifierConfig = { issuer: ISS, audience: AUD, hs256Secret: SECRET, devMode: true };
const mint = (extra: Parameters<typeof mintToken>[1] = {}, claims = patient) => mintToken(claims, { secret: SECRET, issuer: ISS, audience: AUD, ...extra });

async function failure(p: Promise<unknown>): Promise<AuthError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AuthError);
    return e as AuthError;
  }
  throw new Error('expected an AuthError');
}

// RSA key generation and app start-up can be slow on a busy machine.
jest.setTimeout(30_000);

describe('verifyToken (HS256, dev)', () => {
  it('returns the claims of a valid token', async () => {
    const token = await mint({}, { ...patient, teams: ['t1', 't2'] } as typeof patient);
    await expect(verifyToken(token, hsConfig)).resolves.toEqual({ ...patient, teams: ['t1', 't2'] });
  });

  it.each([
    ['missing', undefined, 'token_missing'],
    ['garbage', 'not.a.jwt', 'token_malformed'],
    ['too long', 'a'.repeat(9000), 'token_too_long'],
  ])('refuses a %s token', async (_n, token, code) => {
    const e = await failure(verifyToken(token, hsConfig));
    expect(e.kind).toBe('unauthenticated');
    expect(e.code).toBe(code);
  });

  it('refuses expired, wrongly signed, wrong issuer or audience, unsigned', async () => {
    expect((await failure(verifyToken(await mint({ expiresIn: -60 }), hsConfig))).code).toBe('token_expired');
    const wrongKey = await mintToken(patient, { secret: `${SECRET}-other`, issuer: ISS, audience: AUD });
    expect((await failure(verifyToken(wrongKey, hsConfig))).code).toBe('bad_signature');
    expect((await failure(verifyToken(await mint({ issuer: 'evil' }), hsConfig))).code).toBe('claim_iss');
    expect((await failure(verifyToken(await mint({ audience: 'other' }), hsConfig))).code).toBe('claim_aud');
    const none = new UnsecuredJWT({ role: 'patient', org: 'org-1' }).setSubject('p-1').setIssuer(ISS).setAudience(AUD).setExpirationTime('1h').encode();
    expect((await failure(verifyToken(none, hsConfig))).kind).toBe('unauthenticated');
  });

  it('refuses a token without exp', async () => {
    const token = await new SignJWT({ role: 'patient', org: 'org-1' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('p-1')
      .setIssuer(ISS)
      .setAudience(AUD)
      .setIssuedAt()
      .sign(new TextEncoder().encode(SECRET));
    expect((await failure(verifyToken(token, hsConfig))).code).toBe('claim_exp');
  });

  it('refuses a token without iat, or with iat in the future', async () => {
    const base = () => new SignJWT({ role: 'patient', org: 'org-1' }).setProtectedHeader({ alg: 'HS256' }).setSubject('p-1').setIssuer(ISS).setAudience(AUD);
    const key = new TextEncoder().encode(SECRET);
    const noIat = await base().setExpirationTime('1h').sign(key);
    expect((await failure(verifyToken(noIat, hsConfig))).code).toBe('claim_iat');
    const now = Math.floor(Date.now() / 1000);
    const future = await base()
      .setIssuedAt(now + 3600)
      .setExpirationTime(now + 7200)
      .sign(key);
    expect((await failure(verifyToken(future, hsConfig))).code).toBe('claim_iat');
  });

  it('caps the lifetime by role (configurable) and checks typ when present', async () => {
    expect((await failure(verifyToken(await mint({ expiresIn: '25h' }), hsConfig))).code).toBe('token_lifetime');
    await expect(verifyToken(await mint({ expiresIn: '11h' }), hsConfig)).resolves.toEqual(patient);
    const capped = { ...hsConfig, maxLifetimeSeconds: { patient: 600 } };
    expect((await failure(verifyToken(await mint({ expiresIn: '11m' }), capped))).code).toBe('token_lifetime');
    await expect(verifyToken(await mint({ expiresIn: '9m' }), capped)).resolves.toEqual(patient);
    const key = new TextEncoder().encode(SECRET);
    const typed = (typ: string) =>
      new SignJWT({ role: 'patient', org: 'org-1' })
        .setProtectedHeader({ alg: 'HS256', typ })
        .setSubject('p-1')
        .setIssuer(ISS)
        .setAudience(AUD)
        .setIssuedAt()
        .setExpirationTime('1h')
        .sign(key);
    await expect(verifyToken(await typed('at+jwt'), hsConfig)).resolves.toEqual(patient);
    expect((await failure(verifyToken(await typed('refresh+jwt'), hsConfig))).code).toBe('token_typ');
  });

  it('holds sub and teams to the one id rule (ID_PATTERN, 128 characters)', async () => {
    const long = `p${'x'.repeat(127)}`;
    await expect(verifyToken(await mint({}, { ...patient, sub: long }), hsConfig)).resolves.toMatchObject({ sub: long });
    expect((await failure(verifyToken(await mint({}, { ...patient, sub: `${long}x` }), hsConfig))).code).toBe('claim_sub');
    expect((await failure(verifyToken(await mint({}, { ...patient, sub: 'a b' }), hsConfig))).code).toBe('claim_sub');
    expect((await failure(verifyToken(await mint({ extra: { teams: ['ok', 'not ok'] } }), hsConfig))).code).toBe('claim_teams');
  });

  // A signed token whose role or organisation does not map: 403, saying which claim (claim-mapping.ts).
  it.each([
    ['role_unmapped', { role: 'admin' }],
    ['role_unmapped', { role: undefined }],
    ['org_unmapped', { org: '' }],
  ])('refuses with 403 %s: %j', async (code, extra) => {
    const e = await failure(verifyToken(await mint({ extra }), hsConfig));
    expect([e.kind, e.code]).toEqual(['forbidden', code]);
  });

  it.each([
    ['org', { org: 'a:b' }],
    ['org', { org: 42 }],
    ['teams', { teams: 'a' }],
    ['teams', { teams: [1] }],
  ])('refuses a bad %s claim %j', async (claim, extra) => {
    const e = await failure(verifyToken(await mint({ extra }), hsConfig));
    expect(e.kind).toBe('unauthenticated');
    expect(e.code).toBe(`claim_${claim}`);
  });

  it('refuses an organisation the deployment does not serve with forbidden', async () => {
    const config = { ...hsConfig, allowedOrgs: ['org-2'] };
    const e = await failure(verifyToken(await mint(), config));
    expect(e.kind).toBe('forbidden');
    await expect(verifyToken(await mint({}, { ...patient, org: 'org-2' }), config)).resolves.toMatchObject({ org: 'org-2' });
  });

  it('refuses HS256 in production, without dev mode, and ambiguous key configuration', async () => {
    await expect(TokenVerifier.create({ ...hsConfig, nodeEnv: 'production' })).rejects.toThrow(/local development only/);
    await expect(TokenVerifier.create({ ...hsConfig, devMode: false })).rejects.toThrow(/AUTH_DEV_MODE=true/);
    await expect(TokenVerifier.create({ issuer: ISS, audience: AUD })).rejects.toThrow(/exactly one/);
    await expect(TokenVerifier.create({ ...hsConfig, jwksUrl: 'http://127.0.0.1:1/jwks' })).rejects.toThrow(/exactly one/);
    await expect(TokenVerifier.create({ ...hsConfig, hs256Secret: 'short' })).rejects.toThrow(/32 characters/);
  });
});

describe('verifyToken (RS256 / ES256 public key)', () => {
  it.each(['RS256', 'ES256'] as const)('%s with a PEM public key', async (alg) => {
    const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
    const pem = await exportSPKI(publicKey);
    const config: VerifierConfig = { issuer: ISS, audience: AUD, publicKey: pem };
    const verifier = await TokenVerifier.create(config);
    expect(verifier.algorithms).toEqual([alg]);
    const token = await mintToken(patient, { privateKey: privateKey as never, issuer: ISS, audience: AUD });
    await expect(verifier.verify(token)).resolves.toEqual(patient);
    // A PEM squeezed into one env line with literal \n still works.
    const oneLine = await TokenVerifier.create({ ...config, publicKey: pem.replace(/\n/g, '\\n') });
    await expect(oneLine.verify(token)).resolves.toEqual(patient);
  });

  it('refuses an HS256 token signed with the public key as the secret (algorithm confusion)', async () => {
    const { publicKey } = await generateKeyPair('RS256', { extractable: true });
    const pem = await exportSPKI(publicKey);
    const verifier = await TokenVerifier.create({ issuer: ISS, audience: AUD, publicKey: pem });
    const forged = await mintToken(patient, { secret: pem, issuer: ISS, audience: AUD });
    expect((await failure(verifier.verify(forged))).code).toBe('alg_not_allowed');
  });
});

describe('verifyToken (JWKS)', () => {
  let server: Server;
  let url: string;
  let status = 200;
  let keys: { rs: CryptoKeyPair; es: CryptoKeyPair };
  let jwks: unknown;

  beforeAll(async () => {
    const rs = await generateKeyPair('RS256', { extractable: true });
    const es = await generateKeyPair('ES256', { extractable: true });
    keys = { rs: rs as unknown as CryptoKeyPair, es: es as unknown as CryptoKeyPair };
    jwks = {
      keys: [
        { ...(await exportJWK(rs.publicKey)), kid: 'rs-1', alg: 'RS256', use: 'sig' },
        { ...(await exportJWK(es.publicKey)), kid: 'es-1', alg: 'ES256', use: 'sig' },
      ],
    };
    server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(jwks));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('verifies RS256 and ES256 tokens by kid', async () => {
    const verifier = await TokenVerifier.create({ issuer: ISS, audience: AUD, jwksUrl: url });
    for (const [k, kid] of [
      [keys.rs, 'rs-1'],
      [keys.es, 'es-1'],
    ] as const) {
      const token = await mintToken(patient, { privateKey: k.privateKey as never, kid, issuer: ISS, audience: AUD });
      await expect(verifier.verify(token)).resolves.toEqual(patient);
    }
    const unknownKid = await mintToken(patient, { privateKey: keys.rs.privateKey as never, kid: 'nope', issuer: ISS, audience: AUD });
    expect((await failure(verifier.verify(unknownKid))).code).toBe('no_matching_key');
  });

  it('answers unavailable, not unauthenticated, when the JWKS cannot be fetched', async () => {
    const token = await mintToken(patient, { privateKey: keys.rs.privateKey as never, kid: 'rs-1', issuer: ISS, audience: AUD });
    const down = await TokenVerifier.create({ issuer: ISS, audience: AUD, jwksUrl: 'http://127.0.0.1:9/jwks.json' });
    expect((await failure(down.verify(token))).kind).toBe('unavailable');
    status = 500;
    try {
      const broken = await TokenVerifier.create({ issuer: ISS, audience: AUD, jwksUrl: url });
      expect((await failure(broken.verify(token))).kind).toBe('unavailable');
    } finally {
      status = 200;
    }
  });
});

describe('bearerToken and verifierConfigFromEnv', () => {
  it('parses the Authorization header', () => {
    expect(bearerToken('Bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('bearer abc.def.ghi')).toBe('abc.def.ghi');
    expect(bearerToken('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerToken('Bearer')).toBeUndefined();
    expect(bearerToken(undefined)).toBeUndefined();
    expect(bearerToken('Bearer a b')).toBeUndefined();
  });

  it('falls back to the dev secret only with the explicit dev-mode switch, never in production', () => {
    const env = { AUTH_ISSUER: ISS, AUTH_AUDIENCE: AUD };
    expect(verifierConfigFromEnv({ ...env, AUTH_DEV_MODE: true }, 'development')).toMatchObject({
      hs256Secret: DEV_HS256_SECRET,
      usingDevSecret: true,
      devMode: true,
    });
    for (const nodeEnv of [undefined, 'development', 'staging', 'prod', 'production']) {
      expect(() => verifierConfigFromEnv(env, nodeEnv)).toThrow(/no token key configured.*AUTH_DEV_MODE=true/);
    }
    expect(() => verifierConfigFromEnv({ ...env, AUTH_HS256_SECRET: SECRET }, 'staging')).toThrow(/needs AUTH_DEV_MODE=true/);
    expect(() => verifierConfigFromEnv({ ...env, AUTH_DEV_MODE: true }, 'production')).toThrow(/refused with NODE_ENV=production/);
    expect(verifierConfigFromEnv({ ...env, AUTH_JWKS_URL: 'https://idp/jwks' }, 'production')).toMatchObject({
      jwksUrl: 'https://idp/jwks',
      hs256Secret: undefined,
      usingDevSecret: false,
    });
  });
});
