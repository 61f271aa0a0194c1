import { Client } from 'cassandra-driver';
import { createEvent, EVENT_TYPES, TOPICS } from '@vigil/contracts';
import type { ConsumedEvent } from '@vigil/messaging';
import { CheckInArchiveRepository, ObservationRepository } from '@vigil/storage';
import { acceptCheckIn, CheckInBatchWriter, WRITER_DLQ_REASONS } from './checkin-batch.writer';

const ID = '7d9f4b1e-2c3a-4f5e-8a6b-1c2d3e4f5a6b';

function consumed(data: unknown, over: Partial<{ type: string; subject: string; offset: string }> = {}): ConsumedEvent {
  const event = createEvent({
    id: ID,
    source: 'vigil/ingest-api',
    type: EVENT_TYPES.checkinReceived,
    subject: over.subject ?? 'patient-1',
    time: '2026-03-10T08:00:00.000Z',
    tenantid: 'org-1',
    data,
  });
  if (over.type) event.type = over.type;
  return { event, topic: TOPICS.checkins, partition: 2, offset: over.offset ?? '41', key: 'patient-1', timestamp: String(Date.parse('2026-03-10T08:00:01Z')) };
}

const valid = { checkInId: ID, recordedAt: '2026-03-10T09:00:00+01:00', vitals: { weightKg: 81.2, spo2: 94 }, mood: 3, notes: 'private words' };

describe('acceptCheckIn', () => {
  it('accepts a valid check-in and keeps the whole event for the archive', () => {
    const r = acceptCheckIn(consumed(valid));
    expect('archived' in r).toBe(true);
    if (!('archived' in r)) return;
    expect(r.archived).toMatchObject({
      tenantId: 'org-1',
      patientId: 'patient-1',
      checkInId: ID,
      recordedAt: new Date('2026-03-10T08:00:00Z'),
      recordedAtText: '2026-03-10T09:00:00+01:00',
      eventId: ID,
      kafka: { topic: 'checkins.v1', partition: 2, offset: '41', timestamp: new Date('2026-03-10T08:00:01Z') },
    });
    expect(JSON.parse(r.archived.data)).toEqual(valid);
  });

  it('accepts old check-ins: a stored event is not judged against today', () => {
    expect('archived' in acceptCheckIn(consumed({ ...valid, recordedAt: '2020-01-01T00:00:00Z' }))).toBe(true);
  });

  it.each([
    ['an unknown event type', consumed(valid, { type: 'org.vigil.something.else' }), WRITER_DLQ_REASONS.unknownType],
    ['a wrong shape', consumed({ hello: 'world' }), WRITER_DLQ_REASONS.invalidCheckIn],
    ['an out-of-range value', consumed({ ...valid, vitals: { spo2: 140 } }), WRITER_DLQ_REASONS.invalidCheckIn],
    ['nothing measurable', consumed({ checkInId: ID, recordedAt: valid.recordedAt, notes: 'x' }), WRITER_DLQ_REASONS.invalidCheckIn],
    ['a JSON array', consumed([1, 2]), WRITER_DLQ_REASONS.invalidCheckIn],
    ['a bad subject', consumed(valid, { subject: 'no spaces allowed' }), WRITER_DLQ_REASONS.invalidSubject],
  ])('dead-letters %s, naming fields but no values', (_name, e, reason) => {
    const r = acceptCheckIn(e);
    expect(r).toMatchObject({ offset: '41', reason });
    expect(JSON.stringify(r)).not.toMatch(/140|private/);
  });
});

describe('CheckInBatchWriter', () => {
  const executed: { query: string; params: unknown[] }[] = [];
  const batches: number[] = [];
  const client = {
    execute: jest.fn(async (query: string, params: unknown[]) => {
      executed.push({ query, params });
      return { rows: [] };
    }),
    batch: jest.fn(async (queries: { query: string; params: unknown[] }[], options: { logged?: boolean }) => {
      expect(options.logged).toBe(false);
      batches.push(queries.length);
      executed.push(...queries);
      return { rows: [] };
    }),
  } as unknown as Client;
  const writer = new CheckInBatchWriter(client, new ObservationRepository(client, 'ks'), new CheckInArchiveRepository(client, 'ks'), 8);

  beforeEach(() => {
    executed.splice(0);
    batches.splice(0);
  });

  it('writes archive, series and latest rows for every valid check-in and returns dead letters for the rest', async () => {
    const out = await writer.handle([
      consumed(valid, { offset: '1' }),
      consumed('nope', { offset: '2' }),
      consumed(valid, { offset: '3', subject: 'patient-2' }),
    ]);
    expect(out.deadLetters).toEqual([expect.objectContaining({ offset: '2', reason: WRITER_DLQ_REASONS.invalidCheckIn })]);
    expect(out.checkIns).toBe(2);
    expect(out.observations).toBe(6); // weightKg, spo2, mood per check-in
    const count = (re: RegExp) => executed.filter((s) => re.test(s.query)).length;
    expect(count(/INSERT INTO "ks".checkins_by_patient/)).toBe(2);
    expect(count(/INSERT INTO "ks".checkins_by_day/)).toBe(2);
    expect(count(/INSERT INTO "ks".observations_by_patient/)).toBe(6);
    expect(count(/INSERT INTO "ks".latest_observations .* USING TIMESTAMP \?/)).toBe(6);
    // per check-in: one single-partition batch of its series rows, one of its latest values
    expect(batches).toEqual([3, 3, 3, 3]);
    expect(out.statements).toBe(2 + 2 + 2 + 2);
  });

  it('rejects the batch when a write fails (the transport retries it; nothing is skipped)', async () => {
    (client.batch as jest.Mock).mockImplementationOnce(async () => {
      throw new Error('NoHostAvailableError');
    });
    await expect(writer.handle([consumed(valid)])).rejects.toThrow('NoHostAvailableError');
  });
});
