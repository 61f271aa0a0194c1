import { createEvent, EVENT_SOURCES, EVENT_TYPES, type AlertRaisedData, type VigilEvent } from '@vigil/contracts';
import { ComparisonTotals, comparePatient, formatComparison } from './compare';

let n = 0;
function alert(model: string, ruleCode: string, at: string, checkInId?: string, severity: AlertRaisedData['severity'] = 'high'): VigilEvent<AlertRaisedData> {
  const alertId = `${model}-${++n}`;
  return createEvent({
    id: alertId,
    source: EVENT_SOURCES.riskScorer,
    type: EVENT_TYPES.alertRaised,
    subject: 'p1',
    tenantid: 'org-1',
    time: at,
    data: {
      alertId,
      modelVersion: model,
      patientId: 'p1',
      tenantId: 'org-1',
      careTeamId: 't',
      ruleCode,
      severity,
      level: 'high',
      score: 70,
      triggeredAt: at,
      reasons: [],
      summary: '',
      ...(checkInId ? { checkInId } : {}),
    },
  });
}

describe('comparing two models', () => {
  it('matches alerts on their cause and measures lead time of the first alert', () => {
    const a = [alert('static-v0', 'risk.level', '2026-01-03T00:00:00Z', 'c3'), alert('static-v0', 'news2.total', '2026-01-05T00:00:00Z', 'c5', 'critical')];
    const b = [
      alert('v1', 'baseline.spo2', '2026-01-02T00:00:00Z', 'c2'),
      alert('v1', 'risk.level', '2026-01-03T00:00:00Z', 'c3', 'medium'),
      alert('v1', 'engagement.missedCheckIn', '2026-01-08T00:00:00Z'),
    ];
    const c = comparePatient('org-1', 'p1', a, b);
    expect(c.both.map((x) => [x.ruleCode, x.cause, x.a.severity, x.b.severity])).toEqual([['risk.level', 'c3', 'high', 'medium']]);
    expect(c.onlyA.map((e) => e.data.ruleCode)).toEqual(['news2.total']);
    expect(c.onlyB.map((e) => e.data.ruleCode)).toEqual(['baseline.spo2', 'engagement.missedCheckIn']);
    expect(c.leads).toEqual([
      { tenantId: 'org-1', patientId: 'p1', ruleCode: '*', firstA: '2026-01-03T00:00:00Z', firstB: '2026-01-02T00:00:00Z', leadHours: -24 },
      { tenantId: 'org-1', patientId: 'p1', ruleCode: 'risk.level', firstA: '2026-01-03T00:00:00Z', firstB: '2026-01-03T00:00:00Z', leadHours: 0 },
    ]);
    const totals = new ComparisonTotals();
    totals.add(c, true, true);
    totals.add(comparePatient('org-1', 'p2', [], [alert('v1', 'risk.level', '2026-01-01T00:00:00Z', 'x')]), false, true);
    expect(totals).toMatchObject({ onlyA: 1, onlyB: 3, both: 1, bothSeverityDiffers: 1, patientsBoth: 1, patientsOnlyB: 1, patientsOnlyA: 0 });
    expect(totals.leadStats()[0]).toMatchObject({ ruleCode: '*', patients: 1, aEarlier: 0, bEarlier: 1, medianHours: -24 });
    expect(formatComparison('static-v0', 'v1', totals)).toContain('only static-v0: 1, only v1: 3, both: 1');
  });
});
