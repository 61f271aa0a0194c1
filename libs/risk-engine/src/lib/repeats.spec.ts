/**
 * v1: a GAD-7 or CAT total less than the instrument's minimal clinically important difference
 * (CAT 2, GAD-7 4) above both the previous answer (within 16 days) and the patient's usual (median
 * of the past 5 weeks) raises no `risk.level` on its own (README "Questionnaires: a repeat is not a
 * rise"); PHQ-9 and its item 9 are never held; the answers live in `state.history.questionnaires`.
 */
import { initialState, scoreCheckIn } from './engine';
import { checkIn, factor, profile, run } from './spec-helpers';
import { EngineCheckIn, EngineQuestionnaire, PatientState } from './types';

const p = profile({ patientId: 'copd-q', conditions: ['copd', 'depression'] });
/** A CAT with this total (eight items of 0–5). */
const cat = (total: number): EngineQuestionnaire => ({ instrument: 'CAT', answers: spread(total, 8, 5) });
const gad7 = (total: number): EngineQuestionnaire => ({ instrument: 'GAD-7', answers: spread(total, 7, 3) });
const phq9 = (total: number, item9 = 0): EngineQuestionnaire => {
  const answers = spread(total - item9, 9, 3);
  answers[8] = item9;
  return { instrument: 'PHQ-9', answers };
};
function spread(total: number, n: number, max: number): number[] {
  const out = new Array<number>(n).fill(0);
  for (let i = 0, left = total; left > 0; i = (i + 1) % (n - 1)) {
    if (out[i] < max) {
      out[i]++;
      left--;
    }
  }
  return out;
}
const q = (day: number, ...qs: EngineQuestionnaire[]): EngineCheckIn => checkIn(day * 24, { questionnaires: qs }, p);
const rules = (s: { alerts: { ruleCode: string }[] }): string[] => s.alerts.map((a) => a.ruleCode);

describe('a repeated questionnaire total is not a rise (v1)', () => {
  it('CAT 24 a week after CAT 24: scored medium as before, but no alert (static-v0 alerts)', () => {
    const v1 = run('v1', p, [q(0, cat(24)), q(7, cat(24))]).steps;
    expect(v1.map(rules)).toEqual([['risk.level'], []]);
    expect(v1[1].score.level).toBe('medium');
    expect(factor(v1[1].score, 'cat.total')).toMatchObject({ value: 24, points: 25, severity: 'medium' });
    expect(factor(v1[1].score, 'cat.total')?.message).toContain(
      "No rise of 2 points or more over both the previous CAT (24 on 2025-03-01 08:00 UTC) and this patient's usual (24, median of the past 5 weeks): not a new finding",
    );
    expect(run('static-v0', p, [q(0, cat(24)), q(7, cat(24))]).steps.map(rules)).toEqual([['risk.level'], ['risk.level']]);
  });

  it('a lower total, or one less than 2 points higher, is held; a rise of 2 alerts', () => {
    expect(run('v1', p, [q(0, cat(26)), q(7, cat(22))]).steps.map(rules)).toEqual([['risk.level'], []]);
    expect(run('v1', p, [q(0, cat(22)), q(7, cat(23))]).steps.map(rules)).toEqual([['risk.level'], []]);
    expect(run('v1', p, [q(0, cat(22)), q(7, cat(24))]).steps.map(rules)).toEqual([['risk.level'], ['risk.level']]);
  });

  it("the usual is the median of the past 5 weeks: it holds a repeat after a gap, and a rise back to the patient's usual", () => {
    // 17 days after the previous answer: not "previous" any more (16 days), but still the usual.
    expect(run('v1', p, [q(0, cat(24)), q(17, cat(24))]).steps.map(rules)).toEqual([['risk.level'], []]);
    // 36 days after: neither, so it alerts.
    expect(run('v1', p, [q(0, cat(24)), q(36, cat(24))]).steps.map(rules)).toEqual([['risk.level'], ['risk.level']]);
    // CAT 30 then 20 then 24: 4 above the previous answer, but below the usual (median of 30 and 20: 25) plus 2.
    const back = run('v1', p, [q(0, cat(30)), q(5, cat(20)), q(10, cat(24))]).steps;
    expect(back.map(rules)).toEqual([['risk.level'], [], []]);
    expect(factor(back[2].score, 'cat.total')?.message).toContain("this patient's usual (25, median of the past 5 weeks)");
    // 28 is news against both.
    expect(run('v1', p, [q(0, cat(30)), q(5, cat(20)), q(10, cat(28))]).steps.map(rules)).toEqual([['risk.level'], [], ['risk.level']]);
  });

  it('GAD-7 likewise, with its difference of 4; PHQ-9 is never held', () => {
    expect(run('v1', p, [q(0, gad7(12)), q(14, gad7(11))]).steps.map(rules)).toEqual([['risk.level'], []]);
    expect(run('v1', p, [q(0, gad7(10)), q(14, gad7(13))]).steps.map(rules)).toEqual([['risk.level'], []]);
    expect(run('v1', p, [q(0, gad7(10)), q(14, gad7(14))]).steps.map(rules)).toEqual([['risk.level'], ['risk.level']]);
    expect(run('v1', p, [q(0, phq9(12)), q(14, phq9(12))]).steps.map(rules)).toEqual([['risk.level'], ['risk.level']]);
  });

  it('PHQ-9 item 9 always raises its critical alert, whatever the repeats beside it', () => {
    const { steps } = run('v1', p, [q(0, cat(24), gad7(12)), q(7, cat(24), gad7(12), phq9(8, 1))]);
    expect(rules(steps[1])).toEqual(['phq9.item9']);
    expect(steps[1].alerts[0].severity).toBe('critical');
  });

  it('a new finding beside a repeat still alerts', () => {
    const news2Medium = { respiratoryRate: 26 };
    const { steps } = run('v1', p, [q(0, cat(24)), { ...q(7, cat(24)), vitals: news2Medium }]);
    expect(rules(steps[1])).toEqual(['risk.level']);
    expect(steps[1].alerts[0].severity).toBe('high');
  });

  it('a held rise is not remembered as the level: a new medium the next day alerts', () => {
    const next = checkIn(8 * 24, { vitals: { respiratoryRate: 26 } }, p);
    const { steps, state } = run('v1', p, [q(0, cat(24)), q(7, cat(24)), next]);
    expect(steps.map(rules)).toEqual([['risk.level'], [], ['risk.level']]);
    expect(state.models.v1!.lastLevel).toBe('medium');
  });

  it('keeps the totals in the history, identical in any arrival order, and through a JSON round trip', () => {
    const cs = [q(0, cat(24), gad7(12)), q(7, cat(24)), q(9, gad7(10), phq9(5))];
    const a = run('v1', p, cs).state;
    expect(a.history.questionnaires).toEqual({
      gad7: { t: [Date.parse(cs[0].recordedAt), Date.parse(cs[2].recordedAt)], v: [12, 10] },
      cat: { t: [Date.parse(cs[0].recordedAt), Date.parse(cs[1].recordedAt)], v: [24, 24] },
    });
    expect(JSON.stringify(run('static-v0', p, [cs[2], cs[0], cs[1]]).state.history)).toBe(JSON.stringify(a.history));
    const prior = run('v1', p, cs.slice(0, 1)).state;
    const direct = scoreCheckIn('v1', p, prior, cs[1]);
    const restored = scoreCheckIn('v1', p, JSON.parse(JSON.stringify(prior)) as PatientState, cs[1]);
    expect(JSON.stringify(restored)).toBe(JSON.stringify(direct));
    expect(direct.alerts).toEqual([]);
  });

  it('a state stored before the field existed reads as no previous answer', () => {
    const prior = run('v1', p, [q(0, cat(24))]).state;
    const { questionnaires: _dropped, ...history } = prior.history;
    const legacy: PatientState = JSON.parse(JSON.stringify({ ...prior, history })) as PatientState;
    expect(legacy.history).not.toHaveProperty('questionnaires');
    const r = scoreCheckIn('v1', p, legacy, q(7, cat(24)));
    expect(rules(r)).toEqual(['risk.level']);
    expect(r.state.history.questionnaires?.cat.v).toEqual([24]);
    expect(Object.keys(initialState(p).history)).toEqual(['newestAt', 'series', 'questionnaires']);
    expect(Object.keys(r.state.history)).toEqual(['newestAt', 'series', 'questionnaires']);
  });
});
