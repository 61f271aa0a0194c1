import { dueBucket, engagementDueAt, HOUR_MS, hourIsClosed, hourOf, hoursToScan, INITIAL_LOOKBACK_HOURS, MAX_HOURS_PER_TICK } from './schedule';

const T = Date.UTC(2026, 0, 10, 12, 30);

describe('engagement schedule', () => {
  const base = { status: 'active' as const, engineDueAt: T + 48 * HOUR_MS, receiptDelayMs: 0 };

  it('is due when the engine says, later by the receipt delay of the newest check-in', () => {
    expect(engagementDueAt(base)).toBe(T + 48 * HOUR_MS);
    expect(engagementDueAt({ ...base, receiptDelayMs: 20 * 24 * HOUR_MS })).toBe(T + (48 + 480) * HOUR_MS);
  });

  it('is not due when the engine has nothing more for this silence, nor for a discharged patient', () => {
    expect(engagementDueAt({ ...base, engineDueAt: null })).toBeNull();
    expect(engagementDueAt({ ...base, status: 'discharged' })).toBeNull();
  });

  it('never files a row behind the hour it is written in', () => {
    expect(dueBucket(T + 3 * HOUR_MS, T)).toBe(hourOf(T) + 3);
    expect(dueBucket(T - 30 * HOUR_MS, T)).toBe(hourOf(T));
  });

  it('scans from the watermark to the current hour, bounded', () => {
    expect(hoursToScan(hourOf(T) - 2, T)).toEqual([hourOf(T) - 2, hourOf(T) - 1, hourOf(T)]);
    expect(hoursToScan(null, T)).toHaveLength(INITIAL_LOOKBACK_HOURS + 1);
    expect(hoursToScan(hourOf(T) - 10_000, T)).toHaveLength(MAX_HOURS_PER_TICK);
  });

  it('closes an hour only after the grace period', () => {
    const h = hourOf(T);
    expect(hourIsClosed(h, (h + 1) * HOUR_MS + 1000, 60_000)).toBe(false);
    expect(hourIsClosed(h, (h + 1) * HOUR_MS + 60_000, 60_000)).toBe(true);
  });
});
