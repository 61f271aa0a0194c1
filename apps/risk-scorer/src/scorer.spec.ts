import { advancePosition, isApplied, orderWork, type WorkItem } from './scorer';

const item = (id: string, offset: string, recordedAt: number, kind: WorkItem['kind'] = 'live', partition = 0): WorkItem => ({
  kind,
  tenantId: 't',
  patientId: 'p',
  checkIn: { checkInId: id, recordedAt: new Date(recordedAt).toISOString(), mood: 3 },
  recordedAt,
  position: { topic: 'checkins.v1', partition, offset },
  event: {} as WorkItem['event'],
});

describe('redelivery rules', () => {
  const rec = { applied: { topic: 'checkins.v1', partition: 0, offset: '41' }, recentCheckIns: ['dup'] };

  it('treats offsets at or below the applied one, and recent ids, as applied', () => {
    expect(isApplied(rec, item('a', '41', 0))).toBe(true);
    expect(isApplied(rec, item('a', '42', 0))).toBe(false);
    expect(isApplied(rec, item('dup', '99', 0))).toBe(true);
    expect(isApplied(rec, item('a', '3', 0, 'live', 1))).toBe(false);
    expect(isApplied({ applied: null, recentCheckIns: [] }, item('a', '0', 0))).toBe(false);
    // int64 offsets compare as numbers, not strings
    expect(isApplied({ applied: { ...rec.applied, offset: '9' }, recentCheckIns: [] }, item('a', '10', 0))).toBe(false);
  });

  it('advances to the highest offset of the latest topic-partition', () => {
    expect(advancePosition(null, [item('a', '5', 0).position, item('b', '3', 0).position])?.offset).toBe('5');
    expect(advancePosition(rec.applied, [item('a', '7', 0, 'live', 2).position])).toEqual({ topic: 'checkins.v1', partition: 2, offset: '7' });
    expect(advancePosition(rec.applied, [])).toBe(rec.applied);
  });

  it('scores parked check-ins first in device-time order, then the batch in offset order, once per id', () => {
    const work = orderWork(
      [item('p2', '2', 200, 'pending'), item('p1', '1', 100, 'pending')],
      [item('l2', '4', 50), item('p1', '5', 100), item('l3', '6', 10)],
    );
    expect(work.map((w) => w.checkIn.checkInId)).toEqual(['p1', 'p2', 'l2', 'l3']);
  });
});
