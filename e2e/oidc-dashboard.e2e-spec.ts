/**
 * Sign-in with the identity provider, end to end: Keycloak (deploy/local/infra.sh up keycloak) with a
 * private copy of the repository's realm, care-api as a process verifying Keycloak's tokens (no dev
 * mode), and the built dashboard in headless Chromium through Keycloak's real login page.
 */
import type { Browser, Page } from 'playwright-core';
import { allTopicSpecs } from '@vigil/contracts';
import {
  createTestKeyspace,
  createTestRealm,
  createTestTopics,
  deleteRedisPrefix,
  deleteTestTopics,
  freePort,
  KEYCLOAK_CLAIM_ENV,
  testKafka,
  type TestKeyspace,
  type TestRealm,
  uniquePrefix,
  uniqueRedisPrefix,
  waitFor,
} from '@vigil/testing';
import { launchChromium, VIEWPORTS } from './support/chromium';
import { ensureDashboardBuilt } from './support/dashboard-build';
import { ServiceProcess } from './support/service-process';

jest.setTimeout(240_000);

/** Short, so the test sees the dashboard renew it (at half its life). */
const ACCESS_TOKEN_LIFESPAN_S = 30;

describe('dashboard sign-in with OpenID Connect (Keycloak), against care-api', () => {
  let realm: TestRealm | undefined;
  let care: ServiceProcess | undefined;
  let browser: Browser | undefined;
  let keyspace: TestKeyspace | undefined;
  const prefix = uniquePrefix('oidc');
  const redisPrefix = uniqueRedisPrefix('oidc');
  const kafka = testKafka('oidc-setup');
  const pageErrors: string[] = [];

  async function tokenFor(username: string, password: string): Promise<string> {
    const res = await fetch(`${realm!.issuer}/protocol/openid-connect/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'password', client_id: 'vigil-cli-test', username, password, scope: 'openid' }),
    });
    if (!res.ok) throw new Error(`password grant: ${res.status} ${await res.text()}`);
    return ((await res.json()) as { access_token: string }).access_token;
  }

  async function signInAtKeycloak(page: Page, username: string, password: string): Promise<void> {
    await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
    await page.waitForURL((u) => u.href.startsWith(realm!.issuer), { timeout: 30_000 });
    await page.locator('#username').fill(username);
    await page.locator('#password').fill(password);
    await page.locator('#kc-login').click();
  }

  beforeAll(async () => {
    const port = await freePort();
    const dashboardUrl = `http://127.0.0.1:${port}/dashboard/`;
    const [r, ks, b] = await Promise.all([
      createTestRealm('dash', { accessTokenLifespan: ACCESS_TOKEN_LIFESPAN_S, dashboardRedirectUri: dashboardUrl }),
      createTestKeyspace('oidc'),
      launchChromium(),
      createTestTopics(kafka, prefix, allTopicSpecs()),
      ensureDashboardBuilt(),
    ]);
    realm = r;
    keyspace = ks;
    browser = b;
    // A confidential test client with the password grant, for API calls as realm users (the
    // dashboard client itself has only the code flow).
    await realm.addClient({
      clientId: 'vigil-cli-test',
      publicClient: true,
      standardFlowEnabled: false,
      directAccessGrantsEnabled: true,
      defaultClientScopes: ['basic', 'acr', 'vigil'],
    });
    care = new ServiceProcess('care-api', 'apps/care-api/src/main.ts', {
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      TOPIC_PREFIX: prefix,
      KAFKA_ENSURE_TOPICS: 'false',
      KAFKA_GROUP_ID: `care-api-${prefix}`,
      KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092',
      CASSANDRA_CONTACT_POINTS: process.env['CASSANDRA_CONTACT_POINTS'] ?? '127.0.0.1:9042',
      CASSANDRA_KEYSPACE: ks.keyspace,
      REDIS_URL: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: redisPrefix,
      CURSOR_SIGNING_KEYS: 'oidc-e2e-cursor-key-0123456789abcdef0123',
      AUTH_JWKS_URL: realm.jwksUrl,
      AUTH_ISSUER: realm.issuer,
      DASHBOARD_OIDC_ISSUER: realm.issuer,
      ...KEYCLOAK_CLAIM_ENV,
    });
    await care.start();
  });

  afterAll(async () => {
    await browser?.close().catch(() => undefined);
    await care?.stop(10_000).catch(() => undefined);
    await Promise.all([
      realm?.delete().catch(() => undefined),
      deleteTestTopics(kafka, prefix, [`care-api-${prefix}`]).catch(() => undefined),
      deleteRedisPrefix(redisPrefix).catch(() => undefined),
      keyspace?.drop().catch(() => undefined),
    ]);
    expect(pageErrors).toEqual([]);
  });

  it('signs in through the login page, lands on the home view, survives a renewal, signs out at the provider', async () => {
    const ctx = await browser!.newContext({ viewport: VIEWPORTS.laptop });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${care!.url}/dashboard/`);
    // No provider token field in production mode: care-api runs without AUTH_DEV_MODE.
    await expect(page.getByLabel('Access token').count()).resolves.toBe(0);
    await signInAtKeycloak(page, 'nurse', 'nurse-demo');
    await page.waitForURL(`${care!.url}/dashboard/`, { timeout: 30_000 });
    await page.locator('#connection[data-connection="live"]').waitFor({ timeout: 30_000 });
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    expect(await page.locator('#user').innerText()).toContain('care-manager · org-demo');
    // The code and state are gone from the address bar; no token in web storage.
    expect(page.url()).not.toContain('code=');
    const stored = await page.evaluate(() => JSON.stringify({ ...sessionStorage, ...localStorage }));
    expect(stored).not.toMatch(/eyJ/);

    // Renewed before it expires (refresh token), in place: same page, stream live again.
    await page.locator('body[data-token-renewals="2"]').waitFor({ timeout: ACCESS_TOKEN_LIFESPAN_S * 3 * 1000 });
    await page.locator('#connection[data-connection="live"]').waitFor({ timeout: 30_000 });
    await expect(page.getByRole('button', { name: 'Sign in with your organisation' }).count()).resolves.toBe(0);

    // Sign-out ends the provider's session: signing in again shows the login form again.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in with your organisation' }).waitFor({ timeout: 30_000 });
    await page.getByRole('button', { name: 'Sign in with your organisation' }).click();
    await page.locator('#username').waitFor({ timeout: 30_000 });
    await ctx.close();
  });

  it('tells a user whose claims do not map why, in the page and in the API', async () => {
    const ctx = await browser!.newContext({ viewport: VIEWPORTS.laptop });
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${care!.url}/dashboard/`);
    await signInAtKeycloak(page, 'visitor', 'visitor-demo');
    await page.locator('#not-mapped').waitFor({ timeout: 30_000 });
    expect(await page.locator('#not-mapped').innerText()).toContain('does not give you a Vigil role');
    await ctx.close();

    const res = await fetch(`${care!.url}/v1/alerts`, { headers: { authorization: `Bearer ${await tokenFor('visitor', 'visitor-demo')}` } });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { detail: string }).detail).toContain('no Vigil role');
  });

  it('a partner system gets a token with client credentials and reads FHIR', async () => {
    const admin = await tokenFor('admin', 'admin-demo');
    // Patients are enrolled only into registered teams the admin holds (the realm's admin holds team-a).
    const team = await fetch(`${care!.url}/v1/teams/team-a`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Team A' }),
    });
    expect(team.status).toBeLessThan(300);
    const put = await fetch(`${care!.url}/v1/patients/p-oidc-1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ careTeamId: 'team-a', conditions: ['heart-failure'], news2SpO2Scale: 1, dryWeightKg: 80 }),
    });
    expect(put.status).toBeLessThan(300);
    const partner = await realm!.partnerToken();
    const url = `${care!.url}/fhir/R4/Observation?patient=p-oidc-1&code=${encodeURIComponent('http://loinc.org|29463-7')}&date=ge2026-01-01&date=le2026-01-31`;
    const body = await waitFor(
      async () => {
        const r = await fetch(url, { headers: { authorization: `Bearer ${partner}`, accept: 'application/fhir+json' } });
        return r.status === 200 ? ((await r.json()) as { resourceType: string; type: string }) : null;
      },
      30_000,
      { intervalMs: 500, what: 'the FHIR search answered 200' },
    );
    expect([body.resourceType, body.type]).toEqual(['Bundle', 'searchset']);
    const other = await fetch(url, { headers: { authorization: 'Bearer not-a-token', accept: 'application/fhir+json' } });
    expect(other.status).toBe(401);
  });
});
