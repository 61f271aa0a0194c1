import type { Logger } from './logger';

/**
 * Logs a warning at most once per interval, with the count of the ones it held back (an outage
 * of Redis or Kafka must not flood the logs). `recovered()` logs once that the trouble is over and
 * re-arms the warning, so the next outage is reported at once. `intervalMs: Infinity` warns once
 * per outage.
 */
export class ThrottledWarning {
  private last = -Infinity;
  private suppressed = 0;
  private warned = false;

  constructor(
    private readonly logger: Logger,
    private readonly intervalMs = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  warn(fields: Record<string, unknown>, msg: string): void {
    const now = this.now();
    if (now - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.logger.warn({ ...fields, suppressed: this.suppressed }, msg);
    this.last = now;
    this.suppressed = 0;
    this.warned = true;
  }

  /** Logs `msg` at info if a warning was logged since the last recovery; the next warning then goes out at once. */
  recovered(fields: Record<string, unknown>, msg: string): void {
    if (this.warned) this.logger.info({ ...fields, suppressed: this.suppressed }, msg);
    this.warned = false;
    this.last = -Infinity;
    this.suppressed = 0;
  }
}
