/**
 * Sign-in with the organisation's identity provider: OpenID Connect authorization code + PKCE
 * (oauth4webapi). The PKCE verifier, state and nonce wait in sessionStorage across the redirect
 * (single use); the tokens live in memory only, so a reload signs in again (silently while the
 * provider's session lasts). The access token is renewed with the refresh token before it expires.
 */
import * as oauth from 'oauth4webapi';
import type { DashboardConfig } from '@vigil/contracts';
import type { TokenClaims } from './types';

const PENDING_KEY = 'vigil.dashboard.oidc.pending';
/** Renew this long before the access token expires (or at half its life, if shorter). */
const RENEW_BEFORE_MS = 30_000;

export type SignInConfig = DashboardConfig;

export async function loadSignInConfig(): Promise<SignInConfig> {
  try {
    const res = await fetch(`${window.location.origin}/dashboard/config.json`, { cache: 'no-store' });
    if (res.ok) return (await res.json()) as SignInConfig;
  } catch {
    // no config endpoint: a care-api without a provider
  }
  return { oidc: null, devTokens: true, claims: { org: 'org', teams: 'teams', role: 'role' } };
}

/** The user's claims could not be mapped to a Vigil role / organisation: the page says why. */
export class ClaimsNotMappedError extends Error {}

const VIGIL_ROLES = ['patient', 'care-manager', 'care-admin'];

function readPath(payload: Record<string, unknown>, name: string): unknown {
  if (name in payload) return payload[name];
  let node: unknown = payload;
  for (const part of name.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

/** The same mapping as libs/auth claim-mapping.ts, to greet the user; care-api decides on every request. */
export function mapClaims(payload: Record<string, unknown>, names: SignInConfig['claims']): TokenClaims {
  const rawRole = readPath(payload, names.role);
  const roles = (Array.isArray(rawRole) ? rawRole : [rawRole]).filter((r): r is string => typeof r === 'string' && VIGIL_ROLES.includes(r));
  if (roles.length !== 1) {
    throw new ClaimsNotMappedError(
      roles.length === 0
        ? `Your organisation's sign-in does not give you a Vigil role (claim "${names.role}"). Ask your administrator for the care-manager or care-admin role.`
        : `Your organisation's sign-in gives you more than one Vigil role (${roles.join(', ')}). Ask your administrator to leave one.`,
    );
  }
  const role = roles[0];
  if (role !== 'care-manager' && role !== 'care-admin')
    throw new ClaimsNotMappedError(`This dashboard is for care managers and care admins; your role is "${role}".`);
  let org = readPath(payload, names.org);
  if (Array.isArray(org) && org.length === 1) org = org[0];
  if (typeof org !== 'string' || !org) {
    throw new ClaimsNotMappedError(`Your organisation's sign-in does not say which organisation you belong to (claim "${names.org}"). Ask your administrator.`);
  }
  const rawTeams = readPath(payload, names.teams);
  const teams = Array.isArray(rawTeams) ? rawTeams.filter((t): t is string => typeof t === 'string') : [];
  const claims: TokenClaims = { sub: String(payload['preferred_username'] ?? payload['sub'] ?? ''), role, org, teams };
  if (typeof payload['exp'] === 'number') claims.exp = payload['exp'];
  return claims;
}

function payloadOf(jwt: string): Record<string, unknown> {
  const part = jwt.split('.')[1] ?? '';
  const b64 = part
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(part.length / 4) * 4, '=');
  return JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(b64), (c) => c.charCodeAt(0)))) as Record<string, unknown>;
}

interface Pending {
  verifier: string;
  state: string;
  nonce: string;
  /** The page the nurse was on, opened again after the callback. */
  returnTo: string;
}

export interface OidcTokens {
  accessToken: string;
  claims: TokenClaims;
}

export class OidcClient {
  private as?: oauth.AuthorizationServer;
  private readonly client: oauth.Client;
  private refreshToken?: string;
  private idToken?: string;
  private renewTimer: number | null = null;

  constructor(
    private readonly config: SignInConfig & { oidc: NonNullable<SignInConfig['oidc']> },
    /** Exact, as registered at the provider. */
    private readonly redirectUri = `${window.location.origin}/dashboard/`,
  ) {
    this.client = { client_id: config.oidc.clientId };
  }

  private async server(): Promise<oauth.AuthorizationServer> {
    if (!this.as) {
      const issuer = new URL(this.config.oidc.issuer);
      this.as = await oauth.processDiscoveryResponse(
        issuer,
        await oauth.discoveryRequest(issuer, { algorithm: 'oidc', [oauth.allowInsecureRequests]: issuer.protocol === 'http:' }),
      );
    }
    return this.as;
  }

  private opts(): { [oauth.allowInsecureRequests]: boolean } {
    return { [oauth.allowInsecureRequests]: new URL(this.config.oidc.issuer).protocol === 'http:' };
  }

  /** Off to the provider's login page; comes back to redirectUri with ?code&state. */
  async signIn(returnTo: string): Promise<never> {
    const as = await this.server();
    const pending: Pending = { verifier: oauth.generateRandomCodeVerifier(), state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), returnTo };
    sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
    const url = new URL(as.authorization_endpoint as string);
    url.search = new URLSearchParams({
      client_id: this.client.client_id,
      redirect_uri: this.redirectUri,
      response_type: 'code',
      scope: 'openid',
      code_challenge: await oauth.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
      state: pending.state,
      nonce: pending.nonce,
    }).toString();
    window.location.assign(url.href);
    return new Promise<never>(() => undefined);
  }

  /** True when this URL is the provider's answer (code or error with a state we sent). */
  static isCallback(url: URL): boolean {
    return url.searchParams.has('state') && (url.searchParams.has('code') || url.searchParams.has('error'));
  }

  /** The callback: checks state, exchanges the code (PKCE), checks the ID token and its nonce. */
  async completeSignIn(url: URL): Promise<OidcTokens & { returnTo: string }> {
    const raw = sessionStorage.getItem(PENDING_KEY);
    sessionStorage.removeItem(PENDING_KEY);
    if (!raw) throw new Error('This sign-in answer was not expected (started in another tab, or already used). Sign in again.');
    const pending = JSON.parse(raw) as Pending;
    const as = await this.server();
    const params = oauth.validateAuthResponse(as, this.client, url, pending.state);
    const response = await oauth.authorizationCodeGrantRequest(as, this.client, oauth.None(), params, this.redirectUri, pending.verifier, this.opts());
    const result = await oauth.processAuthorizationCodeResponse(as, this.client, response, { expectedNonce: pending.nonce, requireIdToken: true });
    return { ...this.accept(result), returnTo: pending.returnTo };
  }

  private accept(result: oauth.TokenEndpointResponse): OidcTokens {
    if (result.refresh_token) this.refreshToken = result.refresh_token;
    if (result.id_token) this.idToken = result.id_token;
    return { accessToken: result.access_token, claims: mapClaims(payloadOf(result.access_token), this.config.claims) };
  }

  /** Renews before expiry, over and over; onRenewed gets each new token, onFailed when it cannot. */
  scheduleRenewal(tokens: OidcTokens, onRenewed: (t: OidcTokens) => void, onFailed: (e: unknown) => void): void {
    this.cancelRenewal();
    if (!tokens.claims.exp || !this.refreshToken) return;
    const life = tokens.claims.exp * 1000 - Date.now();
    // Short-lived tokens (under a minute) are renewed at half their life.
    const wait = Math.max(1000, life > 2 * RENEW_BEFORE_MS ? life - RENEW_BEFORE_MS : life / 2);
    this.renewTimer = window.setTimeout(() => {
      this.renew().then((next) => {
        onRenewed(next);
        this.scheduleRenewal(next, onRenewed, onFailed);
      }, onFailed);
    }, wait);
  }

  cancelRenewal(): void {
    if (this.renewTimer !== null) window.clearTimeout(this.renewTimer);
    this.renewTimer = null;
  }

  async renew(): Promise<OidcTokens> {
    if (!this.refreshToken) throw new Error('no refresh token');
    const as = await this.server();
    const response = await oauth.refreshTokenGrantRequest(as, this.client, oauth.None(), this.refreshToken, this.opts());
    return this.accept(await oauth.processRefreshTokenResponse(as, this.client, response));
  }

  /** Ends the provider's session too (RP-initiated logout), then back to the dashboard. */
  async signOut(): Promise<void> {
    this.cancelRenewal();
    const as = await this.server();
    const idToken = this.idToken;
    this.refreshToken = undefined;
    this.idToken = undefined;
    if (!as.end_session_endpoint) return;
    const url = new URL(as.end_session_endpoint);
    url.search = new URLSearchParams({
      client_id: this.client.client_id,
      post_logout_redirect_uri: this.redirectUri,
      ...(idToken ? { id_token_hint: idToken } : {}),
    }).toString();
    window.location.assign(url.href);
  }
}
