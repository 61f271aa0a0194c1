/** GET /dashboard/config.json (care-api): how the care dashboard signs in. */
export interface DashboardConfig {
  /** OpenID Connect: authorization code + PKCE against this issuer; null = no provider configured. */
  oidc: { issuer: string; clientId: string } | null;
  /** Pasting a token is offered (the services run with AUTH_DEV_MODE=true). */
  devTokens: boolean;
  /** Where org, teams and role are in the provider's access token (care-api's AUTH_CLAIM_*). */
  claims: { org: string; teams: string; role: string };
}
