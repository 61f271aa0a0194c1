import { parseCareConfig } from './config';
import { dashboardConfig } from './dashboard-config';

describe('dashboard sign-in config', () => {
  it('names the provider and the claim names when an issuer is configured', () => {
    const config = parseCareConfig({
      AUTH_JWKS_URL: 'http://127.0.0.1:8180/realms/vigil/protocol/openid-connect/certs',
      DASHBOARD_OIDC_ISSUER: 'http://127.0.0.1:8180/realms/vigil',
      AUTH_CLAIM_ROLE: 'realm_access.roles',
      CURSOR_SIGNING_KEYS: 'a-cursor-key-of-at-least-thirty-two-chars',
    });
    expect(dashboardConfig(config)).toEqual({
      oidc: { issuer: 'http://127.0.0.1:8180/realms/vigil', clientId: 'vigil-dashboard' },
      devTokens: false,
      claims: { org: 'org', teams: 'teams', role: 'realm_access.roles' },
    });
  });

  it('offers dev tokens only in dev mode, and no provider without an issuer', () => {
    expect(dashboardConfig(parseCareConfig({ AUTH_DEV_MODE: 'true' }))).toEqual(expect.objectContaining({ oidc: null, devTokens: true }));
  });

  it('refuses a claim name that is not a name or dotted path', () => {
    expect(() => parseCareConfig({ AUTH_DEV_MODE: 'true', AUTH_CLAIM_ROLE: 'roles..x' })).toThrow(/AUTH_CLAIM_ROLE/);
  });
});
