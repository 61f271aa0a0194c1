/**
 * The replay CLI as a function: `runCli(argv, io)` returns the exit code. main.ts wires it to the
 * process (argv, stdio, SIGINT); tests call it in-process.
 */
import { formatCommandHelp, formatProgramHelp, Opts, parseCommandArgs, PROGRAM, type CommandSpec } from './cli/args';
import { EXIT, exitCodeOf, InterruptedError, RefusedError, UsageError, type ExitCode } from './cli/errors';
import { Progress, resolveProgressMode } from './cli/progress';
import { compareSpec, runCompare } from './commands/compare';
import { exportSpec, runExport } from './commands/export';
import { republishSpec, runRepublish } from './commands/republish';
import { rescoreSpec, runRescore } from './commands/rescore';
import { resetGroupSpec, runResetGroup } from './commands/reset-group';
import { loadReplayConfig, ReplayContext, type CliIO } from './context';

interface Command {
  spec: CommandSpec;
  run(ctx: ReplayContext, o: Opts): Promise<void>;
}

export const COMMANDS: readonly Command[] = [
  { spec: exportSpec, run: runExport },
  { spec: rescoreSpec, run: runRescore },
  { spec: compareSpec, run: runCompare },
  { spec: republishSpec, run: runRepublish },
  { spec: resetGroupSpec, run: runResetGroup },
];

const specs = () => COMMANDS.map((c) => c.spec);

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export async function runCli(argv: string[], io: CliIO): Promise<ExitCode> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    (name === undefined ? io.stderr : io.stdout).write(formatProgramHelp(specs()));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === 'help') {
    const target = COMMANDS.find((c) => c.spec.name === rest[0]);
    if (rest[0] !== undefined && !target) {
      io.stderr.write(`${PROGRAM}: unknown command ${JSON.stringify(rest[0])}\n\n${formatProgramHelp(specs())}`);
      return EXIT.usage;
    }
    io.stdout.write(target ? formatCommandHelp(target.spec) : formatProgramHelp(specs()));
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) {
    io.stderr.write(`${PROGRAM}: unknown command ${JSON.stringify(name)}\n\n${formatProgramHelp(specs())}`);
    return EXIT.usage;
  }

  let ctx: ReplayContext | null = null;
  try {
    const values = parseCommandArgs(command.spec, rest);
    if (values['help']) {
      io.stdout.write(formatCommandHelp(command.spec));
      return EXIT.ok;
    }
    const o = new Opts(values, command.spec.name);
    const config = loadReplayConfig(io.env);
    const progress = new Progress({ mode: resolveProgressMode(o.str('progress'), io.isTTY), stream: io.stderr });
    ctx = new ReplayContext(io, config, progress);
    await command.run(ctx, o);
    return EXIT.ok;
  } catch (e) {
    let error = e;
    // Anything that ends after Ctrl-C is an interruption, whatever the failing call said.
    if (io.signal.aborted && !(e instanceof InterruptedError) && !(e instanceof UsageError) && !(e instanceof RefusedError)) {
      error = new InterruptedError(`interrupted (${describe(e)})`);
    }
    ctx?.progress.clear();
    if (error instanceof UsageError) {
      io.stderr.write(`${PROGRAM} ${command.spec.name}: ${error.message}\nUsage: ${PROGRAM} ${command.spec.name} [options]; see ${PROGRAM} ${command.spec.name} --help\n`);
    } else if (error instanceof RefusedError) {
      io.stderr.write(`${PROGRAM} ${command.spec.name}: refused: ${error.message}\n`);
    } else if (error instanceof InterruptedError) {
      io.stderr.write(`${PROGRAM} ${command.spec.name}: ${error.message}\n`);
    } else {
      io.stderr.write(`${PROGRAM} ${command.spec.name}: failed: ${describe(error)}\n`);
    }
    return exitCodeOf(error);
  } finally {
    await ctx?.close();
  }
}

