/**
 * Commands declare their options once, as data (several commands share the range, filter and
 * scoring options); `commander` does the rest: parsing, required options, choices, unknown
 * options, `--help` and usage errors. `Opts` gives typed access to what commander parsed.
 */
import { Option } from 'commander';
import { UsageError } from './errors';

export interface OptionSpec {
  /** Long name without dashes, e.g. `from`, `no-engagement` (a `no-` boolean is commander's negatable flag). */
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
  /** Left out of --help (internal: set by the coordinator for its shard processes). */
  hidden?: boolean;
  description: string;
}

export interface CommandSpec {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** Paragraphs (blank-line separated) for `<command> --help`. */
  description: string;
  options: OptionSpec[];
  examples?: string[];
}

export type ParsedOptions = Record<string, unknown>;

/** Options every command has. */
export const COMMON_OPTIONS: OptionSpec[] = [
  {
    name: 'progress',
    type: 'string',
    choices: ['auto', 'bar', 'lines', 'none'],
    default: 'auto',
    description: 'progress on stderr: a bar on a terminal, plain lines otherwise (auto), or forced',
  },
];

export const PROGRAM = 'replay';

export const EXIT_CODES_HELP =
  'Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 refused (safety check), 130 interrupted (Ctrl-C), 141 stdout closed by its reader (| head).';

/** commander's attribute name of an option (`late-grace` -> `lateGrace`). */
const camel = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  ...value
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
];

/** The commander Option for a declared option. */
export function toOption(o: OptionSpec): Option {
  const value = o.type === 'string' ? ` <${o.valueName ?? 'value'}>` : '';
  const opt = new Option(`${o.short ? `-${o.short}, ` : ''}--${o.name}${value}`, o.required ? `${o.description} (required)` : o.description);
  if (o.choices) opt.choices(o.choices);
  if (o.default !== undefined) opt.default(o.default);
  if (o.multiple) opt.argParser(collect);
  if (o.hidden) opt.hideHelp();
  return opt;
}

/**
 * The first required option missing, as commander words it. Checked in a preAction hook rather
 * than with makeOptionMandatory, which runs before the unknown-option check: a typo (`--form`)
 * should be named as such, not reported as a missing `--from`.
 */
export function missingRequired(options: readonly OptionSpec[], values: ParsedOptions): string | null {
  const o = options.find((x) => x.required && values[camel(x.name)] === undefined);
  return o ? `error: required option '${toOption(o).flags}' not specified` : null;
}

/** A command's description for commander's help: paragraphs kept, their hard line breaks let go (commander wraps). */
export function helpParagraphs(text: string): string {
  return text
    .trim()
    .split(/\n\s*\n/)
    .map((p) => p.replace(/\s*\n\s*/g, ' '))
    .join('\n\n');
}

/** Typed accessors over commander's parsed options, by the declared (dashed) names. */
export class Opts {
  constructor(
    private readonly values: ParsedOptions,
    private readonly command: string,
  ) {}
  str(name: string): string | undefined {
    const v = this.values[camel(name)];
    if (v === '') throw this.usage(`--${name} needs a value`);
    return typeof v === 'string' ? v : undefined;
  }
  req(name: string): string {
    const v = this.str(name);
    if (v === undefined) throw this.usage(`missing required option --${name}`);
    return v;
  }
  /** A flag; for `no-x`, whether it was given (commander stores it as `x: false`). */
  bool(name: string): boolean {
    if (name.startsWith('no-')) return this.values[camel(name.slice(3))] === false;
    return this.values[camel(name)] === true;
  }
  list(name: string): string[] {
    const v = this.values[camel(name)];
    return Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : [];
  }
  int(name: string, min: number, max: number): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (!/^\d+$/.test(v)) throw this.usage(`--${name} must be a whole number (got ${JSON.stringify(v)})`);
    const n = Number(v);
    if (n < min || n > max) throw this.usage(`--${name} must be from ${min} to ${max} (got ${n})`);
    return n;
  }
  num(name: string, min: number, max: number): number | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d+(\.\d+)?$/.test(v) || !Number.isFinite(n)) throw this.usage(`--${name} must be a number (got ${JSON.stringify(v)})`);
    if (n < min || n > max) throw this.usage(`--${name} must be from ${min} to ${max} (got ${n})`);
    return n;
  }
  /** The given options as arguments again (for a shard process), less those named in `skip`. */
  argv(options: readonly OptionSpec[], skip: readonly string[]): string[] {
    const out: string[] = [];
    for (const spec of options) {
      if (skip.includes(spec.name)) continue;
      if (spec.type === 'boolean') {
        if (this.bool(spec.name)) out.push(`--${spec.name}`);
        continue;
      }
      for (const v of spec.multiple ? this.list(spec.name) : [this.str(spec.name)]) if (v !== undefined) out.push(`--${spec.name}`, v);
    }
    return out;
  }
  usage(message: string): UsageError {
    return new UsageError(message, this.command);
  }
}
