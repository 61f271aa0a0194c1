import { EVENT_TYPES, type VigilEvent } from '@vigil/contracts';
import { InvalidWorklistEventError, toWorklistEvent } from './worklist-events';
import { applyWorklistEvent, emptyState, type WorklistEvent, type WorklistState } from './worklist-state';
import { entryView, isListed, rank } from './worklist-view';

const T0 = Date.parse('2026-03-10T08:00:00Z');
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString();

function ev(type: string, data: Record<string, unknown>, id = `${type}-${Math.random()}`): VigilEvent {
  return {
    specversion: '1.0',
    id,
    source: 'test',
    type,
    subject: 'p1',
    time: iso(T0),
    datacontenttype: 'application/json',
    tenantid: 'org-1',
    dataschemaversion: '1.0',
    data: { patientId: 'p1', tenantId: 'org-1', ...data },
  };
}

const profile = (updatedAtMs: number, careTeamId = 'team-a', status = 'active') =>
  ev(EVENT_TYPES.patientUpdated, {
    careTeamId,
    conditions: ['heart-failure'],
    news2SpO2Scale: 1,
    expectedCheckInIntervalHours: 24,
    status,
    updatedAt: iso(updatedAtMs),
  });
const scored = (checkInId: string, atMs: number, score: number, level = 'medium') =>
  ev(EVENT_TYPES.riskScored, {
    checkInId,
    recordedAt: iso(atMs),
    score,
    level,
    modelVersion: 'v1',
    factors: [{ code: 'news2.total', message: 'NEWS2 total 5', points: 5, severity: 'medium' }],
    news2: null,
    late: false,
  });
const raised = (alertId: string, severity = 'critical', atMs = T0) =>
  ev(EVENT_TYPES.alertRaised, {
    alertId,
    careTeamId: 'team-a',
    ruleCode: 'news2.total',
    severity,
    level: 'high',
    score: 70,
    triggeredAt: iso(atMs),
    reasons: [],
    summary: 'NEWS2 7',
  });
const lifecycle = (type: string, alertId: string, status: string) => ev(type, { alertId, careTeamId: 'team-a', status, by: 'nurse-1', at: iso(T0 + H) });
const contact = (contactId: string, atMs: number, extra: Record<string, unknown> = {}) =>
  ev(EVENT_TYPES.contactLogged, {
    contactId,
    careTeamId: 'team-a',
    by: 'nurse-1',
    at: iso(atMs),
    outcome: 'reached',
    resolvedAlertIds: [],
    knownWorstAlertSeverity: 'critical',
    knownRiskLevel: 'high',
    ...extra,
  });

function fold(events: VigilEvent[], from: WorklistState = emptyState()): WorklistState {
  return events
    .map((e) => toWorklistEvent(e))
    .filter((e): e is WorklistEvent => e !== null)
    .reduce(applyWorklistEvent, from);
}

describe('worklist state', () => {
  const history = [
    profile(T0 - 48 * H),
    scored('c1', T0 - 24 * H, 20, 'low'),
    scored('c2', T0, 62, 'high'),
    raised('a1'),
    raised('a2', 'medium'),
    lifecycle(EVENT_TYPES.alertAcknowledged, 'a2', 'acknowledged'),
  ];

  it('folds profile, scores and alerts into what the ranking needs', () => {
    const s = fold(history);
    expect(isListed(s)).toBe(true);
    expect(s.latestScore).toMatchObject({ checkInId: 'c2', score: 62, level: 'high' });
    expect(s.trend.map((t) => t.checkInId)).toEqual(['c1', 'c2']);
    expect(s.alerts.map((a) => [a.alertId, a.acknowledgedAtMs !== undefined])).toEqual([
      ['a1', false],
      ['a2', true],
    ]);
    const view = entryView('p1', s, 3, rank('p1', s, T0 + H), T0 + H);
    expect(view).toMatchObject({
      careTeamId: 'team-a',
      level: 'urgent',
      openAlertCounts: { critical: 1, high: 0, medium: 1 },
      lastCheckInAt: iso(T0),
      overdueCheckIns: 0,
    });
    expect(view.openAlerts.map((a) => a.alertId)).toEqual(['a1', 'a2']);
  });

  it('redelivery changes nothing: applying the same events again returns the same state object', () => {
    const s = fold(history);
    expect(fold(history, s)).toBe(s);
  });

  it('the newest device time is the latest score, whatever the arrival order', () => {
    const s = fold([scored('late', T0 - 30 * H, 90, 'critical'), scored('new', T0, 10, 'low')]);
    const t = fold([scored('new', T0, 10, 'low'), scored('late', T0 - 30 * H, 90, 'critical')]);
    expect(s.latestScore?.checkInId).toBe('new');
    expect(t).toEqual(s);
  });

  it('a resolved alert stays resolved when its raise comes again', () => {
    const s = fold([...history, lifecycle(EVENT_TYPES.alertResolved, 'a1', 'resolved'), raised('a1')]);
    expect(s.alerts.map((a) => a.alertId)).toEqual(['a2']);
  });

  const updated = (alertId: string, severity: string, interrupts: boolean, code: string) =>
    ev(EVENT_TYPES.alertUpdated, {
      alertId,
      updateId: `u-${code}`,
      careTeamId: 'team-a',
      ruleCode: 'news2.total',
      severity,
      previousSeverity: 'medium',
      interrupts,
      level: 'high',
      score: 80,
      checkInId: `c-${code}`,
      triggeredAt: iso(T0 + 5 * H),
      reasons: [{ code, message: code, points: 3, severity: 'high' }],
      allReasonCodes: [code],
      summary: 'new evidence',
    });

  it('an update changes the alert in place: time kept, reasons grow; only an interrupting one drops the acknowledgement', () => {
    const quiet = fold([...history, updated('a2', 'medium', false, 'spo2.low')]);
    const a2 = quiet.alerts.find((a) => a.alertId === 'a2');
    expect(quiet.alerts.map((a) => a.alertId)).toEqual(['a1', 'a2']);
    expect(a2).toMatchObject({ triggeredAtMs: T0, summary: 'new evidence', reasons: [{ code: 'spo2.low', message: 'spo2.low' }] });
    expect(a2?.acknowledgedAtMs).toBe(T0 + H);
    const loud = fold([updated('a2', 'high', true, 'rr.high')], quiet).alerts.find((a) => a.alertId === 'a2');
    expect(loud).toMatchObject({ severity: 'high', reasons: [{ code: 'spo2.low' }, { code: 'rr.high' }] });
    expect(loud?.acknowledgedAtMs).toBeUndefined();
    expect(
      fold([...history, lifecycle(EVENT_TYPES.alertResolved, 'a1', 'resolved'), updated('a1', 'critical', true, 'x')]).alerts.map((a) => a.alertId),
    ).toEqual(['a2']);
  });

  it('an older profile never overwrites a newer one; discharge takes the patient off', () => {
    const s = fold([profile(T0, 'team-b'), profile(T0 - H, 'team-a')]);
    expect(s.profile?.careTeamId).toBe('team-b');
    expect(isListed(fold([profile(T0 + H, 'team-b', 'discharged')], s))).toBe(false);
  });

  it('the newest contact sets the snooze and resolves the alerts it names; an older contact does not', () => {
    const s = fold([...history, contact('k2', T0 + 2 * H, { nextContactAt: iso(T0 + 72 * H), resolvedAlertIds: ['a1'] }), contact('k1', T0 + H)]);
    expect(s.lastContact?.contactId).toBe('k2');
    expect(s.snooze).toMatchObject({ untilMs: T0 + 72 * H, setAtMs: T0 + 2 * H, alertSeverityAtSet: 'critical', levelAtSet: 'high' });
    expect(s.alerts.map((a) => a.alertId)).toEqual(['a2']);
    const r = rank('p1', s, T0 + 3 * H);
    expect(r.snoozed).toBe(true);
    // A new critical alert breaks it.
    const broken = fold([raised('a3', 'critical', T0 + 4 * H)], s);
    expect(rank('p1', broken, T0 + 5 * H)).toMatchObject({ snoozed: false, snoozeBroken: true });
    // A later contact without a date clears it.
    expect(fold([contact('k3', T0 + 5 * H)], s).snooze).toBeNull();
  });

  it('the trend keeps 8 days before the latest score', () => {
    const s = fold([scored('old', T0 - 9 * 24 * H, 5), scored('mid', T0 - 7 * 24 * H, 8), scored('now', T0, 30)]);
    expect(s.trend.map((t) => t.checkInId)).toEqual(['mid', 'now']);
  });
});

describe('worklist events', () => {
  it('dead-letters what can never apply, naming fields and no values', () => {
    const bad = ev(EVENT_TYPES.riskScored, { checkInId: 'c1', recordedAt: 'yesterday', score: 'high', level: 'odd' });
    expect(() => toWorklistEvent(bad)).toThrow(InvalidWorklistEventError);
    expect(() => toWorklistEvent(bad)).toThrow('invalid worklist event: recordedAt, score, level');
    const otherTenant = { ...raised('a1'), tenantid: 'org-2' };
    expect(() => toWorklistEvent(otherTenant)).toThrow(/tenantId differs/);
  });

  it('skips types the worklist does not use', () => {
    expect(toWorklistEvent(ev(EVENT_TYPES.auditRecorded, {}))).toBeNull();
  });
});
