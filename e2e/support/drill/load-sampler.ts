/**
 * The machine's 1-minute load average sampled through the drill (other work shares the machine, and
 * the recovery times mean little without it), and percentiles of a list of latencies.
 */
import os from 'node:os';

export class LoadSampler {
  private readonly samples: number[] = [];
  private timer: NodeJS.Timeout | undefined;

  start(intervalMs = 5000): void {
    this.samples.push(os.loadavg()[0]);
    this.timer = setInterval(() => this.samples.push(os.loadavg()[0]), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  summary(): { min: number; median: number; max: number; samples: number; cores: number } {
    const p = percentiles(this.samples.map((x) => Math.round(x * 100) / 100));
    return { min: Math.min(...this.samples), median: p.p50, max: p.max, samples: this.samples.length, cores: os.cpus().length };
  }
}

export function percentiles(values: number[]): { p50: number; p95: number; max: number; n: number } {
  if (values.length === 0) return { p50: 0, p95: 0, max: 0, n: 0 };
  const v = [...values].sort((a, b) => a - b);
  const at = (q: number) => v[Math.min(v.length - 1, Math.floor(q * v.length))];
  return { p50: at(0.5), p95: at(0.95), max: v[v.length - 1], n: v.length };
}
