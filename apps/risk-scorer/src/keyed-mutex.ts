/**
 * Serialises work per key inside one process (one patient's state is read, scored and written by
 * one task at a time: the check-in consumer, the enrolment drain and the engagement tick never
 * interleave on the same patient here). Across processes, the conditional (LWT) state write in
 * ScorerStore does the same job; this only keeps a single instance from racing itself.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `fn` once every earlier holder of `key` is done. */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    return this.runMany([key], fn);
  }

  /**
   * Holds several keys at once. Keys are taken in sorted order, so two multi-key holders can never
   * deadlock; single-key holders never wait while holding.
   */
  async runMany<T>(keys: readonly string[], fn: () => Promise<T>): Promise<T> {
    const sorted = [...new Set(keys)].sort();
    const releases: (() => void)[] = [];
    try {
      for (const key of sorted) releases.push(await this.acquire(key));
      return await fn();
    } finally {
      for (const release of releases.reverse()) release();
    }
  }

  /** Keys currently held or waited for (for tests and a metric). */
  get size(): number {
    return this.tails.size;
  }

  private async acquire(key: string): Promise<() => void> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    this.tails.set(key, tail);
    await previous;
    return () => {
      release();
      if (this.tails.get(key) === tail) this.tails.delete(key);
    };
  }
}
