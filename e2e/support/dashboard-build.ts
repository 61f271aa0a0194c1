/**
 * The care dashboard is served by care-api from its build (apps/care-dashboard/dist). Tests that
 * open it build it first when the build is missing or older than any of its sources.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { delay } from '@vigil/testing';
import { REPO_ROOT } from './service-process';

export const DASHBOARD_DIR = path.join(REPO_ROOT, 'apps/care-dashboard');
export const DASHBOARD_DIST = path.join(DASHBOARD_DIR, 'dist');

function newestMtime(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.mtimeMs;
  return readdirSync(p).reduce((m, name) => Math.max(m, newestMtime(path.join(p, name))), st.mtimeMs);
}

export function dashboardBuildIsStale(): boolean {
  const index = path.join(DASHBOARD_DIST, 'index.html');
  if (!existsSync(index)) return true;
  const sources = ['src', 'index.html', 'vite.config.ts', 'tsconfig.json'].map((f) => path.join(DASHBOARD_DIR, f)).filter(existsSync);
  return Math.max(...sources.map(newestMtime)) > statSync(index).mtimeMs;
}

function build(): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('npm', ['run', '--silent', 'build:dashboard'], { cwd: REPO_ROOT, maxBuffer: 16 * 1024 * 1024, timeout: 180_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`npm run build:dashboard failed: ${err.message}\n${stdout.slice(-3000)}\n${stderr.slice(-3000)}`));
      else resolve();
    });
  });
}

/**
 * `npm run build:dashboard` (type-check + vite build) if the build is stale. Jest workers (and
 * parallel runs) take turns through a lock directory, so two builds never empty dist/ under each other.
 */
export async function ensureDashboardBuilt(): Promise<'built' | 'up to date'> {
  const lock = path.join(tmpdir(), `vigil-dashboard-build-${createHash('sha1').update(REPO_ROOT).digest('hex').slice(0, 12)}.lock`);
  const until = Date.now() + 240_000;
  for (;;) {
    if (!dashboardBuildIsStale()) return 'up to date';
    try {
      mkdirSync(lock);
      break;
    } catch {
      // Someone else is building (or crashed while building: a lock older than 4 min is stale).
      if (Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 240_000) rmSync(lock, { recursive: true, force: true });
      if (Date.now() > until) throw new Error(`waited 4 min for the dashboard build lock ${lock}`);
      await delay(500);
    }
  }
  try {
    if (!dashboardBuildIsStale()) return 'up to date';
    await build();
    return 'built';
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
