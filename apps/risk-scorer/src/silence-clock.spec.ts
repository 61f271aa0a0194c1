import { engineNow, heardAtAfter, receiptDelayMs, scorerDueAt, shiftIso } from './silence-clock';

const H = 3_600_000;
const T = Date.UTC(2026, 2, 1, 12);

describe('silence clock', () => {
  it('restarts when a check-in moves the newest device time forward, not for a straggler', () => {
    expect(heardAtAfter(null, T - 20 * 24 * H, null, T)).toBe(T);
    expect(heardAtAfter(T - 20 * 24 * H, T - 19 * 24 * H, T - 5000, T)).toBe(T);
    expect(heardAtAfter(T - 19 * 24 * H, T - 19 * 24 * H, T - 5000, T)).toBe(T - 5000); // an older check-in (or none): unchanged
    expect(heardAtAfter(null, null, null, T)).toBeNull();
  });

  it('counts a backfilled check-in from when it arrived, a live one from its device time', () => {
    const backfilled = receiptDelayMs(T - 20 * 24 * H, T);
    expect(backfilled).toBe(20 * 24 * H);
    expect(scorerDueAt(T - 20 * 24 * H + 48 * H, backfilled)).toBe(T + 48 * H);
    expect(receiptDelayMs(T, T - 60_000)).toBe(0); // a device clock ahead of ours
    expect(receiptDelayMs(null, T)).toBe(0); // silence since enrolment
    expect(scorerDueAt(null, backfilled)).toBeNull();
  });

  it('asks the engine about the same silence, on its device-time scale', () => {
    expect(engineNow(T + 49 * H, 20 * 24 * H)).toBe(T + 49 * H - 20 * 24 * H);
    expect(shiftIso('2026-03-01T12:00:00.000Z', H)).toBe('2026-03-01T13:00:00.000Z');
    expect(shiftIso('2026-03-01T12:00:00Z', 0)).toBe('2026-03-01T12:00:00Z');
  });
});
