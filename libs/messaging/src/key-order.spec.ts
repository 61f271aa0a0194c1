import type { ConsumedEvent } from './consumed-event';
import { handleInKeyOrder } from './key-order';

const ev = (key: string, offset: string): ConsumedEvent =>
  ({ key, offset, partition: 0, topic: 't', event: { id: `${key}-${offset}`, subject: key } }) as unknown as ConsumedEvent;

describe('handleInKeyOrder', () => {
  it("handles each key's events in offset order and dead-letters what can never succeed", async () => {
    const seen: string[] = [];
    const events = [ev('a', '1'), ev('b', '2'), ev('a', '3'), ev('b', '4')];
    const result = await handleInKeyOrder(events, {
      keyOf: (c) => c.key!,
      concurrency: 2,
      handle: async (c) => {
        if (c.offset === '2') throw new Error('poison');
        seen.push(c.offset);
      },
      deadLetterOf: (c, e) => ((e as Error).message === 'poison' ? { offset: c.offset, reason: 'bad', error: 'poison' } : null),
    });
    expect(result).toEqual({ deadLetters: [{ offset: '2', reason: 'bad', error: 'poison' }] });
    expect(seen.filter((o) => o === '1' || o === '3')).toEqual(['1', '3']);
    expect(seen).toContain('4');
  });

  it("stops a failed key's later events, lets the other keys finish, then fails the batch", async () => {
    const seen: string[] = [];
    const run = handleInKeyOrder([ev('a', '1'), ev('a', '2'), ev('b', '3')], {
      keyOf: (c) => c.key!,
      concurrency: 2,
      handle: async (c) => {
        if (c.offset === '1') throw new Error('down');
        await new Promise((r) => setTimeout(r, 5));
        seen.push(c.offset);
      },
      deadLetterOf: () => null,
    });
    await expect(run).rejects.toThrow('down');
    expect(seen).toEqual(['3']);
  });
});
