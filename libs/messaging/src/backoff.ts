export interface BackoffOptions {
  /** First delay. Default 200 ms. */
  initialMs?: number;
  /** Cap. Default 30 s. */
  maxMs?: number;
}

/**
 * Exponential backoff with "equal jitter": the delay for attempt n (0-based) is drawn from
 * [d/2, d] where d = min(maxMs, initialMs * 2^n). Never below half the exponential value, so
 * retries keep spreading out, yet replicas that failed together do not retry in lock-step.
 */
export function backoffDelay(attempt: number, opts: BackoffOptions = {}, random: () => number = Math.random): number {
  const initial = Math.max(1, opts.initialMs ?? 200);
  const max = Math.max(initial, opts.maxMs ?? 30_000);
  const exp = Math.min(max, initial * Math.pow(2, Math.min(Math.max(0, attempt), 30)));
  const half = exp / 2;
  return Math.round(half + random() * half);
}

/** Resolves after `ms`, or early (without error) when `signal` aborts. The timer never keeps the process alive. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    timer.unref?.();
    signal?.addEventListener('abort', done, { once: true });
  });
}
