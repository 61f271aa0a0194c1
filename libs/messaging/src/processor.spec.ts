import { DLQ_HEADERS, toKafkaRecord } from '@vigil/contracts';
import type { ConsumedEvent } from './consumed-event';
import { PoisonMessageError } from './errors';
import { deadLetterRecord, processPartitionBatch, type DeadLetter, type FetchedRecord, type ProcessorDeps } from './processor';
import { checkinEvent } from './test/fixtures';

function record(offset: number, n: number): FetchedRecord {
  const r = toKafkaRecord(checkinEvent(`p${n % 3}`, n));
  const headers: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(r.headers)) headers[k] = Buffer.from(v);
  return { offset: String(offset), key: Buffer.from(r.key), value: r.value, headers, timestamp: r.timestamp ?? '0' };
}

function garbage(offset: number, value = 'not json at all'): FetchedRecord {
  return { offset: String(offset), key: Buffer.from('k'), value: Buffer.from(value), headers: { 'x-app': Buffer.from('legacy') }, timestamp: '1' };
}

const nOf = (e: ConsumedEvent) => (e.event.data as { n: number }).n;

interface Harness {
  deps: ProcessorDeps;
  log: string[];
  dead: DeadLetter[];
  commits: string[];
  resolved: string[];
}

function harness(invoke: (p: ConsumedEvent | ConsumedEvent[]) => Promise<unknown>, opts: Partial<ProcessorDeps> & { batch?: boolean } = {}): Harness {
  const h: Harness = { log: [], dead: [], commits: [], resolved: [], deps: undefined as unknown as ProcessorDeps };
  h.deps = {
    handler: { batch: opts.batch ?? false, invoke },
    deadLetter: async (items) => {
      h.log.push(`dlq:${items.map((d) => d.record.offset).join(',')}`);
      h.dead.push(...items);
    },
    resolveOffset: (o) => h.resolved.push(o),
    commit: async (next) => {
      h.log.push(`commit:${next}`);
      h.commits.push(next);
    },
    shouldStop: () => false,
    sleep: async () => undefined,
    backoff: { initialMs: 1, maxMs: 2 },
    chunkSize: 500,
    commitIntervalMs: 60_000,
    ...opts,
  };
  return h;
}

const batchOf = (records: FetchedRecord[]) => ({ topic: 't.checkins.v1', baseTopic: 'checkins.v1', partition: 2, records });

describe('processPartitionBatch, per message', () => {
  it('calls the handler once per message in offset order, then commits offset+1', async () => {
    const seen: number[] = [];
    const h = harness(async (p) => {
      const e = p as ConsumedEvent;
      expect(e.topic).toBe('checkins.v1');
      expect(e.partition).toBe(2);
      seen.push(nOf(e));
    });
    const out = await processPartitionBatch(batchOf([record(10, 0), record(11, 1), record(12, 2)]), h.deps);
    expect(seen).toEqual([0, 1, 2]);
    expect(h.resolved).toEqual(['10', '11', '12']);
    expect(h.commits).toEqual(['13']);
    expect(out).toEqual({ committed: '13', done: 3, stopped: false });
  });

  it('dead-letters undecodable messages and goes on with the next ones', async () => {
    const seen: number[] = [];
    const h = harness(async (p) => void seen.push(nOf(p as ConsumedEvent)));
    await processPartitionBatch(batchOf([record(0, 0), garbage(1), record(2, 2)]), h.deps);
    expect(seen).toEqual([0, 2]);
    expect(h.dead.map((d) => [d.record.offset, d.reason])).toEqual([['1', 'not-cloudevent']]);
    expect(h.log).toEqual(['dlq:1', 'commit:3']);
  });

  it('retries a transient failure (never skipping) and commits only after success', async () => {
    let calls = 0;
    const retries: number[] = [];
    const h = harness(
      async () => {
        calls++;
        if (calls <= 2) throw new Error('cassandra timeout');
      },
      { onRetry: (_e, attempt) => retries.push(attempt) },
    );
    const out = await processPartitionBatch(batchOf([record(5, 0)]), h.deps);
    expect(calls).toBe(3);
    expect(retries).toEqual([0, 1]);
    expect(h.commits).toEqual(['6']);
    expect(out.done).toBe(1);
  });

  it('a PoisonMessageError or returned deadLetters send the message to the DLQ with the reason', async () => {
    const h = harness(async (p) => {
      const n = nOf(p as ConsumedEvent);
      if (n === 1) throw new PoisonMessageError('unknown instrument', 'invalid-data');
      if (n === 2) return { deadLetters: [{ offset: (p as ConsumedEvent).offset, reason: 'unsupported-type', error: 'type x' }] };
      return undefined;
    });
    await processPartitionBatch(batchOf([record(0, 0), record(1, 1), record(2, 2), record(3, 3)]), h.deps);
    expect(h.dead.map((d) => [d.record.offset, d.reason, d.error])).toEqual([
      ['1', 'invalid-data', 'PoisonMessageError: unknown instrument'],
      ['2', 'unsupported-type', 'type x'],
    ]);
    expect(h.commits).toEqual(['4']);
  });

  it('on stop, commits what is done and leaves the failing message uncommitted', async () => {
    let stop = false;
    const h = harness(
      async (p) => {
        if (nOf(p as ConsumedEvent) === 1) {
          stop = true;
          throw new Error('down');
        }
      },
      { shouldStop: () => stop },
    );
    const out = await processPartitionBatch(batchOf([record(0, 0), record(1, 1), record(2, 2)]), h.deps);
    expect(out).toEqual({ committed: '1', done: 1, stopped: true });
    expect(h.resolved).toEqual(['0']);
  });

  it('retries a failing dead-letter write before committing past the message', async () => {
    let fails = 1;
    const h = harness(async () => undefined);
    const write = h.deps.deadLetter;
    h.deps.deadLetter = async (items) => {
      if (fails-- > 0) throw new Error('Kafka unavailable');
      await write(items);
    };
    await processPartitionBatch(batchOf([garbage(0), record(1, 1)]), h.deps);
    expect(h.log).toEqual(['dlq:0', 'commit:2']);
  });

  it('commits periodically inside a long batch', async () => {
    const h = harness(async () => undefined, { commitIntervalMs: 0 });
    await processPartitionBatch(batchOf([record(0, 0), record(1, 1), record(2, 2)]), h.deps);
    expect(h.commits).toEqual(['1', '2', '3']);
  });
});

describe('processPartitionBatch, BATCH handlers', () => {
  it('hands over the decoded batch in order, dead-letters the undecodable, commits once', async () => {
    const calls: number[][] = [];
    const h = harness(async (p) => void calls.push((p as ConsumedEvent[]).map(nOf)), { batch: true });
    await processPartitionBatch(batchOf([record(0, 0), garbage(1), record(2, 2), record(3, 3)]), h.deps);
    expect(calls).toEqual([[0, 2, 3]]);
    expect(h.log).toEqual(['dlq:1', 'commit:4']);
  });

  it('slices big batches into chunks, committing after each', async () => {
    const calls: number[][] = [];
    const h = harness(async (p) => void calls.push((p as ConsumedEvent[]).map(nOf)), { batch: true, chunkSize: 2 });
    await processPartitionBatch(batchOf([0, 1, 2, 3, 4].map((i) => record(i, i))), h.deps);
    expect(calls).toEqual([[0, 1], [2, 3], [4]]);
    expect(h.commits).toEqual(['2', '4', '5']);
  });

  it('honours returned deadLetters by offset', async () => {
    const h = harness(
      async () => ({
        deadLetters: [
          { offset: '1', reason: 'bad', error: 'e' },
          { offset: '99', reason: 'not in batch', error: '' },
        ],
      }),
      { batch: true },
    );
    await processPartitionBatch(batchOf([record(0, 0), record(1, 1)]), h.deps);
    expect(h.dead.map((d) => d.record.offset)).toEqual(['1']);
    expect(h.commits).toEqual(['2']);
  });

  it('a poisoned batch is retried one event at a time to isolate the poison', async () => {
    const calls: number[][] = [];
    const h = harness(
      async (p) => {
        const ns = (p as ConsumedEvent[]).map(nOf);
        calls.push(ns);
        if (ns.includes(1)) throw new PoisonMessageError('bad', 'invalid-data');
      },
      { batch: true },
    );
    await processPartitionBatch(batchOf([record(0, 0), record(1, 1), record(2, 2)]), h.deps);
    expect(calls).toEqual([[0, 1, 2], [0], [1], [2]]);
    expect(h.dead.map((d) => [d.record.offset, d.reason])).toEqual([['1', 'invalid-data']]);
    expect(h.commits).toEqual(['3']);
  });

  it('a transient failure retries the whole batch; nothing is committed before it succeeds', async () => {
    let n = 0;
    const h = harness(
      async () => {
        h.log.push('call');
        if (++n < 3) throw new Error('timeout');
      },
      { batch: true },
    );
    await processPartitionBatch(batchOf([record(0, 0), record(1, 1)]), h.deps);
    expect(h.log).toEqual(['call', 'call', 'call', 'commit:2']);
  });
});

describe('deadLetterRecord', () => {
  it('keeps the original key, bytes and headers, adds DLQ headers, and is stamped with the time it failed (the original timestamp in a header)', () => {
    const g = garbage(7, '{"notes":"secret"');
    const r = deadLetterRecord(
      { record: g, reason: 'not-json', error: 'value is not valid JSON' },
      { sourceTopic: 't.checkins.v1', partition: 1, groupId: 'g1', now: new Date('2026-01-01T00:00:00Z') },
    );
    expect(r.key).toBe(g.key);
    expect(r.value).toBe(g.value);
    expect(r.timestamp).toBe(String(Date.parse('2026-01-01T00:00:00Z')));
    expect(r.headers).toMatchObject({
      'x-app': Buffer.from('legacy'),
      [DLQ_HEADERS.reason]: 'not-json',
      [DLQ_HEADERS.error]: 'value is not valid JSON',
      [DLQ_HEADERS.sourceTopic]: 't.checkins.v1',
      [DLQ_HEADERS.sourcePartition]: '1',
      [DLQ_HEADERS.sourceOffset]: '7',
      [DLQ_HEADERS.consumerGroup]: 'g1',
      [DLQ_HEADERS.failedAt]: '2026-01-01T00:00:00.000Z',
      [DLQ_HEADERS.sourceTimestamp]: '1',
    });
    expect(String(r.headers![DLQ_HEADERS.error])).not.toMatch(/secret/);
  });
});
