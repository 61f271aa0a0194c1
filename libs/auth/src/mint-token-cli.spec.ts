import { execFileSync, spawnSync } from 'child_process';
import path from 'path';
import { DEV_HS256_SECRET, verifyToken } from './index';

const root = path.resolve(__dirname, '../../..');
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['-r', './tools/register.js', 'tools/mint-token.ts', ...args], {
    cwd: root,
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', ...env },
  });

describe('tools/mint-token.ts (dev command)', () => {
  it('prints a token the dev configuration accepts', async () => {
    const out = execFileSync(
      process.execPath,
      ['-r', './tools/register.js', 'tools/mint-token.ts', '--role', 'care-manager', '--sub', 'u-1', '--org', 'org-1', '--teams', 'a, b', '--ttl', '10m'],
      { cwd: root, encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } },
    );
    const claims = await verifyToken(out.trim(), { issuer: 'vigil-dev', audience: 'vigil', hs256Secret: DEV_HS256_SECRET, devMode: true });
    expect(claims).toEqual({ sub: 'u-1', role: 'care-manager', org: 'org-1', teams: ['a', 'b'] });
  }, 30_000);

  it('refuses production', () => {
    const prod = run(['--role', 'patient', '--sub', 'p', '--org', 'o'], { NODE_ENV: 'production' });
    expect(prod.status).toBe(1);
    expect(prod.stdout).toBe('');
    expect(prod.stderr).toMatch(/local development only/);
  }, 30_000);
});
