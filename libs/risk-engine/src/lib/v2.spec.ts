import { scoreCheckIn } from './engine';
import { checkIn, profile, run } from './spec-helpers';
import { EngineCheckIn } from './types';

const copd = profile({ conditions: ['copd'] });
/** NEWS2 5 from two signs (pulse 115: 2, respiration 22: 2, temperature 38.5: 1): agreeing signs. */
const twoSigns = (h: number, id?: string): EngineCheckIn => ({
  ...checkIn(h, { vitals: { heartRate: 115, respiratoryRate: 22, temperatureC: 38.5 } }, copd),
  ...(id ? { checkInId: id } : {}),
});
/** NEWS2 7+ (critical). */
const critical = (h: number): EngineCheckIn => checkIn(h, { vitals: { heartRate: 135, respiratoryRate: 26, temperatureC: 39.5, systolicBp: 95 } }, copd);
const hf = profile({ conditions: ['heart-failure'] });
const weight = (h: number, kg: number): EngineCheckIn => checkIn(h, { vitals: { weightKg: kg } }, hf);
const item9 = (h: number): EngineCheckIn => checkIn(h, { questionnaires: [{ instrument: 'PHQ-9', answers: [1, 1, 1, 1, 1, 1, 1, 1, 2] }] }, copd);

describe('v2: consolidation per clinical problem', () => {
  it('raises one alert for a problem, then updates it with new evidence instead of raising another', () => {
    const { steps } = run('v2', copd, [twoSigns(0), twoSigns(24), critical(48)]);
    expect(steps[0].alerts).toHaveLength(1);
    expect(steps[0].alerts[0]).toMatchObject({ problem: 'copd', severity: 'high', modelVersion: 'v2' });
    // The same evidence again: nothing new for the team, not even an update.
    expect([steps[1].alerts.length, steps[1].updates.length]).toEqual([0, 0]);
    // A severity rise: an interrupting update of the same alert, not a second alert.
    expect(steps[2].alerts).toHaveLength(0);
    expect(steps[2].updates).toHaveLength(1);
    expect(steps[2].updates[0]).toMatchObject({ alertId: steps[0].alerts[0].alertId, severity: 'critical', previousSeverity: 'high', interrupts: true });
  });

  it('a new problem interrupts while another is open', () => {
    const { steps } = run('v2', copd, [twoSigns(0), item9(24)]);
    expect(steps[1].alerts.map((a) => [a.problem, a.ruleCode])).toEqual([['mood', 'phq9.item9']]);
  });

  it('the alert closes after 72 h without evidence; the next evidence raises a new alert with a new id', () => {
    const { steps } = run('v2', copd, [twoSigns(0), twoSigns(100)]);
    expect(steps[1].alerts).toHaveLength(1);
    expect(steps[1].alerts[0].alertId).not.toBe(steps[0].alerts[0].alertId);
  });

  it('a redelivered check-in on the state it produced yields nothing', () => {
    const c = twoSigns(0);
    const first = run('v2', copd, [c]);
    const again = scoreCheckIn('v2', copd, first.state, c);
    expect([again.alerts.length, again.updates.length]).toEqual([0, 0]);
    // The same check-in on the same prior state yields the same id (derived from the cause).
    expect(run('v2', copd, [c]).steps[0].alerts[0].alertId).toBe(first.steps[0].alerts[0].alertId);
  });

  it('an out-of-order check-in joins the open alert', () => {
    const { steps } = run('v2', copd, [twoSigns(20), twoSigns(10), critical(5)]);
    expect(steps.map((s) => s.alerts.length)).toEqual([1, 0, 0]);
    expect(steps[2].updates[0]).toMatchObject({ interrupts: true, severity: 'critical' });
  });
});

describe('v2: agreement across signs and artefact confirmation', () => {
  it('a lone device reading (a weighing in clothes) waits for the next reading', () => {
    const days = [weight(0, 80), weight(24, 81.2), weight(48, 80.1)];
    expect(run('v2', hf, days).steps.map((s) => s.alerts.length)).toEqual([0, 0, 0]);
    expect(run('v1', hf, days).steps.map((s) => s.alerts.length)).toEqual([0, 1, 0]);
  });

  it('the next reading showing it again confirms it', () => {
    const { steps } = run('v2', hf, [weight(0, 80), weight(24, 81.2), weight(48, 82.4)]);
    expect(steps.map((s) => s.alerts.length)).toEqual([0, 0, 1]);
    expect(steps[2].alerts[0].problem).toBe('heart-failure');
  });

  it('a critical lone reading never waits', () => {
    expect(run('v2', copd, [checkIn(0, { vitals: { respiratoryRate: 30, heartRate: 135, spo2: 88 } }, copd)]).steps[0].alerts).toHaveLength(1);
  });
});

describe('v2: late check-ins', () => {
  it('a critical factor in a late check-in alerts, marked late with its device time', () => {
    const { steps } = run('v2', copd, [checkIn(72, { vitals: { heartRate: 70 } }, copd), item9(0)]);
    expect(steps[1].score.late).toBe(true);
    expect(steps[1].alerts).toHaveLength(1);
    expect(steps[1].alerts[0]).toMatchObject({ ruleCode: 'phq9.item9', late: true, triggeredAt: item9(0).recordedAt });
    // v1 never alerts on a late check-in.
    expect(run('v1', copd, [checkIn(72, { vitals: { heartRate: 70 } }, copd), item9(0)]).steps[1].alerts).toHaveLength(0);
  });

  it('a late check-in without a critical factor raises nothing', () => {
    const { steps } = run('v2', copd, [checkIn(72, { vitals: { heartRate: 70 } }, copd), twoSigns(0)]);
    expect(steps[1].alerts).toHaveLength(0);
  });
});

const dm = profile({ conditions: ['diabetes'] });
const glucose = (h: number, mgDl: number): EngineCheckIn => checkIn(h, { vitals: { glucoseMgDl: mgDl } }, dm);

describe('v2: a single glucose reading counts at once (R1, measured and reverted)', () => {
  it('one reading of 280 mg/dL opens the blood-sugar alert at once, as in v1', () => {
    expect(run('v2', dm, [glucose(0, 280)]).steps[0].alerts).toHaveLength(1);
    expect(run('v2', dm, [glucose(0, 60)]).steps[0].alerts).toHaveLength(1);
  });
});

describe('v2 R2: blood sugar swinging the other way interrupts', () => {
  it('an open hypoglycaemia alert, then hyperglycaemia: an interrupting update at the same severity', () => {
    const { steps } = run('v2', dm, [glucose(0, 60), glucose(24, 320)]);
    expect(steps[0].alerts).toHaveLength(1);
    expect(steps[1].alerts).toHaveLength(0);
    expect(steps[1].updates).toHaveLength(1);
    expect(steps[1].updates[0]).toMatchObject({ alertId: steps[0].alerts[0].alertId, severity: 'medium', previousSeverity: 'medium', interrupts: true });
  });

  it('more of the same direction does not interrupt', () => {
    const { steps } = run('v2', dm, [glucose(0, 60), glucose(24, 62)]);
    expect(steps[1].updates.every((u) => !u.interrupts)).toBe(true);
    expect(steps[1].alerts).toHaveLength(0);
  });
});

describe('v2 R3: supporting signs count toward a problem that has its own evidence', () => {
  /** NEWS2 3 (respiration 22: 2, temperature 38.5: 1): 15 points, low on its own; two agreeing signs. */
  const news3 = (h: number, adherence?: 'none'): EngineCheckIn =>
    checkIn(h, { vitals: { respiratoryRate: 22, temperatureC: 38.5 }, ...(adherence ? { medication: { adherence } } : {}) }, copd);

  it('a low NEWS2 with no medication taken is a medium COPD alert, as the score is', () => {
    const { steps } = run('v2', copd, [news3(0, 'none')]);
    expect(steps[0].score.level).toBe('medium');
    expect(steps[0].alerts).toHaveLength(1);
    expect(steps[0].alerts[0]).toMatchObject({ problem: 'copd', severity: 'medium' });
  });

  it('without the supporting sign it stays below alert level', () => {
    expect(run('v2', copd, [news3(0)]).steps[0].alerts).toHaveLength(0);
  });

  it('supporting signs alone open nothing', () => {
    const c = checkIn(0, { medication: { adherence: 'none' }, symptoms: { fatigue: 4 }, vitals: { heartRate: 70 } }, copd);
    expect(run('v2', copd, [c]).steps[0].alerts).toHaveLength(0);
  });
});

describe('v2 R6: the next reading decides a waiting problem', () => {
  it('a normal next reading cancels the wait: a later lone gain waits again instead of alerting', () => {
    const { steps } = run('v2', hf, [weight(0, 80), weight(24, 81.2), weight(48, 80.1), weight(72, 81.2)]);
    expect(steps.map((s) => s.alerts.length)).toEqual([0, 0, 0, 0]);
  });

  it('a check-in without device readings (a mood answer) does not cancel it', () => {
    const moodOnly = checkIn(36, { mood: 3 }, hf);
    const { steps } = run('v2', hf, [weight(0, 80), weight(24, 81.2), moodOnly, weight(48, 82.4)]);
    expect(steps.map((s) => s.alerts.length)).toEqual([0, 0, 0, 1]);
  });

  it('an older reading arriving late does not cancel a newer candidate', () => {
    const { steps } = run('v2', hf, [weight(0, 80), weight(24, 81.2), weight(12, 80), weight(48, 82.4)]);
    expect(steps.map((s) => s.alerts.length)).toEqual([0, 0, 0, 1]);
  });
});
