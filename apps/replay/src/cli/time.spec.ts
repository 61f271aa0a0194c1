import { formatDuration, parseDuration, parseInstant } from './time';

describe('instants and durations', () => {
  it('parses dates as UTC midnight and ISO instants with an offset, nothing relative', () => {
    expect(parseInstant('2026-01-31')).toBe(Date.UTC(2026, 0, 31));
    expect(parseInstant('2026-01-31T08:15:00+01:00')).toBe(Date.UTC(2026, 0, 31, 7, 15));
    expect(parseInstant('2026-01-31T08:15:00.250Z')).toBe(Date.UTC(2026, 0, 31, 8, 15, 0, 250));
    for (const bad of ['2026-02-30', '2026-01-31T08:15:00', 'now', '-7d', '1706688900000', '']) expect(parseInstant(bad)).toBeNull();
  });

  it('parses durations and prints them back', () => {
    expect(parseDuration('0')).toBe(0);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('30d5m')).toBe(30 * 86_400_000 + 300_000);
    expect(parseDuration('1.5h')).toBe(5_400_000);
    expect(parseDuration('2w')).toBe(14 * 86_400_000);
    for (const bad of ['', '5', 'm', '5 m', '-1d']) expect(parseDuration(bad)).toBeNull();
    expect(formatDuration(30 * 86_400_000 + 300_000)).toBe('30d5m');
  });
});
