import { execFileSync, spawn } from 'child_process';
import { existsSync, mkdirSync, readFileSync } from 'fs';
import * as path from 'path';
import { startPrivateServer } from './private-server';
import { waitFor } from './wait';

jest.setTimeout(30_000);

/**
 * infra.sh's spawn writes the pid file from a bash that then execs the server, and redis-server
 * only moves to its --dir (what marks it as this state dir's Redis) after it starts. A check made
 * in between once took the pid file for stale and deleted it: `up` gave up on a Redis that was
 * starting, and nothing could stop it after. Here the gap is held open with a sleep before the exec.
 */
describe('deploy/local/infra.sh: a Redis between spawn and exec', () => {
  it('is recognised as the managed Redis: stop ends it and no process is left', async () => {
    const redis = await startPrivateServer('redis', { start: false });
    const pidFile = path.join(redis.dir, 'run', 'redis.pid');
    const dataDir = path.join(redis.dir, 'data', 'redis');
    mkdirSync(path.dirname(pidFile), { recursive: true });
    mkdirSync(dataDir, { recursive: true });
    const redisServer = execFileSync('bash', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).trim();
    // What spawn() runs, with 3 s between writing the pid file and the exec.
    const child = spawn(
      'bash',
      [
        '-c',
        'echo $$ >"$0"; sleep 3; exec "$@"',
        pidFile,
        redisServer,
        '--bind',
        '127.0.0.1',
        '--port',
        String(redis.port),
        '--save',
        '',
        '--appendonly',
        'no',
        '--daemonize',
        'no',
        '--dir',
        dataDir,
      ],
      { detached: true, stdio: 'ignore' },
    );
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() === String(child.pid), 5_000, { what: 'the pid file' });
      await redis.stop();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('stop left the starting Redis running')), 10_000)));
      await Promise.race([exited, late]).finally(() => clearTimeout(timer));
      expect(redis.pid()).toBeUndefined();
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await redis.remove();
    }
  });
});
