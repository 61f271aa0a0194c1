/**
 * scripts/lib/service-pids.sh: how `npm start` (scripts/run-system.sh) records and stops its services.
 * A stop must never signal a pid the kernel has handed to another process since, and a service
 * restarted with the helper must still be stopped. Real processes (`sleep`), no servers.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const LIB = path.resolve(__dirname, '../scripts/lib/service-pids.sh');

function sh(script: string, ...args: string[]): string {
  return execFileSync('bash', ['-c', `source "${LIB}"; ${script}`, 'sh', ...args], { encoding: 'utf8' });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function gone(pid: number, ms = 5000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return !alive(pid);
}

describe('scripts/lib/service-pids.sh', () => {
  let dir: string;
  let file: string;
  const children: ChildProcess[] = [];
  const sleeper = (): number => {
    const c = spawn('sleep', ['300'], { stdio: 'ignore' });
    children.push(c);
    return c.pid!;
  };

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-pids-'));
    file = path.join(dir, 'services.pids');
    writeFileSync(file, '');
  });
  afterEach(() => {
    for (const c of children.splice(0)) c.kill('SIGKILL');
    sh('svc_signal_all "$1" KILL', file);
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops a recorded service, and leaves alone a process that has the recorded pid but started later (a reused pid)', async () => {
    const service = sleeper();
    sh('svc_record "$1" writer "$2"', file, String(service));
    // The record of a service that died, whose pid the kernel gave to another process since: same pid,
    // other start time. What the file says of it is what a stale record looks like.
    const stranger = sleeper();
    sh('svc_record "$1" scorer "$2"', file, String(stranger));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    writeFileSync(file, lines.map((l) => (l.startsWith('scorer ') ? `scorer ${stranger} 1` : l)).join('\n') + '\n');

    sh('svc_stop_all "$1"', file);
    expect(await gone(service)).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(stranger)).toBe(true);
  });

  it('a service restarted with the helper is recorded anew, and stopping stops the new process', async () => {
    const first = sleeper();
    sh('svc_record "$1" care-api "$2"', file, String(first));
    const out = sh('svc_restart "$1" care-api "$2" sleep 300; svc_pid "$1" care-api', file, path.join(dir, 'care-api.log'));
    const second = Number(out.trim());
    expect(second).toBeGreaterThan(0);
    expect(second).not.toBe(first);
    expect(await gone(first)).toBe(true);
    expect(alive(second)).toBe(true);
    expect(
      readFileSync(file, 'utf8')
        .split('\n')
        .filter((l) => l.startsWith('care-api ')),
    ).toHaveLength(1);

    sh('svc_stop_all "$1"', file);
    expect(await gone(second)).toBe(true);
  });

  it('svc_stop_all returns only once every service has exited (drained), and SIGKILLs one that outlives the timeout', () => {
    const marker = path.join(dir, 'drained');
    // A service that drains for a moment after SIGTERM, then writes the marker and exits.
    const drainer = spawn('bash', ['-c', `trap 'sleep 0.5; echo done >"${marker}"; exit 0' TERM; while :; do sleep 0.1; done`], { stdio: 'ignore' });
    children.push(drainer);
    const stubborn = spawn('bash', ['-c', "trap '' TERM; while :; do sleep 0.1; done"], { stdio: 'ignore' });
    children.push(stubborn);
    sh('svc_record "$1" care-api "$2"; svc_record "$1" risk-scorer "$3"', file, String(drainer.pid), String(stubborn.pid));
    expect(sh('svc_live_count "$1"', file).trim()).toBe('2');

    sh('svc_stop_all "$1" 2', file);
    expect(readFileSync(marker, 'utf8').trim()).toBe('done');
    expect(sh('svc_live_count "$1"', file).trim()).toBe('0');
  });
});
