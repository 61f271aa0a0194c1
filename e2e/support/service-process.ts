/**
 * A Vigil service as a child process, the way it runs in production: `node -r ./tools/register.js
 * apps/<app>/src/main.ts` with its configuration in the environment. For e2e tests that need the
 * real thing, including killing it and bringing it back on the same port.
 *
 *   const care = new ServiceProcess('care-api', 'apps/care-api/src/main.ts', { PORT: '3101', ... });
 *   await care.start();          // resolves once GET /health/ready answers 200
 *   care.kill();                 // SIGKILL: no goodbye to any client
 *   await care.start();          // the same command, environment and port again
 *   await care.stop();           // SIGTERM, then SIGKILL after a grace period
 */
import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { waitFor } from '@vigil/testing';

export const REPO_ROOT = path.resolve(__dirname, '../..');

export class ServiceProcess {
  private child: ChildProcess | null = null;
  private output = '';
  private exitInfo: string | null = null;
  private truncated = false;

  constructor(
    readonly name: string,
    readonly main: string,
    readonly env: Record<string, string>,
    /**
     * `outputLimitChars`: how much of stdout + stderr is kept (default 20,000; a log-content test keeps all).
     * `nodeBinary`: the node that runs the service (default: this process's, the pinned Node 24); the
     * e2e benchmark runs a second stack on the machine's /usr/bin/node (Node 20) to compare.
     */
    readonly opts: { readyPath?: string; readyTimeoutMs?: number; outputLimitChars?: number; nodeBinary?: string } = {},
  ) {
    if (!env['PORT']) throw new Error(`${name}: give a PORT`);
  }

  get url(): string {
    return `http://127.0.0.1:${this.env['PORT']}`;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The last few KiB of stdout and stderr (for failure messages). */
  tail(chars = 3000): string {
    return this.output.slice(-chars);
  }

  /** Everything kept of stdout and stderr (the last `outputLimitChars`), across restarts. */
  get keptOutput(): string {
    return this.output;
  }

  /** True once more output was written than `outputLimitChars` keeps. */
  get outputTruncated(): boolean {
    return this.truncated;
  }

  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.exitInfo = null;
    const child = spawn(this.opts.nodeBinary ?? process.execPath, ['-r', './tools/register.js', this.main], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', OTEL_SDK_DISABLED: 'true', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const limit = this.opts.outputLimitChars ?? 20_000;
    const keep = (d: Buffer) => {
      this.output += d.toString();
      if (this.output.length > limit) {
        this.output = this.output.slice(-limit);
        this.truncated = true;
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', (code, signal) => {
      this.exitInfo = `exited (code ${code}, signal ${signal})`;
    });
    const readyUrl = `${this.url}${this.opts.readyPath ?? '/health/ready'}`;
    try {
      await waitFor(
        async () => {
          if (this.exitInfo) throw new Error(`${this.name} ${this.exitInfo}`);
          const res = await fetch(readyUrl, { signal: AbortSignal.timeout(2000) });
          await res.body?.cancel();
          return res.status === 200;
        },
        this.opts.readyTimeoutMs ?? Number(process.env['E2E_SERVICE_READY_MS'] ?? 120_000),
        { intervalMs: 200, what: `${this.name} to be ready at ${readyUrl}` },
      );
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- ${this.name} output ---\n${this.tail()}`);
    }
  }

  /** Dies at once (SIGKILL): open connections are cut, nothing is flushed. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGKILL');
    await exited;
  }

  /** Graceful stop (SIGTERM), SIGKILL after `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }
}
