import { CHART, chartView } from './models/v2/control-chart';
import { daily, factor, profile, run } from './spec-helpers';
import { Series } from './types';

const copd = profile({ conditions: ['copd'] });
const hf = profile({ conditions: ['heart-failure'] });
/** Ten steady days of pulse alternating 68 / 72 (own spread: the 3 beats/min floor). */
const steady = Array.from({ length: 10 }, (_, i) => ({ heartRate: i % 2 === 0 ? 68 : 72 }));

describe('v2: personal control charts (EWMA)', () => {
  it('a sustained drift is flagged at its second reading beyond the limit, as information on the score', () => {
    const { steps } = run('v2', copd, daily(copd, [...steady, { heartRate: 80 }, { heartRate: 82 }, { heartRate: 82 }, { heartRate: 83 }]));
    const flagged = steps.map((s) => factor(s.score, 'chart.heartRate') !== undefined);
    expect(flagged.slice(0, 11)).toEqual(Array(11).fill(false));
    expect(flagged.slice(12)).toEqual([true, true]);
    const f = factor(steps[12].score, 'chart.heartRate');
    expect(f).toMatchObject({ severity: 'info', points: 0, domain: 'baseline' });
    expect(f?.message).toContain('drifted above');
    // Information only: the score and the alerts are v1's.
    const v1 = run(
      'v1',
      copd,
      steps.map((s) => s.checkIn),
    ).steps;
    expect(steps.map((s) => s.score.score)).toEqual(v1.map((s) => s.score.score));
  });

  it('a lone wobble is not flagged, nor a drift in the harmless direction', () => {
    const wobble = run('v2', copd, daily(copd, [...steady, { heartRate: 95 }, { heartRate: 70 }, { heartRate: 70 }])).steps;
    expect(wobble.some((s) => factor(s.score, 'chart.heartRate') !== undefined)).toBe(false);
    const spo2Up = run('v2', copd, daily(copd, [...Array.from({ length: 10 }, () => ({ spo2: 93 })), { spo2: 97 }, { spo2: 98 }, { spo2: 98 }])).steps;
    expect(spo2Up.some((s) => factor(s.score, 'chart.spo2') !== undefined)).toBe(false);
    const spo2Down = run(
      'v2',
      copd,
      daily(copd, [...Array.from({ length: 10 }, () => ({ spo2: 95 })), { spo2: 92 }, { spo2: 92 }, { spo2: 91 }, { spo2: 91 }]),
    ).steps;
    // A fall of 3-4 points over four days, with COPD's wider prior spread: flagged on the fourth.
    expect(spo2Down.map((s) => factor(s.score, 'chart.spo2') !== undefined).slice(10)).toEqual([false, false, false, true]);
  });

  it('weight is charted for heart failure only; no chart before enough reference readings', () => {
    const weights = [
      ...Array.from({ length: 8 }, (_, i) => ({ weightKg: 80 + (i % 2) * 0.2 })),
      { weightKg: 81.5 },
      { weightKg: 81.7 },
      { weightKg: 81.8 },
      { weightKg: 82 },
    ];
    expect(run('v2', hf, daily(hf, weights)).steps.some((s) => factor(s.score, 'chart.weightKg') !== undefined)).toBe(true);
    expect(run('v2', copd, daily(copd, weights)).steps.some((s) => factor(s.score, 'chart.weightKg') !== undefined)).toBe(false);
    const short = run('v2', copd, daily(copd, [{ heartRate: 70 }, { heartRate: 70 }, { heartRate: 90 }, { heartRate: 95 }, { heartRate: 99 }])).steps;
    expect(short.some((s) => factor(s.score, 'chart.heartRate') !== undefined)).toBe(false);
  });

  it('limits shrink the patient spread toward the prior, less as readings accrue', () => {
    const series = (n: number): Series => ({ t: Array.from({ length: n }, (_, i) => i * 86_400_000), v: Array(n).fill(70) });
    const at = (n: number): number => n * 86_400_000;
    // Own spread 3 (the floor), prior 5: with 5 reference readings sqrt((5·9 + 10·25) / 15).
    const few = chartView(series(5 + CHART.recentReadings), at(5 + CHART.recentReadings), 70, { sdFloor: 3 }, 5);
    expect(few?.n).toBe(5);
    expect(few?.sd).toBeCloseTo(Math.sqrt((5 * 9 + 10 * 25) / 15), 6);
    const many = chartView(series(21 + CHART.recentReadings), at(21 + CHART.recentReadings), 70, { sdFloor: 3 }, 5);
    expect(many?.sd).toBeCloseTo(Math.sqrt((21 * 9 + 10 * 25) / 31), 6);
    expect(many && few && many.sd < few.sd).toBe(true);
    expect(chartView(series(4 + CHART.recentReadings), at(4 + CHART.recentReadings), 70, { sdFloor: 3 }, 5)).toBeNull();
  });
});
