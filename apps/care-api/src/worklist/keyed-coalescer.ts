/**
 * Runs one task at a time per key inside this process, and merges the work that queues up behind a
 * key's running task into ONE next task: one patient's events of several topics' batches (four
 * topics, so four partitions handled side by side) become one read-fold-write instead of one each.
 * Items keep their arrival order; each caller's promise settles with the task that took its items.
 * Across instances the versioned conditional write does the serialising.
 */
export class KeyedCoalescer<T, R> {
  private readonly keys = new Map<string, { tail: Promise<unknown>; waiting: T[] | null; next: Promise<R> | null }>();

  constructor(private readonly task: (key: string, items: T[]) => Promise<R>) {}

  run(key: string, items: readonly T[]): Promise<R> {
    let k = this.keys.get(key);
    if (k?.waiting && k.next) {
      k.waiting.push(...items);
      return k.next;
    }
    if (!k) this.keys.set(key, (k = { tail: Promise.resolve(), waiting: null, next: null }));
    const entry = k;
    const waiting = [...items];
    const next = entry.tail.then(() => {
      // From here on, newcomers wait for the task after this one.
      entry.waiting = null;
      entry.next = null;
      return this.task(key, waiting);
    });
    entry.waiting = waiting;
    entry.next = next;
    const tail = next.catch(() => undefined);
    entry.tail = tail;
    void tail.then(() => {
      if (entry.tail === tail && this.keys.get(key) === entry) this.keys.delete(key);
    });
    return next;
  }

  get size(): number {
    return this.keys.size;
  }
}
