/**
 * ingest-api in provider mode (VIGIL_OIDC=1 npm start): it verifies only the identity provider's
 * tokens. A patient of the realm's patient-app client posts a check-in (JSON and FHIR); a dev token
 * and a partner's (care-manager) token are refused. Real Keycloak (a private copy of the realm),
 * real Kafka and Redis.
 */
import { createTestRealm, KEYCLOAK_CLAIM_ENV, type TestRealm } from '@vigil/testing';
import { fhirObservation } from './fhir/fhir-fixtures';
import { checkIn, post, startTestIngest, TestIngest, token } from './testing';

jest.setTimeout(120_000);

/** The realm file's demo patient: its user id is the patient id (the token's `sub`). */
const PATIENT = { username: 'patient', password: 'patient-demo' };

describe('ingest-api with the identity provider (Keycloak)', () => {
  let realm: TestRealm;
  let svc: TestIngest;

  /**
   * A patient-app token. The app signs in with authorization code + PKCE in a browser; the password
   * grant, switched on in this private realm only, gets the same token without one.
   */
  async function patientToken(): Promise<string> {
    const res = await fetch(`${realm.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        client_id: 'vigil-patient-app',
        username: PATIENT.username,
        password: PATIENT.password,
        scope: 'openid',
      }),
    });
    if (!res.ok) throw new Error(`patient token: HTTP ${res.status} ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  beforeAll(async () => {
    realm = await createTestRealm('ingest');
    await realm.updateClient('vigil-patient-app', { directAccessGrantsEnabled: true });
    // What scripts/run-system.sh gives ingest-api in provider mode (the issuer is this test's realm).
    svc = await startTestIngest('ingest-oidc', {
      AUTH_DEV_MODE: 'false',
      AUTH_HS256_SECRET: undefined,
      AUTH_JWKS_URL: realm.jwksUrl,
      AUTH_ISSUER: realm.issuer,
      AUTH_ALLOWED_ORGS: 'org-demo',
      ...KEYCLOAK_CLAIM_ENV,
    });
  });

  afterAll(async () => {
    await svc?.close();
    await realm?.delete();
  });

  it("accepts the patient app's token: a check-in and a FHIR Observation for that patient", async () => {
    const t = await patientToken();
    const res = await post(svc.url, '/v1/check-ins', checkIn(), { token: t });
    expect(res.status).toBe(202);

    const obs = await fetch(`${svc.url}/fhir/R4/Observation`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t}`, 'content-type': 'application/fhir+json', accept: 'application/fhir+json' },
      body: JSON.stringify(fhirObservation.heartRate({ patient: realm.userIds[PATIENT.username]!, at: new Date(Date.now() - 10 * 60_000).toISOString() })),
    });
    expect(obs.status).toBe(201);
  });

  it("refuses a dev token (401) and a partner's care-manager token (403)", async () => {
    const dev = await post(svc.url, '/v1/check-ins', checkIn(), { token: await token(realm.userIds[PATIENT.username]!, { org: 'org-demo' }) });
    expect(dev.status).toBe(401);
    const partner = await post(svc.url, '/v1/check-ins', checkIn(), { token: await realm.partnerToken() });
    expect(partner.status).toBe(403);
  });
});
