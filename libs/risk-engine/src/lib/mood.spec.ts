/**
 * v1: a sustained low mood (README "Sustained low mood"): mood 1 of 5 at 3 of the last 4 check-ins
 * within 7 days, when 1 is not the patient's usual, is `mood.lowSustained` (medium, 25 points).
 */
import { initialState, scoreCheckIn } from './engine';
import { checkIn, factor, profile, run } from './spec-helpers';
import { EngineCheckIn, PatientState } from './types';

const p = profile({ patientId: 'dep-1', conditions: ['depression'] });
const m = (day: number, mood: number): EngineCheckIn => checkIn(day * 24, { mood }, p);
const usual = [3, 4, 3, 3, 2, 4, 3, 3].map((x, i) => m(i, x));
const rules = (s: { alerts: { ruleCode: string }[] }): string[] => s.alerts.map((a) => a.ruleCode);

describe('a sustained low mood (v1)', () => {
  it('the third lowest mood in four check-ins is medium and alerts (static-v0: low, no alert)', () => {
    const cs = [...usual, m(8, 1), m(9, 2), m(10, 1), m(11, 1)];
    const v1 = run('v1', p, cs).steps;
    expect(factor(v1[8].score, 'mood.low')).toMatchObject({ points: 5, severity: 'low' });
    expect(factor(v1[10].score, 'mood.low')).toMatchObject({ points: 5, severity: 'low' });
    const f = factor(v1[11].score, 'mood.lowSustained');
    expect(f).toMatchObject({ value: 1, points: 25, severity: 'medium', domain: 'mood' });
    expect(f?.message).toBe(
      "Mood rated 1 of 5, the lowest, at 3 of the last 4 check-ins within 7 days, against this patient's usual 3 (median of the last 11 answers): a sustained low mood.",
    );
    expect(factor(v1[11].score, 'mood.low')).toBeUndefined();
    expect(v1[11].score.level).toBe('medium');
    expect(rules(v1[11])).toEqual(['risk.level']);
    const v0 = run('static-v0', p, cs).steps[11];
    expect(v0.score.level).toBe('low');
    expect(v0.alerts).toEqual([]);
  });

  it('not when the earlier lows are more than 7 days back, or only one of the last three', () => {
    expect(factor(run('v1', p, [...usual, m(8, 1), m(9, 1), m(17, 1)]).steps[10].score, 'mood.lowSustained')).toBeUndefined();
    expect(factor(run('v1', p, [...usual, m(8, 1), m(9, 3), m(10, 2), m(11, 1)]).steps[11].score, 'mood.lowSustained')).toBeUndefined();
  });

  it("not when the lowest is the patient's usual, nor during warm-up", () => {
    const low = [1, 1, 2, 1, 1, 1, 2, 1].map((x, i) => m(i, x));
    expect(factor(run('v1', p, [...low, m(8, 1)]).steps[8].score, 'mood.lowSustained')).toBeUndefined();
    expect(factor(run('v1', p, [m(0, 1), m(1, 1), m(2, 1)]).steps[2].score, 'mood.lowSustained')).toBeUndefined();
  });

  it('keeps mood answers in the history, the same in any arrival order; old states without them read as warm-up', () => {
    const cs = [...usual, m(8, 1), m(9, 1)];
    const a = run('v1', p, cs).state;
    expect(a.history.mood?.v).toEqual([3, 4, 3, 3, 2, 4, 3, 3, 1, 1]);
    expect(JSON.stringify(run('static-v0', p, [...cs].reverse()).state.history)).toBe(JSON.stringify(a.history));
    expect(Object.keys(initialState(p).history)).not.toContain('mood');
    const { mood: _dropped, ...legacyHistory } = a.history;
    const legacy = JSON.parse(JSON.stringify({ ...a, history: legacyHistory })) as PatientState;
    const r = scoreCheckIn('v1', p, legacy, m(10, 1));
    expect(factor(r.score, 'mood.low')).toBeDefined();
    expect(r.state.history.mood?.v).toEqual([1]);
  });
});
