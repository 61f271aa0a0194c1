import { checkIn, factor, profile, run } from './spec-helpers';
import { EngineCheckIn } from './types';

const hf = profile({ conditions: ['heart-failure'] });
const w = (hours: number, kg: number, p = hf): EngineCheckIn => checkIn(hours, { vitals: { weightKg: kg } }, p);

/** Scores the check-ins in order and returns the last score. */
function last(checkIns: EngineCheckIn[], p = hf, options = {}) {
  const { steps } = run('static-v0', p, checkIns, options);
  return steps[steps.length - 1].score;
}

describe('heart failure: weight gain in 24 h (>= 0.9 kg against the reading closest to 24 h earlier, 18-30 h)', () => {
  it.each([
    [80.0, 80.9, true],
    [80.0, 80.8, false],
    [79.9, 80.8, true], // 0.9 in floating point is 0.8999999999999915: compared in grams
    [80.0, 79.0, false],
    [100.05, 100.95, true],
  ])('%p kg then %p kg a day later: flagged %p', (a, b, flagged) => {
    const s = last([w(0, a), w(24, b)]);
    expect(factor(s, 'hf.weightGain24h') !== undefined).toBe(flagged);
  });

  it('says what it compared, in words a nurse reads', () => {
    const f = factor(last([w(0, 80.0), w(24, 81.2)]), 'hf.weightGain24h');
    expect(f).toMatchObject({ value: 1.2, severity: 'medium', points: 25 });
    expect(f?.message).toBe('Weight 81.2 kg, up 1.2 kg since the reading 24 h earlier (80.0 kg); threshold 0.9 kg in about 24 h.');
    expect(f?.label).toBe('Weight +1.2 kg in 24 h');
  });

  it('uses the reading closest to 24 h earlier', () => {
    // 30 h earlier 79.0 (would flag), 23 h earlier 80.5 (would not): the closest wins.
    const s = last([w(0, 79.0), w(7, 80.5), w(30, 81.0)]);
    expect(factor(s, 'hf.weightGain24h')).toBeUndefined();
    const s2 = last([w(0, 80.5), w(5, 79.0), w(30, 81.0)]); // 25 h earlier is closer than 30 h
    expect(factor(s2, 'hf.weightGain24h')?.value).toBe(2);
  });

  it.each([
    [17.9, false],
    [18, true],
    [30, true],
    [30.1, false],
  ])('a single earlier reading %p h before is %s a comparator', (hoursBefore, used) => {
    const s = last([w(0, 80.0), w(hoursBefore, 81.5)]);
    expect(factor(s, 'hf.weightGain24h') !== undefined).toBe(used);
  });

  it('does not apply to patients without heart failure', () => {
    const p = profile({ conditions: ['copd'] });
    const s = last([w(0, 80, p), w(24, 83, p)], p);
    expect(s.factors.filter((f) => f.code.startsWith('hf.'))).toEqual([]);
  });
});

describe('heart failure: weight gain in 7 days (>= 2.3 kg against the lowest reading 18 h to 7 days + 6 h earlier)', () => {
  it('compares with the lowest reading of the week, not only the one 7 days ago', () => {
    const kgs = [80.0, 79.0, 79.6, 80.2, 80.6, 80.9, 81.3];
    const s = last(kgs.map((kg, d) => w(d * 24, kg)));
    const f = factor(s, 'hf.weightGain7d');
    expect(f?.value).toBe(2.3);
    expect(f?.message).toBe('Weight 81.3 kg, up 2.3 kg on the lowest reading of the past 7 days (79.0 kg, 5 days earlier); threshold 2.3 kg in a week.');
    expect(factor(s, 'hf.weightGain24h')).toBeUndefined();
  });

  it('ignores readings older than 7 days and 6 hours', () => {
    expect(factor(last([w(0, 78.0), w(174, 80.3)]), 'hf.weightGain7d')?.value).toBe(2.3);
    expect(factor(last([w(0, 78.0), w(174.5, 80.3)]), 'hf.weightGain7d')).toBeUndefined();
  });

  it('ignores readings less than 18 h earlier (a re-weigh is not a week)', () => {
    expect(factor(last([w(0, 78.0), w(12, 80.5)]), 'hf.weightGain7d')).toBeUndefined();
  });

  it('2.2 kg is not enough', () => {
    expect(factor(last([w(0, 78.0), w(72, 80.2)]), 'hf.weightGain7d')).toBeUndefined();
  });
});

describe('heart failure: above dry weight', () => {
  const dry = profile({ conditions: ['heart-failure'], dryWeightKg: 78 });
  it.each([
    [79.9, false],
    [80.0, true],
    [84.0, true],
  ])('%p kg with dry weight 78 kg: flagged %p', (kg, flagged) => {
    const f = factor(last([w(0, kg, dry)], dry), 'hf.aboveDryWeight');
    expect(f !== undefined).toBe(flagged);
  });

  it('uses the margin option', () => {
    const f = factor(last([w(0, 79.5, dry)], dry, { dryWeightMarginKg: 1.5 }), 'hf.aboveDryWeight');
    expect(f?.message).toBe('Weight 79.5 kg is 1.5 kg above the target dry weight of 78.0 kg; threshold 1.5 kg above.');
  });

  it('needs a dry weight', () => {
    expect(factor(last([w(0, 120)]), 'hf.aboveDryWeight')).toBeUndefined();
  });
});

describe('weight rules and arrival order', () => {
  // Device times (h) and weights of one week; the last reading is the newest by device time.
  const week: [number, number][] = [
    [0, 80.0],
    [24, 79.4],
    [48, 80.1],
    [72, 80.6],
    [96, 81.1],
    [120, 80.9],
    [144, 81.8],
  ];

  it('the newest reading is judged against readings by device time, whatever order they arrived in', () => {
    const inOrder = week.map(([h, kg]) => w(h, kg));
    const shuffled = [inOrder[3], inOrder[0], inOrder[5], inOrder[1], inOrder[2], inOrder[4], inOrder[6]];
    const a = last(inOrder);
    const b = last(shuffled);
    expect(factor(a, 'hf.weightGain24h')?.value).toBe(0.9);
    expect(factor(a, 'hf.weightGain7d')?.value).toBe(2.4);
    expect(b.factors).toEqual(a.factors);
  });

  it('an older reading that arrives after a newer one still becomes the comparator of later ones', () => {
    // Arrival: day 1, day 3, then day 2. Day 3 is scored before day 2 exists (day 1 is 48 h back:
    // outside 18-30 h); day 2 is compared with day 1; day 4 then uses day 3 and the week's lowest.
    const d1 = w(0, 79.0);
    const d3 = w(48, 80.5);
    const d2 = w(24, 79.2);
    const { steps } = run('static-v0', hf, [d1, d3, d2]);
    expect(factor(steps[1].score, 'hf.weightGain24h')).toBeUndefined();
    expect(factor(steps[2].score, 'hf.weightGain24h')).toBeUndefined();
    // Day 2 is exactly 24 h older than the newest: not late (late is older than newest - 24 h).
    expect(steps[2].score.late).toBe(false);
    const { steps: more } = run('static-v0', hf, [w(72, 81.5)], {}, steps[2].state);
    expect(factor(more[0].score, 'hf.weightGain24h')?.value).toBe(1);
    expect(factor(more[0].score, 'hf.weightGain7d')?.value).toBe(2.5);
  });

  it('a late reading joins the history and counts for later readings', () => {
    const { steps } = run('static-v0', hf, [w(100, 80.0), w(20, 77.0)]);
    expect(steps[1].score.late).toBe(true);
    const { steps: more } = run('static-v0', hf, [w(150, 79.4)], {}, steps[1].state);
    expect(factor(more[0].score, 'hf.weightGain7d')?.value).toBe(2.4);
  });
});

describe('v1: the 24 h and dry-weight rules are confirmed by the personal weight baseline', () => {
  /** Daily weights from day 0, then the given check-ins. */
  const days = (kgs: number[], p = hf): EngineCheckIn[] => kgs.map((kg, d) => w(d * 24, kg, p));
  const lastOf = (model: 'static-v0' | 'v1', checkIns: EngineCheckIn[], p = hf) => {
    const { steps } = run(model, p, checkIns);
    return steps[steps.length - 1];
  };

  it('a 0.9 kg overnight gain within his usual day-to-day swing adds nothing once the baseline is trusted', () => {
    // Swings 80.0 <-> 80.9 every day: median 80.45, robust SD 0.67, so a weight counts from 81.8 kg.
    const kgs = [80.9, 80.0, 80.9, 80.0, 80.9, 80.0, 80.9, 80.0, 80.9, 80.0, 80.9];
    const v1 = lastOf('v1', days(kgs));
    const f = factor(v1.score, 'hf.weightGain24h');
    expect(f).toMatchObject({ value: 0.9, severity: 'info', points: 0 });
    expect(f?.message).toBe(
      "Weight 80.9 kg, up 0.9 kg since the reading 24 h earlier (80.0 kg); threshold 0.9 kg in about 24 h. Within this patient's usual range (median 80.5 kg over the last 10 readings; a weight counts from 81.8 kg), so it adds nothing to the risk score.",
    );
    expect(v1.score.level).toBe('none');
    expect(v1.alerts).toEqual([]);
    // static-v0 is unchanged: the same gain scores 25 every time.
    const v0 = lastOf('static-v0', days(kgs));
    expect(factor(v0.score, 'hf.weightGain24h')).toMatchObject({ severity: 'medium', points: 25 });
    expect(v0.score.level).toBe('medium');
  });

  it('a 0.9 kg overnight gain beyond his usual range still counts and alerts', () => {
    // Steady around 80.0 (robust SD at its 0.5 kg floor, so a weight counts from 81.0 kg); 80.2 then 81.1.
    const kgs = [80.0, 79.9, 80.1, 80.0, 79.9, 80.1, 80.0, 80.0, 80.2, 81.1];
    const v1 = lastOf('v1', days(kgs));
    expect(factor(v1.score, 'hf.weightGain24h')).toMatchObject({ value: 0.9, severity: 'medium', points: 25 });
    expect(v1.score.level).toBe('medium');
    expect(v1.alerts.map((a) => a.ruleCode)).toEqual(['risk.level']);
  });

  it('a patient still in warm-up (fewer than 7 weights) alerts on a 0.9 kg gain as static-v0 does', () => {
    const kgs = [80.0, 80.1, 80.0, 80.9]; // the last has 3 readings before it
    const v1 = lastOf('v1', days(kgs));
    expect(factor(v1.score, 'hf.weightGain24h')).toMatchObject({ value: 0.9, severity: 'medium', points: 25 });
    expect(v1.alerts.map((a) => a.ruleCode)).toEqual(['risk.level']);
    const v0 = lastOf('static-v0', days(kgs)).score;
    expect([v1.score.score, v1.score.level, v1.score.factors]).toEqual([v0.score, v0.level, v0.factors]);
  });

  it('a stale dry weight the patient always sits above adds nothing, and says the dry weight may need review', () => {
    const p = profile({ conditions: ['heart-failure'], dryWeightKg: 78 });
    const kgs = [80.3, 80.5, 80.2, 80.4, 80.6, 80.3, 80.4, 80.5];
    const v1 = lastOf('v1', days(kgs, p), p);
    const f = factor(v1.score, 'hf.aboveDryWeight');
    expect(f).toMatchObject({ severity: 'info', points: 0 });
    expect(f?.message).toContain('the dry weight may need review, so it adds nothing to the risk score.');
    expect(factor(lastOf('static-v0', days(kgs, p), p).score, 'hf.aboveDryWeight')).toMatchObject({ severity: 'medium', points: 25 });
    // Well above the usual weight it counts again.
    const up = lastOf('v1', days([...kgs, 81.8], p), p);
    expect(factor(up.score, 'hf.aboveDryWeight')).toMatchObject({ severity: 'medium', points: 25 });
  });

  it('leaves the 7-day rule alone', () => {
    // Swings of 0.9 kg, then a low day and a climb: +2.3 kg on the week's lowest counts in v1 too.
    const kgs = [80.0, 80.9, 80.0, 80.9, 80.0, 80.9, 80.0, 79.5, 80.6, 81.8];
    const v1 = lastOf('v1', days(kgs));
    expect(factor(v1.score, 'hf.weightGain7d')).toMatchObject({ value: 2.3, severity: 'medium', points: 25 });
  });
});
