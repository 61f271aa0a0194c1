/**
 * A small declarative command-line layer over node's `util.parseArgs` (commander is not installed
 * in the workspace; see README "CLI parser"). Each command declares its options once; parsing,
 * validation (required, choices, unknown options) and `--help` text come from that declaration.
 */
import { parseArgs } from 'node:util';
import { UsageError } from './errors';

export interface OptionSpec {
  /** Long name without dashes, e.g. `from`, `no-engagement`. */
  name: string;
  type: 'string' | 'boolean';
  short?: string;
  /** Repeatable (`--patient a --patient b`); comma-separated values are split as well. */
  multiple?: boolean;
  required?: boolean;
  choices?: readonly string[];
  /** Shown in help; applied when the option is absent. */
  default?: string;
  /** Placeholder in help, e.g. `ISO` or `N`. */
  valueName?: string;
  description: string;
}

export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Paragraphs for `<command> --help`. */
  description: string;
  options: OptionSpec[];
  examples?: string[];
}

export type ParsedOptions = Record<string, string | boolean | string[] | undefined>;

/** Options every command has. */
export const COMMON_OPTIONS: OptionSpec[] = [
  {
    name: 'progress',
    type: 'string',
    choices: ['auto', 'bar', 'lines', 'none'],
    default: 'auto',
    description: 'progress on stderr: a bar on a terminal, plain lines otherwise (auto), or forced',
  },
  { name: 'help', short: 'h', type: 'boolean', description: 'show this help' },
];

export const PROGRAM = 'replay';

function allOptions(spec: CommandSpec): OptionSpec[] {
  return [...spec.options, ...COMMON_OPTIONS];
}

/**
 * Parses a command's arguments (after the command name). Returns `{ help: true }` when --help was
 * asked for (nothing else is validated then). Throws UsageError on anything wrong.
 */
export function parseCommandArgs(spec: CommandSpec, argv: string[]): ParsedOptions {
  const options = allOptions(spec);
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const o of options) config[o.name] = { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) };
  let values: ParsedOptions;
  let positionals: string[];
  try {
    const parsed = parseArgs({ args: argv, options: config, strict: true, allowPositionals: true });
    values = parsed.values as ParsedOptions;
    positionals = parsed.positionals;
  } catch (e) {
    throw new UsageError(cleanParseError((e as Error).message), spec.name);
  }
  if (values['help']) return { help: true };
  if (positionals.length) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[0])}`, spec.name);
  for (const o of options) {
    let v = values[o.name];
    if (v === undefined && o.default !== undefined) v = values[o.name] = o.default;
    if (o.multiple && Array.isArray(v)) {
      v = values[o.name] = v.flatMap((x) => x.split(',')).map((x) => x.trim()).filter(Boolean);
    }
    if (v === undefined) {
      if (o.required) throw new UsageError(`missing required option --${o.name}`, spec.name);
      continue;
    }
    if (o.type === 'string' && typeof v === 'string' && v === '') throw new UsageError(`--${o.name} needs a value`, spec.name);
    if (o.choices) {
      for (const x of Array.isArray(v) ? v : [v]) {
        if (typeof x === 'string' && !o.choices.includes(x)) {
          throw new UsageError(`--${o.name} must be one of ${o.choices.join(', ')} (got ${JSON.stringify(x)})`, spec.name);
        }
      }
    }
  }
  return values;
}

function cleanParseError(message: string): string {
  // node's messages mention "To specify a positional argument..." hints that do not apply here.
  return message.split('. To specify')[0].replace(/^Unknown option '(.+)'$/, 'unknown option $1');
}

function optionLabel(o: OptionSpec): string {
  const short = o.short ? `-${o.short}, ` : '    ';
  const value = o.type === 'string' ? ` <${o.valueName ?? (o.choices ? o.choices.join('|') : 'value')}>` : '';
  return `${short}--${o.name}${value}`;
}

function wrap(text: string, width: number, indent: string): string {
  const out: string[] = [];
  for (const para of text.split('\n')) {
    let line = '';
    for (const word of para.split(/\s+/).filter(Boolean)) {
      if (line && line.length + 1 + word.length > width) {
        out.push(line);
        line = word;
      } else line = line ? `${line} ${word}` : word;
    }
    out.push(line);
  }
  return out.map((l, i) => (i === 0 ? l : `${indent}${l}`)).join('\n');
}

export function formatCommandHelp(spec: CommandSpec): string {
  const options = allOptions(spec);
  const labels = options.map(optionLabel);
  const width = Math.min(42, Math.max(...labels.map((l) => l.length)) + 2);
  const lines: string[] = [];
  lines.push(`Usage: ${PROGRAM} ${spec.name} [options]`, '', spec.summary, '');
  for (const para of spec.description.trim().split('\n\n')) lines.push(wrap(para.replace(/\n/g, ' '), 96, ''), '');
  lines.push('Options:');
  options.forEach((o, i) => {
    const extras: string[] = [];
    if (o.required) extras.push('required');
    if (o.multiple) extras.push('repeatable');
    if (o.default !== undefined) extras.push(`default ${o.default}`);
    const desc = `${o.description}${extras.length ? ` (${extras.join('; ')})` : ''}`;
    const label = labels[i].padEnd(width);
    lines.push(`  ${label}${wrap(desc, 96 - width, ' '.repeat(width + 2))}`);
  });
  if (spec.examples?.length) {
    lines.push('', 'Examples:');
    for (const ex of spec.examples) lines.push(`  ${ex}`);
  }
  lines.push('', EXIT_CODES_HELP);
  return `${lines.join('\n')}\n`;
}

export const EXIT_CODES_HELP = 'Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 refused (safety check), 130 interrupted (Ctrl-C).';

export function formatProgramHelp(commands: readonly CommandSpec[]): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4;
  const lines = [
    `Usage: ${PROGRAM} <command> [options]`,
    '',
    'Vigil replay: export event streams, re-score them with any model version, compare versions,',
    'republish into a sandbox topic and move consumer groups. Never commits offsets for any group.',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    `  ${'help'.padEnd(width)}help for a command (or: ${PROGRAM} <command> --help)`,
    '',
    'Settings come from the environment: KAFKA_BROKERS, TOPIC_PREFIX, KAFKA_SSL, KAFKA_SASL_*,',
    'CASSANDRA_CONTACT_POINTS, CASSANDRA_KEYSPACE, CASSANDRA_LOCAL_DC, CASSANDRA_* (see README).',
    '',
    EXIT_CODES_HELP,
  ];
  return `${lines.join('\n')}\n`;
}

/** Typed accessors over parsed options. */
export class Opts {
  constructor(
    private readonly values: ParsedOptions,
    private readonly command: string,
  ) {}
  str(name: string): string | undefined {
    const v = this.values[name];
    return typeof v === 'string' ? v : undefined;
  }
  req(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw new UsageError(`missing required option --${name}`, this.command);
    return v;
  }
  bool(name: string): boolean {
    return this.values[name] === true;
  }
  list(name: string): string[] {
    const v = this.values[name];
    return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
  }
  int(name: string, min: number, max: number): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw new UsageError(`--${name} must be a whole number (got ${JSON.stringify(v)})`, this.command);
    const n = Number(v);
    if (n < min || n > max) throw new UsageError(`--${name} must be from ${min} to ${max} (got ${n})`, this.command);
    return n;
  }
  num(name: string, min: number, max: number): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number (got ${JSON.stringify(v)})`, this.command);
    if (n < min || n > max) throw new UsageError(`--${name} must be from ${min} to ${max} (got ${n})`, this.command);
    return n;
  }
  usage(message: string): UsageError {
    return new UsageError(message, this.command);
  }
}
