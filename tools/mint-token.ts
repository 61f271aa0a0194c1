/**
 * DEV-ONLY: prints a signed token for local use and tests.
 *
 *   npm run mint-token -- --role patient --sub p-1 --org org-1 [--teams a,b] [--ttl 12h]
 *
 * Signs with AUTH_HS256_SECRET or the built-in dev secret (libs/auth/src/dev-keys.ts), with the
 * issuer and audience from AUTH_ISSUER / AUTH_AUDIENCE or their defaults, so a service started
 * locally without key configuration accepts it. Refused when NODE_ENV=production.
 */
import { parseArgs } from 'util';
import { DEFAULT_AUDIENCE, DEFAULT_ISSUER, devHs256Secret, mintToken } from '@vigil/auth';
import { Role, ROLES } from '@vigil/contracts';

const USAGE = 'usage: npm run mint-token -- --role patient|care-manager|care-admin --sub <id> --org <org> [--teams a,b] [--ttl 12h]';

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        role: { type: 'string' },
        sub: { type: 'string' },
        org: { type: 'string' },
        teams: { type: 'string' },
        ttl: { type: 'string', default: '12h' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    return 64;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const { role, sub, org } = values;
  if (!role || !sub || !org) {
    process.stderr.write(`--role, --sub and --org are required\n${USAGE}\n`);
    return 64;
  }
  if (!(ROLES as readonly string[]).includes(role)) {
    process.stderr.write(`--role must be one of ${ROLES.join(', ')}\n`);
    return 64;
  }
  let secret: string;
  try {
    secret = devHs256Secret();
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 1;
  }
  const teams = values.teams
    ? values.teams
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean)
    : undefined;
  const token = await mintToken(
    { sub, role: role as Role, org, ...(teams ? { teams } : {}) },
    {
      secret,
      expiresIn: values.ttl,
      issuer: process.env['AUTH_ISSUER'] || DEFAULT_ISSUER,
      audience: process.env['AUTH_AUDIENCE'] || DEFAULT_AUDIENCE,
    },
  );
  process.stdout.write(`${token}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`mint-token: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
