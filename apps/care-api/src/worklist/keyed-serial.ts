/**
 * Runs tasks one at a time per key inside this process: one patient's worklist state is read,
 * folded and written by one task here at a time (events of different topics arrive on different
 * partitions, side by side). Across instances the versioned conditional write does the same job.
 */
export class KeyedSerial {
  private readonly tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const mine = previous.then(fn, fn);
    const tail = mine.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return mine;
  }

  get size(): number {
    return this.tails.size;
  }
}
