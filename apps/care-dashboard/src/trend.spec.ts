import { sparkline } from './trend';

const day = (d: number) => new Date(Date.parse('2026-03-01T08:00:00Z') + d * 86_400_000).toISOString();

describe('the small trend of a worklist row', () => {
  it('draws the scores on a fixed 0-100 scale, oldest left', () => {
    const s = sparkline(
      [
        { recordedAt: day(0), score: 0 },
        { recordedAt: day(2), score: 50 },
        { recordedAt: day(4), score: 100 },
      ],
      104,
      54,
      2,
    );
    expect(s.points).toBe('2,52 52,27 102,2');
    expect(s.last).toEqual({ x: 102, y: 2 });
    expect(s.direction).toBe('rising');
    expect(s.summary).toBe('Risk score rising, from 0 to 100 over 4 days (3 scores).');
  });

  it('says steady, falling, one score or none in words', () => {
    expect(
      sparkline(
        [
          { recordedAt: day(0), score: 40 },
          { recordedAt: day(1), score: 43 },
        ],
        96,
        28,
      ).direction,
    ).toBe('steady');
    expect(
      sparkline(
        [
          { recordedAt: day(0), score: 80 },
          { recordedAt: day(1), score: 20 },
        ],
        96,
        28,
      ).summary,
    ).toMatch(/^Risk score falling, from 80 to 20 over 1 day /);
    expect(sparkline([{ recordedAt: day(0), score: 40 }], 96, 28)).toMatchObject({ direction: 'none', summary: 'Risk score 40, one score so far.' });
    expect(sparkline([], 96, 28)).toEqual({ points: '', last: null, direction: 'none', summary: 'No risk scores yet.' });
  });

  it('spreads scores of the same instant evenly and clamps the scale', () => {
    const s = sparkline(
      [
        { recordedAt: day(0), score: -5 },
        { recordedAt: day(0), score: 120 },
      ],
      104,
      54,
      2,
    );
    expect(s.points).toBe('2,52 102,2');
  });
});
