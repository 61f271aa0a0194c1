import { checkInText, lastContactText, openAlertsText, priorityOf, reasonTexts, snoozeText } from './worklist-format';

const NOW = Date.parse('2026-03-02T12:00:00Z');
const ago = (h: number) => new Date(NOW - h * 3_600_000).toISOString();

describe('a worklist row in words', () => {
  it('says the priority in a word and a shape', () => {
    expect(priorityOf('urgent')).toEqual({ label: 'Urgent', icon: '▲', hint: 'contact now' });
    expect(priorityOf('low').icon).toBe('▽');
    expect(priorityOf('odd')).toEqual({ label: 'odd', icon: '○', hint: '' });
  });

  it('says the last check-in, missed ones, and the last contact', () => {
    expect(checkInText({ lastCheckInAt: null, overdueCheckIns: 0 }, NOW)).toBe('Never checked in');
    expect(checkInText({ lastCheckInAt: ago(3), overdueCheckIns: 0 }, NOW)).toBe('3 h ago');
    expect(checkInText({ lastCheckInAt: ago(50), overdueCheckIns: 2 }, NOW)).toBe('2 days ago · 2 check-ins missed');
    expect(lastContactText({ lastContact: null }, NOW)).toBe('No contact yet');
    expect(lastContactText({ lastContact: { contactId: 'c', at: ago(72), outcome: 'message-left', by: 'nurse-1' } }, NOW)).toBe(
      'Message left · 3 days ago · nurse-1',
    );
  });

  it('counts open alerts, says snoozes, and shows each reason once', () => {
    expect(openAlertsText({ openAlertCounts: { critical: 1, high: 2, medium: 0 } })).toBe('1 critical, 2 high open alerts');
    expect(openAlertsText({ openAlertCounts: { critical: 0, high: 0, medium: 1 } })).toBe('1 medium open alert');
    expect(openAlertsText({ openAlertCounts: { critical: 0, high: 0, medium: 0 } })).toBe('');
    expect(snoozeText({ snoozedUntil: ago(-24), snoozeBroken: false }, NOW)).toMatch(/^Snoozed until /);
    expect(snoozeText({ snoozedUntil: ago(1), snoozeBroken: false }, NOW)).toBe('');
    expect(snoozeText({ snoozedUntil: null, snoozeBroken: true }, NOW)).toMatch(/^Snooze ended early/);
    const r = (text: string) => ({ kind: 'alert' as const, code: 'x', text, points: 1 });
    expect(reasonTexts({ reasons: [r('Chest pain reported.'), r('Chest pain reported.'), r(' '), r('SpO2 85%'), r('a'), r('b')] })).toEqual([
      'Chest pain reported.',
      'SpO2 85%',
      'a',
    ]);
  });
});
