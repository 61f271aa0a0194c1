/**
 * `node -r ./tools/register.js apps/replay/src/main.ts <command> [options]` (or apps/replay/bin/replay).
 * Ctrl-C (or SIGTERM) stops the command cleanly: it says how far it got and exits 130; a second
 * Ctrl-C quits at once.
 */
import 'reflect-metadata';
import { runCli } from './cli';
import { InterruptedError } from './cli/errors';

const controller = new AbortController();
let signals = 0;
const onSignal = (name: string) => () => {
  signals++;
  if (signals > 1) process.exit(130);
  process.stderr.write(`\n${name}: stopping cleanly (press Ctrl-C again to quit at once)\n`);
  controller.abort(new InterruptedError('interrupted'));
};
process.on('SIGINT', onSignal('SIGINT'));
process.on('SIGTERM', onSignal('SIGTERM'));
// The reader went away (`replay export | head`): stop quietly, as a process killed by SIGPIPE would.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(141);
  throw e;
});

runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  isTTY: process.stderr.isTTY === true,
  signal: controller.signal,
}).then(
  (code) => {
    // Let stdout drain (it is asynchronous on pipes), then exit even if a client left a timer behind.
    process.stdout.write('', () => process.exit(code));
  },
  (e: unknown) => {
    process.stderr.write(`replay: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(1);
  },
);
