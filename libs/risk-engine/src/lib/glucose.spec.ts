/**
 * v1: hyperglycaemia judged against the patient's own glucose (README "Glucose confirmed by the
 * personal baseline"): `glucose.high` keeps its points only above the patient's usual range
 * (median + max(50 mg/dL, 3 × robust SD)) or from 300 mg/dL; hypoglycaemia is never changed.
 */
import { initialState, scoreCheckIn } from './engine';
import { checkIn, factor, profile, run } from './spec-helpers';
import { EngineCheckIn, PatientState } from './types';

const dm = profile({ patientId: 'dm-1', conditions: ['diabetes'] });
const g = (day: number, mgDl: number): EngineCheckIn => checkIn(day * 24, { vitals: { glucoseMgDl: mgDl } }, dm);
// Poor control: median 200, MAD 17.5 (robust SD 25.9): a reading counts from 200 + 78 = 278.
const POOR = [200, 180, 220, 190, 210, 230, 170, 200, 185, 215, 240, 160];
// Wilder: median 210, MAD 35 (robust SD 51.9): the usual range reaches 366, so only the 300 mg/dL limit counts.
const LABILE = [210, 170, 250, 190, 230, 260, 160, 210, 180, 240, 290, 130];
const history = POOR.map((x, i) => g(i, x));
const rules = (s: { alerts: { ruleCode: string }[] }): string[] => s.alerts.map((a) => a.ruleCode);

describe('hyperglycaemia against the personal baseline (v1)', () => {
  it('a reading within the usual range adds nothing and raises no alert (static-v0: medium, alert)', () => {
    const cs = [...history, g(12, 270)];
    const v1 = run('v1', dm, cs).steps[12];
    const f = factor(v1.score, 'glucose.high');
    expect(f).toMatchObject({ value: 270, points: 0, severity: 'info' });
    expect(f?.message).toBe(
      "Blood glucose 270 mg/dL: hyperglycaemia above 250 mg/dL. Within this patient's usual range (median 200 mg/dL over the last 12 readings; " +
        'a reading counts from 278 mg/dL, and always from 300), so it adds nothing to the risk score; glucose control may need review.',
    );
    expect(v1.score.level).toBe('none');
    expect(v1.alerts).toEqual([]);
    const v0 = run('static-v0', dm, cs).steps[12];
    expect(factor(v0.score, 'glucose.high')).toMatchObject({ points: 25, severity: 'medium' });
    expect(rules(v0)).toEqual(['risk.level']);
  });

  it('counts above the usual range, and always from 300 mg/dL', () => {
    expect(factor(run('v1', dm, [...history, g(12, 278)]).steps[12].score, 'glucose.high')).toMatchObject({ points: 25, severity: 'medium' });
    expect(factor(run('v1', dm, [...history, g(12, 277)]).steps[12].score, 'glucose.high')).toMatchObject({ points: 0, severity: 'info' });
    // A wider spread puts the usual range above 300: the safety limit still counts.
    const wild = LABILE.map((x, i) => g(i, x));
    const at300 = run('v1', dm, [...wild, g(12, 300)]).steps[12];
    expect(factor(at300.score, 'glucose.high')).toMatchObject({ points: 25, severity: 'medium' });
    expect(rules(at300)).toEqual(['risk.level']);
    const at299 = factor(run('v1', dm, [...wild, g(12, 299)]).steps[12].score, 'glucose.high');
    expect(at299).toMatchObject({ points: 0, severity: 'info' });
    expect(at299?.message).toContain('(median 210 mg/dL over the last 12 readings; a reading counts from 300 mg/dL)');
  });

  it('a steady patient: 260 is beyond the usual range (the 50 mg/dL minimum), so it counts', () => {
    const steady = [150, 155, 145, 160, 150, 148, 152].map((x, i) => g(i, x));
    expect(factor(run('v1', dm, [...steady, g(7, 260)]).steps[7].score, 'glucose.high')).toMatchObject({ points: 25 });
  });

  it('during warm-up (fewer than 7 readings) v1 scores as static-v0', () => {
    const early = run('v1', dm, [...history.slice(0, 6), g(6, 270)]).steps[6];
    expect(factor(early.score, 'glucose.high')).toMatchObject({ points: 25, severity: 'medium' });
  });

  it('never changes hypoglycaemia, however often it happens', () => {
    const lows = [60, 65, 62, 58, 66, 61, 64, 63].map((x, i) => g(i, x));
    const s = run('v1', dm, [...lows, g(8, 60)]).steps[8].score;
    expect(factor(s, 'glucose.low1')).toMatchObject({ points: 25, severity: 'medium' });
  });

  it('keeps readings in the history (both models), the same in any arrival order; old states without it read as warm-up', () => {
    const a = run('static-v0', dm, history).state;
    expect(a.history.glucose?.v).toEqual(POOR);
    const shuffled = [...history].reverse();
    expect(JSON.stringify(run('v1', dm, shuffled).state.history)).toBe(JSON.stringify(run('v1', dm, history).state.history));
    expect(Object.keys(initialState(dm).history)).not.toContain('glucose');
    const { glucose: _dropped, ...legacyHistory } = a.history;
    const legacy = JSON.parse(JSON.stringify({ ...a, history: legacyHistory })) as PatientState;
    const r = scoreCheckIn('v1', dm, legacy, g(12, 270));
    expect(factor(r.score, 'glucose.high')).toMatchObject({ points: 25 });
    expect(r.state.history.glucose?.v).toEqual([270]);
  });
});
