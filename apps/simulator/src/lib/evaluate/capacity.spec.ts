import { EpisodeLine } from '../cohort';
import { DAY_MS, HOUR_MS } from '../patient';
import { CapacityPatient, capacityMode, capacityRun } from './capacity';
import { AlertRecord } from './classify';

const T0 = Date.parse('2026-03-01T00:00:00Z');
const at = (day: number, hour = 8): number => T0 + day * DAY_MS + hour * HOUR_MS;
const iso = (ms: number): string => new Date(ms).toISOString();
const alert = (ms: number, severity: string, alertId: string): AlertRecord => ({
  ruleCode: 'risk.level',
  severity,
  at: ms,
  sentAt: ms,
  codes: ['news2.total'],
  alertId,
});
const episode: EpisodeLine = {
  kind: 'episode',
  patientId: 'a',
  type: 'copd-exacerbation',
  start: iso(at(2, 0)),
  peak: iso(at(2, 20)),
  end: iso(at(4)),
  censored: false,
  signs: {},
};

// Two patients, one contact a day (50 per 100). B has a medium alert every morning; A's critical
// alert arrives on day 2 at 08:00, an hour after B's, at the start of A's episode (peak day 2 20:00; contacts count until 12 h after it).
const a: CapacityPatient = {
  patientId: 'a',
  expectedCheckInIntervalHours: 24,
  episodes: [episode],
  alerts: [alert(at(2), 'critical', 'a1')],
  scores: [{ value: 80, level: 'critical', at: at(2), sentAt: at(2), factors: [] }],
};
const b: CapacityPatient = {
  patientId: 'b',
  expectedCheckInIntervalHours: 24,
  episodes: [],
  alerts: [0, 1, 2, 3, 4].map((d) => alert(at(d, 7), 'medium', `b${d}`)),
  scores: [],
};
const horizon = { startMs: T0, days: 5 };

describe('capacity mode', () => {
  it('the worklist reaches the critical patient on the day of the alert; alerts in arrival order reach them after the peak', () => {
    const byRank = capacityRun([a, b], 'worklist', 50, horizon);
    expect(byRank).toMatchObject({ contactsPerDay: 1, contacts: 5, episodes: 1, reachedBeforePeak: 1, shareReached: 1, contactsPerEpisodeReached: 5 });
    // Contacted on day 2 at the 12:00 round: 8 h before the peak.
    expect(byRank.medianLeadDays).toBe(0.3);
    const byArrival = capacityRun([a, b], 'alerts', 50, horizon);
    // Day 2 goes to B's older alert; A is contacted at the day-3 round, 16 h after the peak.
    expect(byArrival).toMatchObject({ contacts: 5, episodes: 1, reachedBeforePeak: 0, shareReached: 0, medianLeadDays: null, contactsPerEpisodeReached: null });
  });

  it('spends no contact on an empty queue, and runs every K for both policies', () => {
    const quiet: CapacityPatient = { ...b, patientId: 'q', alerts: [] };
    expect(capacityRun([quiet], 'alerts', 50, horizon).contacts).toBe(0);
    const all = capacityMode([a, b], horizon);
    expect(all.map((r) => `${r.k}:${r.policy}`)).toEqual(['3:worklist', '3:alerts', '5:worklist', '5:alerts', '10:worklist', '10:alerts']);
  });

  it('an interrupting update of an open alert is one alert on the worklist, at its new severity', () => {
    const up: CapacityPatient = { ...b, patientId: 'u', alerts: [alert(at(0, 7), 'medium', 'u1'), { ...alert(at(0, 9), 'critical', 'u1'), interrupt: true }] };
    const other: CapacityPatient = { ...b, patientId: 'o', alerts: [alert(at(0, 6), 'high', 'o1')] };
    // Critical beats high only if the update raised the open alert's severity.
    const r = capacityRun(
      [other, { ...up, episodes: [{ ...episode, patientId: 'u', start: iso(at(0)), peak: iso(at(1)), end: iso(at(2)) }] }],
      'worklist',
      50,
      { startMs: T0, days: 1 },
    );
    expect(r.reachedBeforePeak).toBe(1);
  });
});
