import { spawnSync } from 'child_process';
import path from 'path';

/**
 * The dependency rule of DESIGN.md ("Shape") is enforced by @nx/enforce-module-boundaries;
 * this proves the lint run really fails on a violation (and passes the allowed direction).
 */
const root = path.join(__dirname, '..');

function lint(filename: string, source: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--stdin', '--stdin-filename', filename], {
    cwd: root,
    input: source,
    encoding: 'utf8',
    env: { ...process.env, NX_DAEMON: 'false' },
  });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('module boundaries', () => {
  beforeAll(() => {
    // Without a cached project graph (a fresh clone) the rule is skipped with only a warning.
    const r = spawnSync(process.execPath, [path.join(root, 'node_modules', 'nx', 'dist', 'bin', 'nx.js'), 'show', 'projects'], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, NX_DAEMON: 'false' },
    });
    expect(r.status).toBe(0);
  }, 120_000);

  it('a lib importing an app fails lint', () => {
    const r = lint('libs/messaging/src/boundary-probe.ts', "import { x } from '../../../apps/ingest-api/src/main';\nexport const y = x;\n");
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/@nx\/enforce-module-boundaries/);
  });

  it('contracts importing another of our libs fails lint', () => {
    const r = lint('libs/contracts/src/boundary-probe.ts', "import { z } from '@vigil/config';\nexport const y = z;\n");
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/scope:isolated/);
  });

  it('the risk engine importing contracts fails lint', () => {
    const r = lint('libs/risk-engine/src/boundary-probe.ts', "import { TOPICS } from '@vigil/contracts';\nexport const y = TOPICS;\n");
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/scope:isolated/);
  });

  it('the worklist ranking importing another of our libs fails lint', () => {
    const r = lint('libs/worklist/src/boundary-probe.ts', "import { TOPICS } from '@vigil/contracts';\nexport const y = TOPICS;\n");
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/scope:isolated/);
  });

  it('an app importing libs passes', () => {
    const r = lint('apps/replay/src/boundary-probe.ts', "import { TOPICS } from '@vigil/contracts';\nexport const y = TOPICS;\n");
    expect(r.out).not.toMatch(/enforce-module-boundaries|ProjectGraph/);
    expect(r.code).toBe(0);
  });
});
