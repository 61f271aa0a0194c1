/**
 * The test Keycloak (deploy/local/infra.sh up keycloak; scripts/test-all.sh starts it). Each test
 * imports its own copy of deploy/local/keycloak/realm-vigil.json under a unique realm name and
 * deletes it afterwards, so key rotations and short token lifespans never touch another run.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

export const KEYCLOAK_URL = process.env['KEYCLOAK_URL'] ?? `http://127.0.0.1:${process.env['KEYCLOAK_PORT'] ?? '8180'}`;
const ADMIN_USER = process.env['KEYCLOAK_ADMIN_USER'] ?? 'admin';
const ADMIN_PASSWORD = process.env['KEYCLOAK_ADMIN_PASSWORD'] ?? 'admin';
const REALM_FILE = path.resolve(__dirname, '../../../deploy/local/keycloak/realm-vigil.json');
export const PARTNER_CLIENT = { id: 'vigil-partner', secret: 'vigil-partner-dev-secret-change-me' };

/** Claim names of the repository's realm (its protocol mappers): AUTH_CLAIM_* for the services. */
export const KEYCLOAK_CLAIM_ENV = { AUTH_CLAIM_ORG: 'org', AUTH_CLAIM_TEAMS: 'teams', AUTH_CLAIM_ROLE: 'roles', AUTH_AUDIENCE: 'vigil' };

type Json = Record<string, unknown>;

async function adminToken(): Promise<string> {
  const res = await fetch(`${KEYCLOAK_URL}/realms/master/protocol/openid-connect/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'password', client_id: 'admin-cli', username: ADMIN_USER, password: ADMIN_PASSWORD }),
  });
  if (!res.ok) throw new Error(`keycloak admin sign-in: HTTP ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function admin(method: string, pathname: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${KEYCLOAK_URL}/admin/realms${pathname}`, {
    method,
    headers: { authorization: `Bearer ${await adminToken()}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`keycloak admin ${method} ${pathname}: HTTP ${res.status} ${await res.text()}`);
  return res;
}

/** Fails with the fix when Keycloak does not answer (integration tests never skip). */
export async function assertKeycloakUp(): Promise<void> {
  try {
    const res = await fetch(`${KEYCLOAK_URL}/realms/master/.well-known/openid-configuration`, { signal: AbortSignal.timeout(5000) });
    if (res.ok) return;
  } catch {
    // fall through
  }
  throw new Error(`Keycloak is not reachable at ${KEYCLOAK_URL}. Start it with: bash deploy/local/infra.sh up keycloak`);
}

export interface TestRealm {
  name: string;
  issuer: string;
  jwksUrl: string;
  /**
   * Users' ids in this copy, by username. Keycloak's user ids are unique across realms, so a fixed id
   * of the realm file (the demo patient's `p-demo-1`, its patient id) gets this realm's suffix here.
   */
  userIds: Record<string, string>;
  /** client_credentials token of the partner client. */
  partnerToken(): Promise<string>;
  /** Adds an RSA signing key that outranks the current one (a rotation at the provider). */
  rotateKey(): Promise<void>;
  /** Adds a client (e.g. a test-only one with the password grant). */
  addClient(client: Json): Promise<void>;
  /** Sets attributes or redirect URIs on one of the realm's clients. */
  updateClient(clientId: string, change: Json): Promise<void>;
  delete(): Promise<void>;
}

export interface TestRealmOptions {
  /** Seconds an access token lives (the realm file says 300). */
  accessTokenLifespan?: number;
  /** Exact redirect URIs (and post-logout URIs) of the dashboard client. */
  dashboardRedirectUri?: string;
}

export async function createTestRealm(label: string, opts: TestRealmOptions = {}): Promise<TestRealm> {
  await assertKeycloakUp();
  const name = `vigil-${label}-${randomBytes(3).toString('hex')}`;
  const realm = JSON.parse(readFileSync(REALM_FILE, 'utf8')) as Json & { clients: Json[] };
  realm['realm'] = name;
  if (opts.accessTokenLifespan) realm['accessTokenLifespan'] = opts.accessTokenLifespan;
  if (opts.dashboardRedirectUri) {
    const dash = realm.clients.find((c) => c['clientId'] === 'vigil-dashboard') as Json & { attributes: Json };
    dash['redirectUris'] = [opts.dashboardRedirectUri];
    dash.attributes['post.logout.redirect.uris'] = opts.dashboardRedirectUri;
  }
  const suffix = name.slice(name.lastIndexOf('-') + 1);
  const userIds: Record<string, string> = {};
  for (const user of (realm['users'] ?? []) as Json[]) {
    if (typeof user['id'] !== 'string') continue;
    const id = `${user['id']}-${suffix}`;
    user['id'] = id;
    userIds[String(user['username'])] = id;
  }
  await admin('POST', '', realm);
  const issuer = `${KEYCLOAK_URL}/realms/${name}`;
  return {
    name,
    issuer,
    jwksUrl: `${issuer}/protocol/openid-connect/certs`,
    userIds,
    async partnerToken() {
      const res = await fetch(`${issuer}/protocol/openid-connect/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: PARTNER_CLIENT.id, client_secret: PARTNER_CLIENT.secret }),
      });
      if (!res.ok) throw new Error(`partner token: HTTP ${res.status} ${await res.text()}`);
      return ((await res.json()) as { access_token: string }).access_token;
    },
    async rotateKey() {
      const info = (await (await admin('GET', `/${name}`)).json()) as { id: string };
      await admin('POST', `/${name}/components`, {
        name: `rotated-${Date.now()}`,
        providerId: 'rsa-generated',
        providerType: 'org.keycloak.keys.KeyProvider',
        parentId: info.id,
        config: { priority: ['1000'], enabled: ['true'], active: ['true'], keySize: ['2048'], algorithm: ['RS256'] },
      });
    },
    async addClient(client) {
      await admin('POST', `/${name}/clients`, { protocol: 'openid-connect', enabled: true, ...client });
    },
    async updateClient(clientId, change) {
      const [client] = (await (await admin('GET', `/${name}/clients?clientId=${encodeURIComponent(clientId)}`)).json()) as Json[];
      if (!client) throw new Error(`no client ${clientId} in ${name}`);
      await admin('PUT', `/${name}/clients/${String(client['id'])}`, { ...client, ...change });
    },
    async delete() {
      await admin('DELETE', `/${name}`);
    },
  };
}
