import { checkEngagement, initialState } from './engine';
import { checkIn, iso, profile, run } from './spec-helpers';
import { PatientProfile, PatientState } from './types';

const p = profile();

/** Calls checkEngagement at each time (hours), threading state; returns the alerts per call. */
function tick(state: PatientState, hours: number[], prof: PatientProfile = p, model: 'v1' | 'static-v0' = 'v1') {
  const out: { alerts: number; state: PatientState; ids: string[] }[] = [];
  let s = state;
  for (const h of hours) {
    const r = checkEngagement(model, prof, s, iso(h));
    s = r.state;
    out.push({ alerts: r.alerts.length, state: s, ids: r.alerts.map((a) => a.alertId) });
  }
  return out;
}

describe('missed check-in (engagement)', () => {
  it('raises nothing for a patient who never checked in and has no enrolment time', () => {
    expect(tick(initialState(p), [0, 1000]).map((x) => x.alerts)).toEqual([0, 0]);
  });

  it('counts from enrolment when there has been no check-in', () => {
    const enrolled = profile({ enrolledAt: iso(0) });
    const r = checkEngagement('v1', enrolled, initialState(enrolled), iso(49));
    expect(r.alerts).toHaveLength(1);
    expect(r.alerts[0].reasons[0].message).toBe('No check-in since enrolment at 2025-03-01 08:00 UTC, longer than the expected interval of 48 h.');
  });

  it('raises exactly once per silence, after more than the expected interval', () => {
    const { state } = run('v1', p, [checkIn(0, { vitals: { heartRate: 70 } })]);
    const calls = tick(state, [47, 48, 48.001, 60, 100, 500]);
    expect(calls.map((x) => x.alerts)).toEqual([0, 0, 1, 0, 0, 0]);
  });

  it('the alert describes the silence, not the moment it was noticed', () => {
    const { state } = run('v1', p, [checkIn(0, { vitals: { heartRate: 70 } })]);
    const a = checkEngagement('v1', p, state, iso(49)).alerts[0];
    const b = checkEngagement('v1', p, state, iso(400)).alerts[0];
    expect(b).toEqual(a);
    expect(a).toMatchObject({
      ruleCode: 'engagement.missedCheckIn',
      severity: 'medium',
      careTeamId: 'team-1',
      triggeredAt: '2025-03-03T08:00:00.000Z',
      summary: 'Missed check-in: none for over 48 h',
    });
    expect(a.checkInId).toBeUndefined();
    expect('checkInId' in a).toBe(false);
  });

  it('a new check-in starts a new silence; a late one does not', () => {
    const { state } = run('v1', p, [checkIn(0, { vitals: { heartRate: 70 } })]);
    const first = tick(state, [50]);
    // A late check-in (older than the newest) does not end the silence.
    const late = run('v1', p, [checkIn(-30, { vitals: { heartRate: 70 } })], {}, first[0].state).state;
    expect(tick(late, [60]).map((x) => x.alerts)).toEqual([0]);
    // A new one does.
    const fresh = run('v1', p, [checkIn(55, { vitals: { heartRate: 70 } })], {}, late).state;
    const again = tick(fresh, [100, 103.001, 110]);
    expect(again.map((x) => x.alerts)).toEqual([0, 1, 0]);
    expect(again[1].ids[0]).not.toBe(first[0].ids[0]);
  });

  it('uses the profile interval', () => {
    const weekly = profile({ expectedCheckInIntervalHours: 168 });
    const { state } = run('v1', weekly, [checkIn(0, { vitals: { heartRate: 70 } }, weekly)]);
    expect(tick(state, [100, 169], weekly).map((x) => x.alerts)).toEqual([0, 1]);
  });

  it('is high for a patient whose last check-in was high risk', () => {
    const { state } = run('v1', p, [checkIn(0, { vitals: { heartRate: 115, respiratoryRate: 22, temperatureC: 38.5 } })]);
    const a = checkEngagement('v1', p, state, iso(49)).alerts[0];
    expect(a).toMatchObject({ severity: 'high', level: 'high' });
    expect(a.reasons[0].message).toContain('The last check-in was high risk.');
  });

  it('is kept per model', () => {
    const { state } = run('v1', p, [checkIn(0, { vitals: { heartRate: 70 } })]);
    const afterV1 = tick(state, [49])[0].state;
    expect(tick(afterV1, [50], p, 'static-v0').map((x) => x.alerts)).toEqual([1]);
    expect(tick(afterV1, [50], p, 'v1').map((x) => x.alerts)).toEqual([0]);
  });

  it('survives a restart: the state alone decides (JSON round trip)', () => {
    const { state } = run('v1', p, [checkIn(0, { vitals: { heartRate: 70 } })]);
    const notified = tick(state, [49])[0].state;
    const restored = JSON.parse(JSON.stringify(notified)) as PatientState;
    expect(checkEngagement('v1', p, restored, iso(80)).alerts).toEqual([]);
  });

  it('returns the same state object when nothing changes', () => {
    const s = initialState(p);
    expect(checkEngagement('v1', p, s, iso(10)).state).toBe(s);
  });
});
