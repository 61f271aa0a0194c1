import type { AlertStreamData } from '@vigil/contracts';
import { AlertStore } from './store';

const T = '2026-03-02T10:00:00.000Z';
const factor = (code: string, severity = 'medium') => ({ code, value: 1, threshold: 1, points: 2, severity, message: code });
const raised: AlertStreamData = {
  eventId: 'a-1',
  type: 'alert.raised',
  alertId: 'a-1',
  patientId: 'p-1',
  careTeamId: 'team-a',
  status: 'open',
  at: T,
  alert: {
    alertId: 'a-1',
    modelVersion: 'v2',
    patientId: 'p-1',
    tenantId: 'org-1',
    careTeamId: 'team-a',
    ruleCode: 'level.medium',
    severity: 'medium',
    level: 'medium',
    score: 40,
    triggeredAt: T,
    reasons: [factor('hr.high')],
    summary: 'COPD',
  },
};
const updated = (id: string, severity: 'medium' | 'high', interrupts: boolean, status: AlertStreamData['status']): AlertStreamData => ({
  eventId: id,
  type: 'alert.updated',
  alertId: 'a-1',
  patientId: 'p-1',
  careTeamId: 'team-a',
  status,
  at: '2026-03-03T10:00:00.000Z',
  update: {
    alertId: 'a-1',
    updateId: id,
    modelVersion: 'v2',
    patientId: 'p-1',
    tenantId: 'org-1',
    careTeamId: 'team-a',
    problem: 'copd',
    ruleCode: 'level.medium',
    severity,
    previousSeverity: 'medium',
    interrupts,
    level: severity,
    score: 70,
    checkInId: `c-${id}`,
    triggeredAt: '2026-03-03T10:00:00.000Z',
    reasons: [factor('rr.high', severity)],
    allReasonCodes: ['hr.high', 'rr.high'],
    summary: `COPD, ${severity}`,
  },
});

describe('AlertStore: alert.updated', () => {
  it('updates the row it has instead of adding a second one', () => {
    const s = new AlertStore();
    s.applyEvent(raised, true);
    expect(s.applyEvent(updated('u-1', 'high', true, 'open'), true)).toBeNull();
    expect(s.all()).toHaveLength(1);
    expect(s.get('a-1')).toMatchObject({ severity: 'high', score: 70, summary: 'COPD, high', triggeredAt: T, status: 'open' });
    expect(s.get('a-1')?.reasons.map((r) => r.code)).toEqual(['hr.high', 'rr.high']);
  });

  it('re-opens an acknowledged row only on an interrupting update', () => {
    const s = new AlertStore();
    s.applyEvent(raised, true);
    s.applyEvent({ ...raised, eventId: 'ack', type: 'alert.acknowledged', status: 'acknowledged', alert: undefined, change: { by: 'n', at: T } }, true);
    s.applyEvent(updated('u-1', 'medium', false, 'acknowledged'), true);
    expect(s.get('a-1')?.status).toBe('acknowledged');
    s.applyEvent(updated('u-2', 'high', true, 'open'), true);
    expect(s.get('a-1')?.status).toBe('open');
  });

  it('asks for an alert it has not loaded', () => {
    const s = new AlertStore();
    expect(s.applyEvent(updated('u-1', 'high', true, 'open'), true)).toBe('a-1');
    expect(s.get('a-1')?.partial).toBe(true);
  });
});
