/**
 * DEV-ONLY signing material. Nothing here may ever verify a production token.
 *
 * The one place the default local HS256 secret lives: `npm run mint-token` signs with it and a
 * service started without any key configuration verifies with it, so `one command locally` works
 * without setting up an identity provider. Both refuse when NODE_ENV=production.
 */
export const DEV_HS256_SECRET = 'vigil-local-dev-only-hs256-secret-do-not-use-in-production';

export class DevKeyInProductionError extends Error {
  constructor(what: string) {
    super(`${what} is for local development only and is refused when NODE_ENV=production`);
    this.name = 'DevKeyInProductionError';
  }
}

/** The dev HS256 secret: AUTH_HS256_SECRET if set, else the built-in default. Throws in production. */
export function devHs256Secret(env: Record<string, string | undefined> = process.env): string {
  if (env['NODE_ENV'] === 'production') throw new DevKeyInProductionError('the dev HS256 secret');
  return env['AUTH_HS256_SECRET'] || DEV_HS256_SECRET;
}

/**
 * DEV-ONLY key of page cursors (see @vigil/http CursorSigner), used only with AUTH_DEV_MODE=true
 * when CURSOR_SIGNING_KEYS is not set, so every local instance pages with every other.
 */
export const DEV_CURSOR_SIGNING_KEY = 'vigil-local-dev-only-cursor-signing-key-do-not-use';
