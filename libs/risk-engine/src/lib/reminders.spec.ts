import { checkEngagement, initialState, nextEngagementDueAt } from './engine';
import { HOUR, T0, checkIn, iso, profile, run } from './spec-helpers';
import { EngineOptions, PatientProfile, PatientState } from './types';

const p = profile();

/** Calls checkEngagement('v2') at each time (hours), threading state. */
function tick(state: PatientState, hours: number[], prof: PatientProfile = p, options?: EngineOptions) {
  let s = state;
  return hours.map((h) => {
    const r = checkEngagement('v2', prof, s, iso(h), options);
    s = r.state;
    return { reminders: r.reminders, alerts: r.alerts, state: s };
  });
}

const calm = (h: number, prof: PatientProfile = p) => checkIn(h, { vitals: { heartRate: 70 } }, prof);
/** Level 1 hypoglycaemia: a medium score. */
const medium = (h: number) => checkIn(h, { vitals: { glucoseMgDl: 60 } });
/** Chest pain without a red flag: a high score. */
const high = (h: number) => checkIn(h, { symptoms: { chestPain: true } });

describe('v2 engagement: reminders before missed-check-in alerts', () => {
  it('reminds the patient at the interval and tells the team only at twice the interval', () => {
    const { state } = run('v2', p, [calm(0)]);
    const calls = tick(state, [47, 48, 48.5, 60, 96, 96.5, 200]);
    expect(calls.map((c) => [c.reminders.length, c.alerts.length])).toEqual([
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 0],
      [0, 0],
      [0, 1],
      [0, 0],
    ]);
    expect(calls[2].reminders[0]).toMatchObject({
      modelVersion: 'v2',
      patientId: 'patient-1',
      careTeamId: 'team-1',
      lastCheckInAt: '2025-03-01T08:00:00.000Z',
      dueAt: '2025-03-03T08:00:00.000Z',
      expectedIntervalHours: 48,
      escalatesAt: '2025-03-05T08:00:00.000Z',
    });
    expect(calls[5].alerts[0]).toMatchObject({
      ruleCode: 'engagement.missedCheckIn',
      severity: 'medium',
      triggeredAt: '2025-03-05T08:00:00.000Z',
      summary: 'Missed check-in: none for over 96 h',
    });
    expect(calls[5].alerts[0].reasons[0].message).toBe(
      'No check-in since 2025-03-01 08:00 UTC (device time), twice the expected interval of 48 h; the patient was reminded at 48 h.',
    );
  });

  it('tells the team at once, beside the reminder, when the last score was medium or above (issue #17, the default)', () => {
    const { state, steps } = run('v2', p, [medium(0)]);
    expect(steps[0].score.level).toBe('medium');
    const [r] = tick(state, [49]);
    expect(r.reminders).toHaveLength(1);
    expect(r.reminders[0].escalatesAt).toBe(r.reminders[0].dueAt);
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0]).toMatchObject({ severity: 'medium', level: 'medium', triggeredAt: '2025-03-03T08:00:00.000Z' });
    expect(r.alerts[0].reasons[0].message).toContain('The last check-in was medium risk, so the team is told at once.');
    expect(tick(r.state, [50, 200]).map((c) => c.reminders.length + c.alerts.length)).toEqual([0, 0]);
    expect(nextEngagementDueAt('v2', p, state)).toBe(T0 + 48 * HOUR);
  });

  it('after a high score the team is told at once with a high missed-check-in alert', () => {
    const { state, steps } = run('v2', p, [high(0)]);
    expect(steps[0].score.level).toBe('high');
    const [r] = tick(state, [49]);
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0]).toMatchObject({ severity: 'high', level: 'high', triggeredAt: '2025-03-03T08:00:00.000Z' });
    expect(r.alerts[0].reasons[0].message).toContain('The last check-in was high risk, so the team is told at once.');
  });

  it("option teamAtOnceFromLevel 'high' (R4): after a medium score the patient is reminded first and the team told at twice the interval", () => {
    const r4: EngineOptions = { teamAtOnceFromLevel: 'high' };
    const { state, steps } = run('v2', p, [medium(0)]);
    expect(steps[0].score.level).toBe('medium');
    const calls = tick(state, [49, 95, 97], p, r4);
    expect(calls.map((c) => [c.reminders.length, c.alerts.length])).toEqual([
      [1, 0],
      [0, 0],
      [0, 1],
    ]);
    expect(calls[0].reminders[0].escalatesAt).toBe('2025-03-05T08:00:00.000Z');
    expect(calls[2].alerts[0]).toMatchObject({ severity: 'medium', level: 'medium', triggeredAt: '2025-03-05T08:00:00.000Z' });
    expect(nextEngagementDueAt('v2', p, state, r4)).toBe(T0 + 48 * HOUR);
    expect(nextEngagementDueAt('v2', p, calls[0].state, r4)).toBe(T0 + 96 * HOUR);
    // a high score still reaches the team at once under the option
    const sick = run('v2', p, [high(0)]);
    expect(tick(sick.state, [49], p, r4)[0].alerts).toHaveLength(1);
  });

  it('rejects an unknown teamAtOnceFromLevel with a clear error', () => {
    const { state } = run('v2', p, [calm(0)]);
    expect(() => checkEngagement('v2', p, state, iso(49), { teamAtOnceFromLevel: 'low' as unknown as 'high' })).toThrow(
      "option teamAtOnceFromLevel must be 'medium' or 'high'",
    );
  });

  it('a check-in before twice the interval ends the silence: the team hears nothing', () => {
    const { state } = run('v2', p, [calm(0)]);
    const [reminded] = tick(state, [50]);
    expect(reminded.reminders).toHaveLength(1);
    const back = run('v2', p, [calm(70)], {}, reminded.state).state;
    // The new silence starts at 70 h: nothing until 118 h, then only a reminder.
    expect(tick(back, [100, 117, 118.5]).map((c) => [c.reminders.length, c.alerts.length])).toEqual([
      [0, 0],
      [0, 0],
      [1, 0],
    ]);
  });

  it('a check-in noticed late yields both at once, and both only once', () => {
    const { state } = run('v2', p, [calm(0)]);
    const [first, again] = tick(state, [300, 301]);
    expect([first.reminders.length, first.alerts.length]).toEqual([1, 1]);
    expect([again.reminders.length, again.alerts.length]).toEqual([0, 0]);
  });

  it('ids and content depend on the silence only: a re-check on the same state yields the same items', () => {
    const { state } = run('v2', p, [calm(0)]);
    const a = checkEngagement('v2', p, state, iso(97));
    const b = checkEngagement('v2', p, state, iso(400));
    expect(b.reminders).toEqual(a.reminders);
    expect(b.alerts).toEqual(a.alerts);
    const v1 = checkEngagement('v1', p, state, iso(97));
    expect(v1.alerts[0].alertId).not.toBe(a.alerts[0].alertId);
    // A new silence has new ids.
    const later = run('v2', p, [calm(100)], {}, a.state).state;
    const c = checkEngagement('v2', p, later, iso(300));
    expect(c.reminders[0].reminderId).not.toBe(a.reminders[0].reminderId);
    expect(c.alerts[0].alertId).not.toBe(a.alerts[0].alertId);
  });

  it('survives a restart: the state records what was reminded and alerted (JSON round trip)', () => {
    const { state } = run('v2', p, [calm(0)]);
    const [reminded] = tick(state, [49]);
    const restored = JSON.parse(JSON.stringify(reminded.state)) as PatientState;
    expect(restored.models.v2!.remindedFor).toBe(T0);
    const [r] = tick(restored, [97]);
    expect([r.reminders.length, r.alerts.length]).toEqual([0, 1]);
    expect(JSON.parse(JSON.stringify(r.state)).models.v2.engagementNotifiedFor).toBe(T0);
  });

  it('counts from enrolment for a patient who never checked in (reminder first, team at twice)', () => {
    const enrolled = profile({ enrolledAt: iso(0) });
    const calls = tick(initialState(enrolled), [49, 97], enrolled);
    expect(calls.map((c) => [c.reminders.length, c.alerts.length])).toEqual([
      [1, 0],
      [0, 1],
    ]);
    expect(calls[0].reminders[0].lastCheckInAt).toBeNull();
    expect(calls[1].alerts[0].reasons[0].message).toBe('No check-in since enrolment at 2025-03-01 08:00 UTC, longer than twice the expected interval of 48 h.');
  });

  it('uses the profile interval', () => {
    const daily = profile({ expectedCheckInIntervalHours: 24 });
    const { state } = run('v2', daily, [calm(0, daily)]);
    expect(tick(state, [24.5, 47, 48.5], daily).map((c) => [c.reminders.length, c.alerts.length])).toEqual([
      [1, 0],
      [0, 0],
      [0, 1],
    ]);
  });

  it('static-v0 and v1 never remind and still alert at the interval', () => {
    const { state } = run('v1', p, [calm(0)]);
    for (const model of ['static-v0', 'v1'] as const) {
      const r = checkEngagement(model, p, state, iso(49));
      expect([r.reminders.length, r.alerts.length]).toEqual([0, 1]);
      expect(r.state.models[model]).not.toHaveProperty('remindedFor');
    }
  });

  it('a state written before v2 (no v2 book) is read as an empty book', () => {
    const { state } = run('v1', p, [calm(0)]);
    expect(state.models).not.toHaveProperty('v2');
    const r = checkEngagement('v2', p, state, iso(49));
    expect(r.reminders).toHaveLength(1);
    expect(r.state.models.v1).toBe(state.models.v1);
  });
});

describe('nextEngagementDueAt', () => {
  it('names the next instant after which a check yields something, then null', () => {
    const { state } = run('v2', p, [calm(0)]);
    expect(nextEngagementDueAt('v2', p, state)).toBe(T0 + 48 * HOUR);
    const [reminded] = tick(state, [49]);
    expect(nextEngagementDueAt('v2', p, reminded.state)).toBe(T0 + 96 * HOUR);
    const [told] = tick(reminded.state, [97]);
    expect(nextEngagementDueAt('v2', p, told.state)).toBeNull();
    expect(nextEngagementDueAt('v1', p, state)).toBe(T0 + 48 * HOUR);
    expect(nextEngagementDueAt('v1', p, checkEngagement('v1', p, state, iso(49)).state)).toBeNull();
  });

  it('is the interval for a patient whose last score was medium, and null without a check-in or enrolment', () => {
    expect(nextEngagementDueAt('v2', p, run('v2', p, [medium(0)]).state)).toBe(T0 + 48 * HOUR);
    expect(nextEngagementDueAt('v2', p, initialState(p))).toBeNull();
  });
});
