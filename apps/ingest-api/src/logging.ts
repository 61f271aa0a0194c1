import type { Logger } from '@vigil/observability';

/** The service logger: @vigil/observability's pino logger (JSON, PHI keys redacted, request and trace ids). */
export type AppLogger = Logger;

/** Logs a warning at most once per interval (a Redis outage must not flood the logs). */
export class ThrottledWarning {
  private last = 0;
  private suppressed = 0;
  constructor(
    private readonly logger: AppLogger,
    private readonly intervalMs = 10_000,
  ) {}
  warn(fields: Record<string, unknown>, msg: string): void {
    const now = Date.now();
    if (now - this.last < this.intervalMs) {
      this.suppressed++;
      return;
    }
    this.logger.warn({ ...fields, suppressed: this.suppressed }, msg);
    this.last = now;
    this.suppressed = 0;
  }
}
