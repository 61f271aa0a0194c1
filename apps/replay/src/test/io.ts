/** In-process CLI runs for tests: captured stdout/stderr, a controllable Ctrl-C. */
import { PassThrough, Writable } from 'node:stream';
import { runCli } from '../cli';
import type { ExitCode } from '../cli/errors';

export interface CliRun {
  code: ExitCode;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.text += chunk.toString();
    cb();
  }
}

export async function runReplay(
  argv: string[],
  env: Record<string, string | undefined> = {},
  opts: { signal?: AbortSignal; stdin?: string } = {},
): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = new PassThrough();
  if (opts.stdin !== undefined) stdin.end(opts.stdin);
  const code = await runCli(argv, {
    stdout,
    stderr,
    stdin,
    env: { ...process.env, ...env },
    isTTY: false,
    signal: opts.signal ?? new AbortController().signal,
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
