/** Options of {@link forEachLimit}. */
export interface ForEachLimitOptions {
  /** After the first failure no further item is started (those already running still finish). Default false: every item runs. */
  stopOnError?: boolean;
}

/**
 * Runs `fn` over `items` with at most `limit` calls in flight. Resolves once every started call has
 * settled and rejects with the first error only then, so a caller that retries never overlaps with
 * its own stragglers. The one bounded pool of the repository (scorer, storage, simulator use it).
 */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>, options: ForEachLimitOptions = {}): Promise<void> {
  if (items.length === 0) return;
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (next < items.length && !(failed && options.stopOnError)) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        if (!failed) {
          failed = true;
          firstError = e;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw firstError;
}
