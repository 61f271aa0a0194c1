import { AuthError } from './errors';
import { claimsFromPayload, readClaim } from './claim-mapping';

const KEYCLOAK = { org: 'org', teams: 'teams', role: 'roles' };

function refusal(f: () => unknown): AuthError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AuthError);
    return e as AuthError;
  }
  throw new Error('expected an AuthError');
}

describe('claim mapping', () => {
  it("keeps Vigil's own claim names by default", () => {
    expect(claimsFromPayload({ sub: 'n-1', role: 'care-manager', org: 'org-1', teams: ['t1'] })).toEqual({
      sub: 'n-1',
      role: 'care-manager',
      org: 'org-1',
      teams: ['t1'],
    });
  });

  it('reads a role list (Keycloak realm roles) and ignores entries that are not Vigil roles', () => {
    const p = {
      sub: '9e0b3095-cf54-4141-adb4-c40cb5469160',
      roles: ['offline_access', 'care-admin', 'uma_authorization'],
      org: ['org-demo'],
      teams: ['team-a', 'team-b'],
    };
    expect(claimsFromPayload(p, KEYCLOAK)).toEqual({ sub: p.sub, role: 'care-admin', org: 'org-demo', teams: ['team-a', 'team-b'] });
  });

  it('follows a dotted path into nested claims, and prefers a claim literally named with dots', () => {
    const p = { sub: 's', realm_access: { roles: ['patient'] }, 'https://vigil/org': 'org-x' };
    expect(readClaim(p, 'realm_access.roles')).toEqual(['patient']);
    expect(readClaim(p, 'https://vigil/org')).toBe('org-x');
    expect(readClaim(p, 'realm_access.missing.deeper')).toBeUndefined();
    expect(claimsFromPayload(p, { org: 'https://vigil/org', teams: 'groups', role: 'realm_access.roles' })).toEqual({
      sub: 's',
      role: 'patient',
      org: 'org-x',
    });
  });

  it('refuses a user with no Vigil role with 403 naming the claim', () => {
    const e = refusal(() => claimsFromPayload({ sub: 'v-1', roles: ['offline_access'], org: 'org-demo' }, KEYCLOAK));
    expect(e.kind).toBe('forbidden');
    expect(e.code).toBe('role_unmapped');
    expect(e.message).toContain('"roles"');
  });

  it('refuses two different Vigil roles (ambiguous) and a missing organisation', () => {
    expect(refusal(() => claimsFromPayload({ sub: 'v-1', roles: ['care-admin', 'care-manager'], org: 'o' }, KEYCLOAK)).code).toBe('role_ambiguous');
    const e = refusal(() => claimsFromPayload({ sub: 'v-1', roles: ['care-manager'] }, KEYCLOAK));
    expect([e.kind, e.code]).toEqual(['forbidden', 'org_unmapped']);
  });

  it('still refuses malformed values with 401', () => {
    expect(refusal(() => claimsFromPayload({ sub: 'v-1', roles: ['care-manager'], org: ['a', 'b'] }, KEYCLOAK)).code).toBe('claim_org');
    expect(refusal(() => claimsFromPayload({ sub: 'v-1', roles: ['care-manager'], org: 'o', teams: 'team-a' }, KEYCLOAK)).code).toBe('claim_teams');
    expect(refusal(() => claimsFromPayload({ sub: 'not ok', role: 'patient', org: 'o' })).kind).toBe('unauthenticated');
  });
});
