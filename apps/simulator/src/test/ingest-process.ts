/**
 * Test support: the real ingest-api as a child process (`node -r ./tools/register.js
 * apps/ingest-api/src/main.ts`), configured only through its environment. Apps may not import one
 * another, so the simulator's tests run it the way it runs in production.
 */
import { ChildProcess, spawn } from 'child_process';
import path from 'path';
import { waitFor } from '@vigil/testing';

const REPO_ROOT = path.resolve(__dirname, '../../../..');

export class IngestProcess {
  private child: ChildProcess | null = null;
  private output = '';
  private exited: string | null = null;

  constructor(private readonly env: Record<string, string>) {
    if (!env['PORT']) throw new Error('give ingest-api a PORT');
  }

  get url(): string {
    return `http://127.0.0.1:${this.env['PORT']}`;
  }

  /** The last few KiB of its output (for failure messages; it logs no PHI). */
  tail(chars = 3000): string {
    return this.output.slice(-chars);
  }

  /** Starts it and resolves once `/health/ready` answers 200. */
  async start(readyTimeoutMs = 120_000): Promise<void> {
    const child = spawn(process.execPath, ['-r', './tools/register.js', 'apps/ingest-api/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '/tmp', OTEL_SDK_DISABLED: 'true', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    const keep = (d: Buffer): void => void (this.output = (this.output + d.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', (code, signal) => (this.exited = `exited (code ${code}, signal ${signal})`));
    try {
      await waitFor(() => this.ready(), readyTimeoutMs, { intervalMs: 200, what: `ingest-api to be ready at ${this.url}` });
    } catch (e) {
      throw new Error(`${(e as Error).message}\n--- ingest-api output ---\n${this.tail()}`);
    }
  }

  async ready(): Promise<boolean> {
    if (this.exited) throw new Error(`ingest-api ${this.exited}`);
    const res = await fetch(`${this.url}/health/ready`, { signal: AbortSignal.timeout(2000) });
    await res.body?.cancel();
    return res.status === 200;
  }

  /** SIGTERM (it drains and exits), SIGKILL after the grace period; only this child, by its pid. */
  async stop(graceMs = 10_000): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}
