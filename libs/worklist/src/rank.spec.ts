import { compareRankings, prioritise, rankWorklist, WorklistInputError, WorklistPatientInput } from './index';

const H = 3_600_000;
const NOW = Date.parse('2026-03-10T12:00:00Z');
const at = (hoursAgo: number): number => NOW - hoursAgo * H;

/** A patient who checked in an hour ago with nothing wrong. */
const calm = (patientId: string, extra: Partial<WorklistPatientInput> = {}): WorklistPatientInput => ({
  patientId,
  lastCheckInMs: at(1),
  expectedCheckInIntervalHours: 24,
  latestScore: { value: 0, level: 'none', atMs: at(1), factors: [] },
  ...extra,
});

const critical = (alertId: string, hoursAgo: number, problem = 'news2.total') => ({
  alertId,
  severity: 'critical' as const,
  problem,
  raisedAtMs: at(hoursAgo),
  summary: 'NEWS2 7: respiration 26/min, SpO2 90%',
  reasons: [{ code: 'news2.total', message: 'NEWS2 total 7 (high)' }],
});

const ids = (entries: { patientId: string }[]) => entries.map((e) => e.patientId);

describe('rankWorklist', () => {
  it('puts a critical alert above a medium score above a calm patient, whatever the input order', () => {
    const patients = [
      calm('p-calm'),
      calm('p-medium', {
        latestScore: {
          value: 45,
          level: 'medium',
          atMs: at(2),
          factors: [{ code: 'symptom.swelling', message: 'Swelling 3 of 4', points: 2, severity: 'medium' }],
        },
      }),
      calm('p-crit', { alerts: [critical('a1', 1)] }),
    ];
    const forward = rankWorklist(patients, NOW);
    const backward = rankWorklist([...patients].reverse(), NOW);
    expect(ids(forward)).toEqual(['p-crit', 'p-medium', 'p-calm']);
    expect(backward).toEqual(forward);
    expect(forward.map((e) => e.rank)).toEqual([1, 2, 3]);
    expect(forward[0].level).toBe('urgent');
    expect(forward[0].reasons[0]).toMatchObject({
      kind: 'alert',
      code: 'alert.news2.total',
      text: 'Critical alert 1 h ago: NEWS2 7: respiration 26/min, SpO2 90%',
    });
    expect(forward[1].reasons.map((r) => r.text)).toEqual(['Medium risk, score 45 2 h ago', 'Swelling 3 of 4']);
    expect(forward[2]).toMatchObject({ priority: 0, level: 'low', reasons: [] });
  });

  it('breaks ties by patient id', () => {
    const same = (id: string) => calm(id, { latestScore: { value: 30, level: 'low', atMs: at(1) } });
    expect(ids(rankWorklist([same('p-b'), same('p-c'), same('p-a')], NOW))).toEqual(['p-a', 'p-b', 'p-c']);
  });

  it('rejects a patient given twice and a non-finite now', () => {
    expect(() => rankWorklist([calm('p1'), calm('p1')], NOW)).toThrow(WorklistInputError);
    expect(() => rankWorklist([calm('p1')], Number.NaN)).toThrow(/nowMs/);
  });

  it('the same input gives the same output on every call (no hidden clock)', () => {
    const p = calm('p1', { alerts: [critical('a1', 5)], lastCheckInMs: at(60), lastContact: { atMs: at(3), outcome: 'no-answer' } });
    expect(JSON.stringify(rankWorklist([p], NOW))).toBe(JSON.stringify(rankWorklist([p], NOW)));
  });
});

describe('prioritise', () => {
  it('an unresolved alert climbs while it waits, and an acknowledged one counts less', () => {
    const fresh = prioritise(calm('p', { alerts: [{ ...critical('a', 0), severity: 'high' }] }), NOW);
    const waiting = prioritise(calm('p', { alerts: [{ ...critical('a', 20), severity: 'high' }] }), NOW);
    const acknowledged = prioritise(calm('p', { alerts: [{ ...critical('a', 20), severity: 'high', acknowledgedAtMs: at(19) }] }), NOW);
    expect(waiting.priority).toBeGreaterThan(fresh.priority);
    expect(acknowledged.priority).toBeLessThan(fresh.priority);
    expect(acknowledged.reasons[0].text).toMatch(/^High alert 20 h ago, acknowledged: /);
  });

  it('counts each further problem a little, and the same problem once', () => {
    const one = prioritise(calm('p', { alerts: [critical('a1', 1)] }), NOW);
    const sameProblem = prioritise(calm('p', { alerts: [critical('a1', 1), { ...critical('a2', 1), severity: 'medium' }] }), NOW);
    const another = prioritise(calm('p', { alerts: [critical('a1', 1), { ...critical('a2', 1, 'glucose.low2'), severity: 'medium' }] }), NOW);
    expect(sameProblem.components.alerts).toBe(one.components.alerts);
    expect(another.components.alerts).toBe(one.components.alerts + 4);
    expect(another.worstAlertSeverity).toBe('critical');
  });

  it('lists the latest score factors the alerts do not already name, most points first, at most three', () => {
    const r = prioritise(
      calm('p', {
        alerts: [{ ...critical('a1', 1), severity: 'high' }],
        latestScore: {
          value: 60,
          level: 'high',
          atMs: at(1),
          factors: [
            { code: 'news2.total', message: 'NEWS2 total 7 (high)', points: 7, severity: 'high' },
            { code: 'symptom.breathlessness', message: 'Breathlessness 3 of 4', points: 2, severity: 'medium' },
            { code: 'hf.weightGain24h', message: 'Weight up 1.2 kg in a day', points: 3, severity: 'medium' },
            { code: 'medication.adherence', message: 'Some medication not taken', points: 1, severity: 'low' },
            { code: 'symptom.fatigue', message: 'Fatigue 3 of 4', points: 1, severity: 'low' },
            { code: 'input.ignored', message: 'A value was left out', points: 0, severity: 'info' },
          ],
        },
      }),
      NOW,
    );
    expect(r.reasons.filter((x) => x.kind === 'factor').map((x) => x.code)).toEqual([
      'factor.hf.weightGain24h',
      'factor.symptom.breathlessness',
      'factor.medication.adherence',
    ]);
  });

  it('counts overdue check-ins by whole expected intervals, and a patient who never checked in', () => {
    const r = prioritise(calm('p', { lastCheckInMs: at(80), latestScore: null }), NOW);
    expect(r.overdueCheckIns).toBe(3);
    expect(r.components.checkIn).toBe(12 + 6 + 6);
    expect(r.reasons[0].text).toBe('No check-in for 3.3 days (expected every 24 h)');
    const onTime = prioritise(calm('p', { lastCheckInMs: at(23) }), NOW);
    expect(onTime.overdueCheckIns).toBe(0);
    const never = prioritise({ patientId: 'p' }, NOW);
    expect(never.reasons.map((x) => x.code)).toEqual(['checkin.none']);
    const defaulted = prioritise({ patientId: 'p', lastCheckInMs: at(47) }, NOW);
    expect(defaulted.overdueCheckIns).toBe(0);
  });

  it('a rising score adds points and says from what to what', () => {
    const r = prioritise(
      calm('p', {
        latestScore: { value: 52, level: 'medium', atMs: at(1) },
        trend: [
          { value: 22, atMs: at(49) },
          { value: 30, atMs: at(25) },
          { value: 52, atMs: at(1) },
          { value: 5, atMs: at(24 * 9) }, // outside the window
        ],
      }),
      NOW,
    );
    expect(r.components.trend).toBe(10);
    expect(r.reasons.find((x) => x.code === 'trend.rising')?.text).toBe('Score rising: 22 to 52 in 2 days');
    const flat = prioritise(calm('p', { latestScore: { value: 52, level: 'medium', atMs: at(1) }, trend: [{ value: 48, atMs: at(30) }] }), NOW);
    expect(flat.components.trend).toBe(0);
  });

  it('a reached patient counts what came before the call at half, and what came after in full', () => {
    const before = prioritise(calm('p', { alerts: [critical('a1', 5)], lastContact: { atMs: at(2), outcome: 'reached' } }), NOW);
    const after = prioritise(calm('p', { alerts: [critical('a1', 1)], lastContact: { atMs: at(2), outcome: 'reached' } }), NOW);
    const none = prioritise(calm('p', { alerts: [critical('a1', 5)] }), NOW);
    expect(before.priority).toBeLessThan(none.priority / 2 + 5);
    expect(before.reasons.map((x) => x.code)).toContain('contact.handled');
    expect(after.level).toBe('urgent');
  });

  it('an unsuccessful contact nudges a retry for two days', () => {
    const base = prioritise(calm('p', { alerts: [critical('a1', 5)] }), NOW);
    const retry = prioritise(calm('p', { alerts: [critical('a1', 5)], lastContact: { atMs: at(3), outcome: 'message-left' } }), NOW);
    const old = prioritise(calm('p', { alerts: [critical('a1', 5)], lastContact: { atMs: at(49), outcome: 'no-answer' } }), NOW);
    expect(retry.priority).toBe(base.priority + 5);
    expect(retry.reasons.find((x) => x.code === 'contact.notReached')?.text).toBe('Not reached 3 h ago (message left)');
    expect(old.priority).toBe(base.priority);
  });

  it('keeps the priority within 0 to 100 for any input', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const sev = ['medium', 'high', 'critical'] as const;
    const lvl = ['none', 'low', 'medium', 'high', 'critical'] as const;
    for (let i = 0; i < 300; i++) {
      const p: WorklistPatientInput = {
        patientId: `p${i}`,
        alerts: Array.from({ length: Math.floor(rnd() * 6) }, (_, k) => ({
          alertId: `a${k}`,
          severity: sev[Math.floor(rnd() * 3)],
          problem: `r${k % 3}`,
          raisedAtMs: at(rnd() * 400),
        })),
        latestScore: { value: rnd() * 100, level: lvl[Math.floor(rnd() * 5)], atMs: at(rnd() * 400) },
        trend: [{ value: rnd() * 100, atMs: at(rnd() * 200) }],
        lastCheckInMs: rnd() < 0.1 ? null : at(rnd() * 2000),
        expectedCheckInIntervalHours: 6 + rnd() * 100,
        lastContact: rnd() < 0.5 ? { atMs: at(rnd() * 100), outcome: 'no-answer' } : null,
      };
      const r = prioritise(p, NOW);
      expect(r.priority).toBeGreaterThanOrEqual(0);
      expect(r.priority).toBeLessThanOrEqual(100);
      expect(Number.isFinite(r.priority)).toBe(true);
    }
  });
});

describe('snooze', () => {
  const snoozedHigh = (extra: Partial<WorklistPatientInput> = {}): WorklistPatientInput =>
    calm('p-snoozed', {
      alerts: [{ ...critical('a1', 30), severity: 'high' }],
      lastContact: { atMs: at(24), outcome: 'reached' },
      snooze: { untilMs: NOW + 48 * H, setAtMs: at(24), alertSeverityAtSet: 'high', levelAtSet: 'medium' },
      ...extra,
    });

  it('sorts a snoozed patient after everyone who is not, and says until when', () => {
    const list = rankWorklist([snoozedHigh(), calm('p-calm')], NOW);
    expect(ids(list)).toEqual(['p-calm', 'p-snoozed']);
    expect(list[1].snoozed).toBe(true);
    expect(list[1].priority).toBeGreaterThan(list[0].priority);
    expect(list[1].reasons[0]).toMatchObject({ code: 'snooze.held', text: 'Snoozed: next contact due in 2 days' });
  });

  it('ends at its time', () => {
    const r = prioritise(snoozedHigh({ snooze: { untilMs: NOW, setAtMs: at(24) } }), NOW);
    expect(r.snoozed).toBe(false);
  });

  it('holds against something new that is not worse', () => {
    const r = prioritise(
      snoozedHigh({
        alerts: [
          { ...critical('a1', 30), severity: 'high' },
          { ...critical('a2', 2, 'phq9.total'), severity: 'high' },
        ],
      }),
      NOW,
    );
    expect(r.snoozed).toBe(true);
    const sameLevel = prioritise(snoozedHigh({ latestScore: { value: 40, level: 'medium', atMs: at(1) } }), NOW);
    expect(sameLevel.snoozed).toBe(true);
  });

  it('breaks on a new critical alert, a new alert of a higher severity, or a higher risk level', () => {
    const crit = prioritise(snoozedHigh({ alerts: [{ ...critical('a1', 30), severity: 'high' }, critical('a2', 1)] }), NOW);
    expect(crit).toMatchObject({ snoozed: false, snoozeBroken: true });
    expect(crit.reasons[0].text).toBe('New since the snooze: critical alert');
    const worseThanNothing = prioritise(
      calm('p', {
        alerts: [{ ...critical('a2', 1), severity: 'medium' }],
        snooze: { untilMs: NOW + H, setAtMs: at(5), alertSeverityAtSet: null, levelAtSet: 'none' },
      }),
      NOW,
    );
    expect(worseThanNothing.snoozed).toBe(false);
    const level = prioritise(snoozedHigh({ latestScore: { value: 70, level: 'high', atMs: at(1) } }), NOW);
    expect(level).toMatchObject({ snoozed: false, snoozeBroken: true });
    expect(level.reasons[0].text).toBe('New since the snooze: risk rose to high');
    const oldScore = prioritise(snoozedHigh({ latestScore: { value: 70, level: 'high', atMs: at(25) } }), NOW);
    expect(oldScore.snoozed).toBe(true);
  });

  it('without recorded severities, judges against the alerts and trend at the time it was set', () => {
    const p = calm('p', {
      alerts: [
        { ...critical('a1', 30), severity: 'high' },
        { ...critical('a2', 2, 'phq9.total'), severity: 'high' },
      ],
      trend: [{ value: 40, level: 'medium', atMs: at(26) }],
      latestScore: { value: 42, level: 'medium', atMs: at(2) },
      lastContact: { atMs: at(24), outcome: 'reached' },
      snooze: { untilMs: NOW + H },
    });
    expect(prioritise(p, NOW).snoozed).toBe(true);
  });
});

describe('compareRankings', () => {
  it('is a total order', () => {
    const a = { snoozed: false, priority: 50, patientId: 'a' };
    expect(compareRankings(a, a)).toBe(0);
    expect(compareRankings(a, { ...a, patientId: 'b' })).toBeLessThan(0);
    expect(compareRankings(a, { ...a, priority: 51 })).toBeGreaterThan(0);
    expect(compareRankings({ ...a, snoozed: true, priority: 99 }, a)).toBeGreaterThan(0);
  });
});
