/**
 * Progress on stderr for long runs: a redrawn bar (events, rate, ETA) on a terminal, plain lines
 * every few seconds otherwise (logs, CI, pipes), or nothing. `cli-progress` is not installed in the
 * workspace; this is the small subset replay needs.
 */
import type { Writable } from 'node:stream';

export type ProgressMode = 'bar' | 'lines' | 'none';

export interface ProgressOptions {
  mode: ProgressMode;
  stream: Writable;
  /** Lines mode: at most one line per this many ms. Default 5000. */
  lineIntervalMs?: number;
  /** Bar mode: redraw at most this often. Default 100. */
  redrawMs?: number;
  /** Bar width in cells. Default 24. */
  barWidth?: number;
  now?: () => number;
}

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
  private lastDraw = 0;
  private drawn = false;
  private readonly now: () => number;

  constructor(private readonly opts: ProgressOptions) {
    this.now = opts.now ?? Date.now;
  }

  get mode(): ProgressMode {
    return this.opts.mode;
  }

  /** Starts a phase; `total` is an upper bound when known (e.g. offsets in a Kafka range). */
  start(phase: string, total?: number, unit = 'events'): void {
    this.finishLine();
    this.phase = phase;
    this.unit = unit;
    this.total = total;
    this.count = 0;
    this.startedAt = this.now();
    this.lastDraw = this.startedAt;
    if (this.opts.mode === 'lines') this.line(`${phase}${total !== undefined ? `: ${fmtInt(total)} ${unit} at most` : ''}`);
  }

  /** Raises the total (a phase whose size becomes known as it goes). */
  setTotal(total: number | undefined): void {
    this.total = total;
  }

  tick(n = 1): void {
    this.count += n;
    if (this.opts.mode === 'none') return;
    const now = this.now();
    if (this.opts.mode === 'bar') {
      if (now - this.lastDraw >= (this.opts.redrawMs ?? 100)) this.drawBar(now);
    } else if (now - this.lastDraw >= (this.opts.lineIntervalMs ?? 5000)) {
      this.lastDraw = now;
      this.line(this.status(now));
    }
  }

  get value(): number {
    return this.count;
  }

  /** Ends the phase with a final line. */
  done(note = ''): void {
    if (this.opts.mode === 'none' || !this.phase) return;
    const now = this.now();
    const secs = Math.max(0.001, (now - this.startedAt) / 1000);
    const text = `${this.phase}: ${fmtInt(this.count)} ${this.unit} in ${secs.toFixed(1)} s (${fmtRate(this.count / secs)})${note ? `, ${note}` : ''}`;
    if (this.opts.mode === 'bar') {
      this.opts.stream.write(`\r\x1b[2K${text}\n`);
      this.drawn = false;
    } else this.line(text);
    this.phase = '';
  }

  /** A message between progress output (clears the bar line first). */
  note(text: string): void {
    if (this.opts.mode === 'none') return;
    this.finishLine();
    this.opts.stream.write(`${text}\n`);
  }

  /** Clears a drawn bar (before an error message). */
  clear(): void {
    this.finishLine();
  }

  private status(now: number): string {
    const secs = Math.max(0.001, (now - this.startedAt) / 1000);
    const rate = this.count / secs;
    const parts = [`${this.phase}: ${fmtInt(this.count)}${this.total !== undefined ? `/${fmtInt(this.total)}` : ''} ${this.unit}`, fmtRate(rate)];
    if (this.total !== undefined && this.total > 0) {
      parts.push(`${Math.min(100, Math.floor((this.count / this.total) * 100))}%`);
      parts.push(`ETA ${fmtEta(rate > 0 ? (this.total - this.count) / rate : Infinity)}`);
    }
    return parts.join(', ');
  }

  private drawBar(now: number): void {
    this.lastDraw = now;
    const width = this.opts.barWidth ?? 24;
    const secs = Math.max(0.001, (now - this.startedAt) / 1000);
    const rate = this.count / secs;
    let bar = '';
    let tail = '';
    if (this.total !== undefined && this.total > 0) {
      const frac = Math.min(1, this.count / this.total);
      const full = Math.floor(frac * width);
      bar = ` [${'#'.repeat(full)}${'.'.repeat(width - full)}] ${String(Math.floor(frac * 100)).padStart(3)}%`;
      tail = ` | ETA ${fmtEta(rate > 0 ? (this.total - this.count) / rate : Infinity)}`;
    }
    const counts = `${fmtInt(this.count)}${this.total !== undefined ? `/${fmtInt(this.total)}` : ''} ${this.unit}`;
    this.opts.stream.write(`\r\x1b[2K${this.phase}${bar} | ${counts} | ${fmtRate(rate)}${tail}`);
    this.drawn = true;
  }

  private finishLine(): void {
    if (this.drawn) {
      this.opts.stream.write('\r\x1b[2K');
      this.drawn = false;
    }
  }

  private line(text: string): void {
    this.opts.stream.write(`${new Date(this.now()).toISOString()} ${text}\n`);
  }
}
