/**
 * Progress on stderr for long runs: a `cli-progress` bar on a terminal (events, rate, percentage,
 * ETA), a plain timestamped line every few seconds otherwise (logs, CI, pipes), or nothing.
 */
import type { Writable } from 'node:stream';
import { Presets, SingleBar } from 'cli-progress';

export type ProgressMode = 'bar' | 'lines' | 'none';

export interface ProgressOptions {
  mode: ProgressMode;
  stream: Writable & { isTTY?: boolean; columns?: number };
  /** Lines mode (and a bar forced onto a non-terminal): at most one line per this many ms. Default 5000. */
  lineIntervalMs?: number;
  now?: () => number;
  /** Also hands each phase and count on (a shard reports to its coordinator; at most every 200 ms per tick). */
  report?: (e: ProgressEvent) => void;
}

/** What a shard process sends its coordinator (shards/workers.ts) over IPC. */
export type ProgressEvent = { kind: 'start'; phase: string; total: number | undefined; unit: string } | { kind: 'tick' | 'done'; count: number };

export function resolveProgressMode(asked: string | undefined, isTTY: boolean): ProgressMode {
  if (asked === 'bar' || asked === 'lines' || asked === 'none') return asked;
  return isTTY ? 'bar' : 'lines';
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');

export function fmtRate(perSecond: number): string {
  if (!Number.isFinite(perSecond) || perSecond <= 0) return '0/s';
  if (perSecond >= 10_000) return `${(perSecond / 1000).toFixed(1)}k/s`;
  return `${Math.round(perSecond)}/s`;
}

export function fmtEta(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

/** One phase of work at a time ("reading check-ins", "scoring"...), each with an optional total. */
export class Progress {
  private phase = '';
  private unit = 'events';
  private total: number | undefined;
  private count = 0;
  private startedAt = 0;
  private lastLine = 0;
  private bar: SingleBar | null = null;
  private lastReport = 0;
  private readonly now: () => number;

  constructor(private readonly opts: ProgressOptions) {
    this.now = opts.now ?? Date.now;
  }

  get mode(): ProgressMode {
    return this.opts.mode;
  }

  /** Starts a phase; `total` is an upper bound when known (e.g. offsets in a Kafka range). */
  start(phase: string, total?: number, unit = 'events'): void {
    this.stopBar();
    this.phase = phase;
    this.unit = unit;
    this.total = total;
    this.count = 0;
    this.startedAt = this.now();
    this.lastLine = this.startedAt;
    this.opts.report?.({ kind: 'start', phase, total, unit });
    if (this.opts.mode === 'lines') this.line(`${phase}${total !== undefined ? `: ${fmtInt(total)} ${unit} at most` : ''}`);
    if (this.opts.mode === 'bar') this.startBar(0);
  }

  tick(n = 1): void {
    this.count += n;
    if (this.opts.report) {
      const t = this.now();
      if (t - this.lastReport >= 200) {
        this.lastReport = t;
        this.opts.report({ kind: 'tick', count: this.count });
      }
    }
    if (this.opts.mode === 'none') return;
    const now = this.now();
    if (this.bar) this.bar.update(this.count, { rate: fmtRate(this.rate(now)) });
    else if (this.opts.mode === 'lines' && now - this.lastLine >= (this.opts.lineIntervalMs ?? 5000)) {
      this.lastLine = now;
      this.line(this.status(now));
    }
  }

  get value(): number {
    return this.count;
  }

  /** Ends the phase with a final line. */
  done(note = ''): void {
    if (this.phase) this.opts.report?.({ kind: 'done', count: this.count });
    if (this.opts.mode === 'none' || !this.phase) return;
    const now = this.now();
    const secs = Math.max(0.001, (now - this.startedAt) / 1000);
    const text = `${this.phase}: ${fmtInt(this.count)} ${this.unit} in ${secs.toFixed(1)} s (${fmtRate(this.count / secs)})${note ? `, ${note}` : ''}`;
    if (this.opts.mode === 'bar') {
      this.stopBar();
      this.opts.stream.write(`${text}\n`);
    } else this.line(text);
    this.phase = '';
  }

  /** A message between progress output: the bar is taken down, the message written, the bar drawn again. */
  note(text: string): void {
    if (this.opts.mode === 'none') return;
    const hadBar = this.stopBar();
    this.opts.stream.write(`${text}\n`);
    if (hadBar) this.startBar(this.count);
  }

  /** Takes a drawn bar down (before an error message; at the end of a run). */
  clear(): void {
    this.stopBar();
  }

  private rate(now: number): number {
    return this.count / Math.max(0.001, (now - this.startedAt) / 1000);
  }

  private startBar(value: number): void {
    const known = this.total !== undefined && this.total > 0;
    const bar = new SingleBar(
      {
        stream: this.opts.stream,
        format: known ? '{phase} [{bar}] {percentage}% | {value}/{total} {unit} | {rate} | ETA {eta_formatted}' : '{phase} | {value} {unit} | {rate}',
        formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? fmtInt(Number(v)) : String(v)),
        barsize: 24,
        fps: 10,
        etaBuffer: 50,
        clearOnComplete: true,
        // `--progress bar` onto a pipe: the bar as a line every interval rather than nothing.
        noTTYOutput: true,
        notTTYSchedule: this.opts.lineIntervalMs ?? 5000,
      },
      Presets.shades_classic,
    );
    bar.start(known ? (this.total as number) : 0, value, { phase: this.phase, unit: this.unit, rate: fmtRate(this.rate(this.now())) });
    this.bar = bar;
  }

  private stopBar(): boolean {
    const bar = this.bar;
    if (!bar) return false;
    this.bar = null;
    bar.stop();
    return true;
  }

  private status(now: number): string {
    const rate = this.rate(now);
    const parts = [`${this.phase}: ${fmtInt(this.count)}${this.total !== undefined ? `/${fmtInt(this.total)}` : ''} ${this.unit}`, fmtRate(rate)];
    if (this.total !== undefined && this.total > 0) {
      parts.push(`${Math.min(100, Math.floor((this.count / this.total) * 100))}%`);
      parts.push(`ETA ${fmtEta(rate > 0 ? (this.total - this.count) / rate : Infinity)}`);
    }
    return parts.join(', ');
  }

  private line(text: string): void {
    this.opts.stream.write(`${new Date(this.now()).toISOString()} ${text}\n`);
  }
}
