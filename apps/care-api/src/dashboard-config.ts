import type { FastifyInstance } from 'fastify';
import type { DashboardConfig } from '@vigil/contracts';
import type { CareConfig } from './config';

/**
 * GET /dashboard/config.json: how the dashboard signs in. With an issuer, OpenID Connect (code +
 * PKCE) and the claim names the services map; without, pasting a dev token (dev mode only).
 * No secret in it: the dashboard is a public client.
 */
export function dashboardConfig(config: CareConfig): DashboardConfig {
  return {
    oidc: config.DASHBOARD_OIDC_ISSUER ? { issuer: config.DASHBOARD_OIDC_ISSUER, clientId: config.DASHBOARD_OIDC_CLIENT_ID } : null,
    devTokens: config.AUTH_DEV_MODE === true,
    claims: { org: config.AUTH_CLAIM_ORG, teams: config.AUTH_CLAIM_TEAMS, role: config.AUTH_CLAIM_ROLE },
  };
}

export function registerDashboardConfig(fastify: FastifyInstance, config: CareConfig): void {
  const body = dashboardConfig(config);
  fastify.get('/dashboard/config.json', (_req, reply) => void reply.header('cache-control', 'no-cache').send(body));
}
