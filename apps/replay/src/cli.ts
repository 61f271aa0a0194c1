/**
 * The replay CLI as a function: `runCli(argv, io)` returns the exit code. main.ts wires it to the
 * process (argv, stdio, SIGINT); tests call it in-process. commander parses; its errors (unknown
 * option or command, missing required option, bad choice, extra argument) are usage errors (exit 2).
 */
import { Command, CommanderError } from 'commander';
import { COMMON_OPTIONS, EXIT_CODES_HELP, helpParagraphs, missingRequired, Opts, PROGRAM, toOption, type CommandSpec } from './cli/args';
import { EXIT, exitCodeOf, InterruptedError, RefusedError, UsageError, type ExitCode } from './cli/errors';
import { Progress, resolveProgressMode, type ProgressEvent } from './cli/progress';
import { compareSpec, runCompare } from './commands/compare';
import { exportSpec, runExport } from './commands/export';
import { mergeSpec, runMerge } from './commands/merge';
import { republishSpec, runRepublish } from './commands/republish';
import { rescoreSpec, runRescore } from './commands/rescore';
import { resetGroupSpec, runResetGroup } from './commands/reset-group';
import { loadReplayConfig, ReplayContext, type CliIO } from './context';

interface CommandDef {
  spec: CommandSpec;
  run(ctx: ReplayContext, o: Opts): Promise<void>;
}

export const COMMANDS: readonly CommandDef[] = [
  { spec: exportSpec, run: runExport },
  { spec: rescoreSpec, run: runRescore },
  { spec: compareSpec, run: runCompare },
  { spec: mergeSpec, run: runMerge },
  { spec: republishSpec, run: runRepublish },
  { spec: resetGroupSpec, run: runResetGroup },
];

const PROGRAM_HELP_AFTER = `
Settings come from the environment: KAFKA_BROKERS, TOPIC_PREFIX, KAFKA_SSL, KAFKA_SASL_*,
CASSANDRA_CONTACT_POINTS, CASSANDRA_KEYSPACE, CASSANDRA_LOCAL_DC, CASSANDRA_* (see README).

${EXIT_CODES_HELP}`;

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/** One program per run: commander keeps parsed values on the command objects. */
function buildProgram(io: CliIO, run: (def: CommandDef, values: Record<string, unknown>) => Promise<void>): Command {
  const program = new Command(PROGRAM)
    .usage('<command> [options]')
    .description(
      'Vigil replay: export event streams, re-score them with any model version, compare versions, ' +
        'republish into a sandbox topic and move consumer groups. Never commits offsets for any group.',
    )
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s),
      writeErr: (s) => void io.stderr.write(s),
      getOutHelpWidth: () => (io.stdout as { columns?: number }).columns ?? 100,
      getErrHelpWidth: () => (io.stderr as { columns?: number }).columns ?? 100,
    })
    .exitOverride()
    .addHelpText('after', PROGRAM_HELP_AFTER);
  for (const def of COMMANDS) {
    const { spec } = def;
    // `command()` (unlike addCommand) copies the output settings and exitOverride to the subcommand.
    const cmd = program
      .command(spec.name)
      .summary(spec.summary)
      .description(helpParagraphs(`${spec.summary}.\n\n${spec.description}`))
      .showHelpAfterError(`(${PROGRAM} ${spec.name} --help for usage)`);
    const options = [...spec.options, ...COMMON_OPTIONS];
    for (const o of options) cmd.addOption(toOption(o));
    cmd.hook('preAction', (_program, command) => {
      const missing = missingRequired(options, command.opts());
      if (missing) command.error(missing, { code: 'commander.missingMandatoryOptionValue' });
    });
    const examples = spec.examples?.length ? `\nExamples:\n${spec.examples.map((e) => `  ${e}`).join('\n')}\n` : '';
    cmd.addHelpText('after', `${examples}\n${EXIT_CODES_HELP}`);
    cmd.action(async (_options: unknown, command: Command) => run(def, command.opts()));
  }
  return program;
}

export async function runCli(argv: string[], io: CliIO): Promise<ExitCode> {
  let ctx: ReplayContext | null = null;
  let commandName = '';
  const program = buildProgram(io, async (def, values) => {
    commandName = def.spec.name;
    const o = new Opts(values, commandName);
    const config = loadReplayConfig(io.env);
    // A shard started by `--workers` reports its progress to the coordinator over IPC.
    const send = io.env['REPLAY_PROGRESS_IPC'] === '1' && typeof process.send === 'function' ? process.send.bind(process) : null;
    const progress = new Progress({
      mode: resolveProgressMode(o.str('progress'), io.isTTY),
      stream: io.stderr,
      ...(send ? { report: (e: ProgressEvent) => void send(e) } : {}),
    });
    ctx = new ReplayContext(io, config, progress);
    await def.run(ctx, o);
  });
  const label = () => `${PROGRAM}${commandName ? ` ${commandName}` : ''}`;
  // commander answers `help <unknown>` with the program help alone; say what was wrong.
  if (argv[0] === 'help' && argv[1] !== undefined && !COMMANDS.some((c) => c.spec.name === argv[1])) {
    io.stderr.write(`${PROGRAM}: unknown command '${argv[1]}' (${PROGRAM} --help lists the commands)\n`);
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    // commander has already printed its message (and the help when asked for): only the code is left.
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    let error = e;
    // Anything that ends after Ctrl-C is an interruption, whatever the failing call said.
    if (io.signal.aborted && !(e instanceof InterruptedError) && !(e instanceof UsageError) && !(e instanceof RefusedError)) {
      error = new InterruptedError(`interrupted (${describe(e)})`);
    }
    (ctx as ReplayContext | null)?.progress.clear();
    if (error instanceof UsageError) {
      io.stderr.write(`${label()}: ${error.message}\n(${label()} --help for usage)\n`);
    } else if (error instanceof RefusedError) {
      io.stderr.write(`${label()}: refused: ${error.message}\n`);
    } else if (error instanceof InterruptedError) {
      io.stderr.write(`${label()}: ${error.message}\n`);
    } else {
      io.stderr.write(`${label()}: failed: ${describe(error)}\n`);
    }
    return exitCodeOf(error);
  } finally {
    const c = ctx as ReplayContext | null;
    c?.progress.clear();
    await c?.close();
  }
}
