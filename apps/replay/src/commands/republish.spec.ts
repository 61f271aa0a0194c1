import { batchSizeFor, productionTopicNames, releaseAt } from './republish';

describe('republish safety and pacing', () => {
  it('knows every production topic name, with and without the configured prefix', () => {
    const names = productionTopicNames('staging.');
    for (const n of ['checkins.v1', 'patients.v1', 'risk-scores.v1', 'alerts.v1', 'audit.v1', 'checkins.v1.dlq', 'staging.checkins.v1', 'staging.alerts.v1.dlq']) expect(names.has(n)).toBe(true);
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
});
