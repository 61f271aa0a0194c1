import { RefusedError } from '../cli/errors';
import { batchSizeFor, productionTopicNames, refuseExpiringEvents, releaseAt } from './republish';

describe('republish safety and pacing', () => {
  it('knows every production topic name, with and without the configured prefix', () => {
    const names = productionTopicNames('staging.');
    for (const n of [
      'checkins.v1',
      'patients.v1',
      'risk-scores.v1',
      'alerts.v1',
      'audit.v1',
      'checkins.v1.dlq',
      'staging.checkins.v1',
      'staging.alerts.v1.dlq',
    ])
      expect(names.has(n)).toBe(true);
    for (const n of ['sandbox.checkins.v1', 'replay-test', 'checkins.v2']) expect(names.has(n)).toBe(false);
  });

  it('never lets more than rate x elapsed events out', () => {
    for (const rate of [1, 7, 40, 1000, 50_000]) {
      const size = batchSizeFor(rate);
      expect(size).toBeGreaterThanOrEqual(1);
      expect(size).toBeLessThanOrEqual(500);
      // The batch starting after `sent` events leaves no earlier than sent / rate seconds.
      for (const sent of [0, size, 10 * size]) expect(releaseAt(sent, rate)).toBeCloseTo((sent / rate) * 1000);
    }
  });

  it('refuses events the target topic would delete at once (retention counts from their own times), unless forced', () => {
    const DAY = 86_400_000;
    const now = Date.parse('2026-11-26T12:00:00Z');
    const week = 7 * DAY;
    // The broker default (7 days) against events from ten days back: refused, with the way out.
    expect(() => refuseExpiringEvents('sandbox.x', week, now - 10 * DAY, false, now)).toThrow(RefusedError);
    expect(() => refuseExpiringEvents('sandbox.x', week, now - 10 * DAY, false, now)).toThrow(
      /retention\.ms=604800000.*2026-11-16.*retention\.ms=-1.*Nothing was published/,
    );
    // Within a day of expiring is refused too; more than a day left is fine.
    expect(() => refuseExpiringEvents('sandbox.x', week, now - 6.5 * DAY, false, now)).toThrow(RefusedError);
    expect(() => refuseExpiringEvents('sandbox.x', week, now - 5 * DAY, false, now)).not.toThrow();
    // Unlimited retention, nothing to publish, or --force: no refusal.
    expect(() => refuseExpiringEvents('sandbox.x', -1, now - 400 * DAY, false, now)).not.toThrow();
    expect(() => refuseExpiringEvents('sandbox.x', week, Infinity, false, now)).not.toThrow();
    expect(() => refuseExpiringEvents('sandbox.x', week, now - 10 * DAY, true, now)).not.toThrow();
  });
});
