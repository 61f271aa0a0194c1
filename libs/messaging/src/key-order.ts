import type { BatchHandlerResult, ConsumedEvent, DeadLetterRequest } from './consumed-event';

export interface KeyOrderOptions {
  /** Events of one key are handled one after another, in offset order (e.g. one patient's). */
  keyOf(c: ConsumedEvent): string;
  /** Keys handled side by side. */
  concurrency: number;
  handle(c: ConsumedEvent): Promise<unknown>;
  /** The dead letter for an error that can never succeed (the key goes on), or null: the batch fails and is retried. */
  deadLetterOf(c: ConsumedEvent, error: unknown): DeadLetterRequest | null;
}

/**
 * Handles a consumed batch key by key: each key's events in offset order, up to `concurrency` keys
 * at once. A dead-lettered event lets its key go on; any other failure stops that key's later events
 * (they wait for the retry, in order), lets the other keys finish, and then fails the batch, so a
 * retry never overlaps with its own stragglers.
 */
export async function handleInKeyOrder(events: readonly ConsumedEvent[], opts: KeyOrderOptions): Promise<BatchHandlerResult> {
  const groups = new Map<string, ConsumedEvent[]>();
  for (const c of events) {
    const key = opts.keyOf(c);
    const g = groups.get(key);
    if (g) g.push(c);
    else groups.set(key, [c]);
  }
  const queue = [...groups.values()];
  const deadLetters: DeadLetterRequest[] = [];
  let failure: unknown;
  const worker = async () => {
    for (let g = queue.shift(); g && failure === undefined; g = queue.shift()) {
      for (const c of g) {
        try {
          await opts.handle(c);
        } catch (e) {
          const dead = opts.deadLetterOf(c, e);
          if (dead) {
            deadLetters.push(dead);
            continue;
          }
          failure ??= e;
          break;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, opts.concurrency), queue.length) }, worker));
  if (failure !== undefined) throw failure;
  return deadLetters.length ? { deadLetters } : {};
}
