import { EVENT_TYPES } from '@vigil/contracts';
import { InvalidAlertEventError, toStreamData } from './alert-event';
import { compareCursors, isCursor, maxCursor, parseCursor } from './cursor';

describe('stream cursors', () => {
  it('orders Redis stream ids numerically, not as text', () => {
    const ids = ['1700000000000-10', '1700000000000-9', '999-0', '1700000000001-0', '0-0'];
    expect([...ids].sort(compareCursors)).toEqual(['0-0', '999-0', '1700000000000-9', '1700000000000-10', '1700000000001-0']);
    expect(maxCursor('5-1', '5-0')).toBe('5-1');
  });
  it('accepts only ids it could have sent', () => {
    for (const bad of ['', '1', '1-', '-1', 'a-1', '1-1-1', '1 -1', `${'9'.repeat(17)}-0`]) {
      expect(isCursor(bad)).toBe(false);
      expect(parseCursor(bad)).toBeNull();
    }
    expect(parseCursor('12-3')).toEqual({ ms: 12n, seq: 3n });
  });
});

describe('toStreamData', () => {
  const raised = {
    specversion: '1.0' as const,
    id: 'a-1',
    source: 's',
    type: EVENT_TYPES.alertRaised,
    subject: 'p-1',
    time: '2025-01-01T00:00:00Z',
    datacontenttype: 'application/json' as const,
    tenantid: 'org-1',
    dataschemaversion: '1.0',
    data: {
      alertId: 'a-1',
      patientId: 'p-1',
      tenantId: 'org-1',
      careTeamId: 't-1',
      ruleCode: 'r',
      severity: 'high',
      triggeredAt: '2025-01-01T00:00:00Z',
      reasons: [],
    },
  };
  it('reads raised and lifecycle events', () => {
    expect(toStreamData(raised)).toMatchObject({ eventId: 'a-1', type: 'alert.raised', status: 'open', careTeamId: 't-1' });
    const ack = {
      ...raised,
      id: 'a-1:acknowledged',
      type: EVENT_TYPES.alertAcknowledged,
      data: { alertId: 'a-1', patientId: 'p-1', tenantId: 'org-1', careTeamId: 't-1', status: 'acknowledged', by: 'n', at: '2025-01-01T00:01:00Z' },
    };
    expect(toStreamData(ack)).toMatchObject({ type: 'alert.acknowledged', status: 'acknowledged', change: { by: 'n' } });
  });
  it('refuses events whose ids disagree (never a tenant taken from the data)', () => {
    for (const data of [
      { ...raised.data, tenantId: 'org-2' },
      { ...raised.data, patientId: 'p-2' },
      { ...raised.data, careTeamId: undefined },
      { ...raised.data, severity: 'low' },
    ]) {
      expect(() => toStreamData({ ...raised, data })).toThrow(InvalidAlertEventError);
    }
    expect(() => toStreamData({ ...raised, type: 'org.vigil.other' })).toThrow(InvalidAlertEventError);
  });
});
