/**
 * libs/auth against the real provider: Keycloak (deploy/local/infra.sh up keycloak) with a private
 * copy of the repository's realm. Key rotation at the provider, issuer and audience checks, and the
 * claims mapping of the realm's protocol mappers (org, teams, roles).
 */
import { decodeProtectedHeader } from 'jose';
import { createTestRealm, KEYCLOAK_CLAIM_ENV, type TestRealm, waitFor } from '@vigil/testing';
import { AuthError } from './errors';
import { verifierConfigFromEnv } from './env';
import { TokenVerifier } from './verify';

jest.setTimeout(120_000);

const LIFESPAN_S = 20;
/** After a JWKS fetch, the next one waits this long (AUTH_JWKS_COOLDOWN_SECONDS). */
const COOLDOWN_S = 2;

async function refusal(p: Promise<unknown>): Promise<AuthError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(AuthError);
    return e as AuthError;
  }
  throw new Error('expected an AuthError');
}

describe('TokenVerifier against Keycloak', () => {
  let realm: TestRealm;
  let verifier: TokenVerifier;

  const verifierFor = (over: Record<string, string> = {}) =>
    TokenVerifier.create(
      verifierConfigFromEnv(
        {
          AUTH_JWKS_URL: realm.jwksUrl,
          AUTH_ISSUER: realm.issuer,
          AUTH_JWKS_COOLDOWN_SECONDS: COOLDOWN_S,
          ...KEYCLOAK_CLAIM_ENV,
          ...over,
        },
        'test',
      ),
    );

  async function userToken(username: string, password: string): Promise<string> {
    const res = await fetch(`${realm.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', client_id: 'vigil-dashboard', username, password, scope: 'openid' }),
    });
    if (!res.ok) throw new Error(`password grant for ${username}: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  beforeAll(async () => {
    realm = await createTestRealm('auth', { accessTokenLifespan: LIFESPAN_S });
    // The password grant is off in the realm file (browsers use the code flow); on here to get user tokens quickly.
    await realm.updateClient('vigil-dashboard', { directAccessGrantsEnabled: true });
    verifier = await verifierFor();
  });

  afterAll(async () => {
    await realm?.delete();
  });

  it("maps the realm's claims: a partner's service account, a nurse and a patient", async () => {
    await expect(verifier.verify(await realm.partnerToken())).resolves.toEqual(
      expect.objectContaining({ role: 'care-manager', org: 'org-demo', teams: ['team-a'] }),
    );
    const nurse = await verifier.verify(await userToken('nurse', 'nurse-demo'));
    expect(nurse).toEqual(expect.objectContaining({ role: 'care-manager', org: 'org-demo' }));
    expect([...(nurse.teams ?? [])].sort()).toEqual(['team-a', 'team-b']);
    // The realm's demo patient: its user id (p-demo-1, suffixed in this copy) is the patient id: `sub`.
    await expect(verifier.verify(await userToken('patient', 'patient-demo'))).resolves.toEqual(
      expect.objectContaining({ sub: realm.userIds['patient'], role: 'patient', org: 'org-demo' }),
    );
  });

  it('refuses a signed-in user the provider gives no Vigil role, with 403 naming the claim', async () => {
    const e = await refusal(verifier.verify(await userToken('visitor', 'visitor-demo')));
    expect([e.kind, e.code]).toEqual(['forbidden', 'role_unmapped']);
    expect(e.message).toContain('"roles"');
  });

  it('refuses tokens of another issuer or for another audience', async () => {
    const token = await realm.partnerToken();
    expect((await refusal((await verifierFor({ AUTH_ISSUER: 'http://127.0.0.1:8180/realms/another' })).verify(token))).code).toBe('claim_iss');
    expect((await refusal((await verifierFor({ AUTH_AUDIENCE: 'another-service' })).verify(token))).code).toBe('claim_aud');
    // The master realm signs with its own keys: not in this realm's JWKS.
    const master = await fetch(realm.issuer.replace(/\/realms\/.*$/, '/realms/master/protocol/openid-connect/token'), {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'admin-cli',
        username: process.env['KEYCLOAK_ADMIN_USER'] ?? 'admin',
        password: process.env['KEYCLOAK_ADMIN_PASSWORD'] ?? 'admin',
      }),
    });
    const masterToken = ((await master.json()) as { access_token: string }).access_token;
    expect((await refusal(verifier.verify(masterToken))).kind).toBe('unauthenticated');
  });

  it('picks up a rotated key without a restart and accepts the old key until its tokens expire', async () => {
    const before = await realm.partnerToken();
    await expect(verifier.verify(before)).resolves.toBeDefined(); // the old key is now in the cache
    await realm.rotateKey();
    const after = await realm.partnerToken();
    expect(decodeProtectedHeader(after).kid).not.toBe(decodeProtectedHeader(before).kid);
    const rotatedAt = Date.now();
    // An unknown kid refetches the JWKS once the cooldown since the last fetch has passed.
    await waitFor(() => verifier.verify(after), (COOLDOWN_S + 5) * 1000, { intervalMs: 250, what: 'the new key accepted' });
    expect(Date.now() - rotatedAt).toBeLessThan((COOLDOWN_S + 5) * 1000);
    await expect(verifier.verify(before)).resolves.toEqual(expect.objectContaining({ org: 'org-demo' }));
    // ... until it expires (the realm's short lifespan here), then refused as expired.
    const e = await waitFor(
      async () =>
        verifier.verify(before).then(
          () => null,
          (err: unknown) => err as AuthError,
        ),
      (LIFESPAN_S + 15) * 1000,
      { intervalMs: 500, what: 'the old token to expire' },
    );
    expect(e.code).toBe('token_expired');
  });
});
