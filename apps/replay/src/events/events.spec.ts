import { createEvent, EVENT_SOURCES, EVENT_TYPES, fromKafkaRecord, toKafkaRecord } from '@vigil/contracts';
import { eventInstant, fileSortKey, parseEventLine, serializeEvent, timeSortKey } from './events';

const checkIn = (patient: string, recordedAt: string, checkInId: string, traceparent?: string) =>
  createEvent({
    id: checkInId,
    source: EVENT_SOURCES.ingestApi,
    type: EVENT_TYPES.checkinReceived,
    subject: patient,
    time: new Date(recordedAt).toISOString(),
    tenantid: 'org-1',
    data: { checkInId, recordedAt, mood: 3 },
    ...(traceparent ? { traceparent } : {}),
  });

describe('event lines and order', () => {
  it('writes attributes in one order whatever the source object, and reads them back', () => {
    const e = checkIn('p1', '2026-01-02T08:00:00+01:00', '11111111-1111-4111-8111-111111111111', '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01');
    const viaKafka = fromKafkaRecord(toKafkaRecord(e));
    const line = serializeEvent(viaKafka);
    expect(line).toBe(serializeEvent(e));
    expect(Object.keys(JSON.parse(line))).toEqual([
      'specversion',
      'id',
      'source',
      'type',
      'subject',
      'time',
      'datacontenttype',
      'tenantid',
      'dataschemaversion',
      'traceparent',
      'data',
    ]);
    expect(serializeEvent(parseEventLine(line))).toBe(line);
  });

  it('files sort by tenant, patient, device time, check-in id; republish by time first', () => {
    const a = checkIn('p2', '2026-01-01T10:00:00Z', 'aaaaaaaa-1111-4111-8111-111111111111');
    const b = checkIn('p1', '2026-01-03T10:00:00Z', 'bbbbbbbb-1111-4111-8111-111111111111');
    const c = checkIn('p1', '2026-01-03T10:00:00+00:00', 'aaaaaaaa-2222-4111-8111-111111111111');
    const byFile = [a, b, c].sort((x, y) => (fileSortKey(x, eventInstant(x)) < fileSortKey(y, eventInstant(y)) ? -1 : 1));
    expect(byFile.map((e) => e.id)).toEqual([c.id, b.id, a.id]);
    const byTime = [a, b, c].sort((x, y) => (timeSortKey(x, eventInstant(x)) < timeSortKey(y, eventInstant(y)) ? -1 : 1));
    expect(byTime.map((e) => e.id)).toEqual([a.id, c.id, b.id]);
  });

  it("a check-in's instant is its recordedAt; other events use time", () => {
    const e = checkIn('p1', '2026-01-03T10:00:00+02:00', 'aaaaaaaa-2222-4111-8111-111111111111');
    expect(eventInstant({ ...e, time: '2030-01-01T00:00:00Z' })).toBe(Date.UTC(2026, 0, 3, 8));
    expect(eventInstant({ ...e, type: EVENT_TYPES.riskScored })).toBe(Date.UTC(2026, 0, 3, 8));
  });
});
