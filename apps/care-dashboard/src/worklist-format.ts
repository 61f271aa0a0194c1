/**
 * A worklist row in words: priority (a word and a shape, never colour alone), last check-in,
 * last contact, open alerts, snooze. Pure: no DOM.
 */
import { formatDateTime, timeAgo } from './format';
import type { ContactOutcome, WorklistEntryView, WorklistPriorityLevel } from './types';
import { isSnoozed } from './worklist-store';

export const PRIORITY: Record<WorklistPriorityLevel, { label: string; icon: string; hint: string }> = {
  urgent: { label: 'Urgent', icon: '▲', hint: 'contact now' },
  high: { label: 'High', icon: '◆', hint: 'contact today' },
  medium: { label: 'Medium', icon: '●', hint: 'contact soon' },
  low: { label: 'Low', icon: '▽', hint: 'routine' },
};

export function priorityOf(level: string): { label: string; icon: string; hint: string } {
  return PRIORITY[level as WorklistPriorityLevel] ?? { label: level || 'Unknown', icon: '○', hint: '' };
}

export const OUTCOME_LABEL: Record<ContactOutcome, string> = {
  reached: 'Reached',
  'no-answer': 'No answer',
  'message-left': 'Message left',
  escalated: 'Escalated',
};

export function outcomeLabel(o: string): string {
  return OUTCOME_LABEL[o as ContactOutcome] ?? o;
}

/** "3 h ago · 2 check-ins missed", or "Never checked in". */
export function checkInText(e: Pick<WorklistEntryView, 'lastCheckInAt' | 'overdueCheckIns'>, now: number): string {
  if (!e.lastCheckInAt) return 'Never checked in';
  const ago = timeAgo(e.lastCheckInAt, now);
  if (e.overdueCheckIns <= 0) return ago;
  return `${ago} · ${e.overdueCheckIns} check-in${e.overdueCheckIns === 1 ? '' : 's'} missed`;
}

/** "Reached · 2 days ago · nurse-1", or "No contact yet". */
export function lastContactText(e: Pick<WorklistEntryView, 'lastContact'>, now: number): string {
  const c = e.lastContact;
  if (!c) return 'No contact yet';
  return `${outcomeLabel(c.outcome)} · ${timeAgo(c.at, now)} · ${c.by}`;
}

/** "1 critical, 2 high open alerts", or "" without any. */
export function openAlertsText(e: Pick<WorklistEntryView, 'openAlertCounts'>): string {
  const c = e.openAlertCounts;
  const parts = (['critical', 'high', 'medium'] as const).filter((s) => c[s] > 0).map((s) => `${c[s]} ${s}`);
  const n = c.critical + c.high + c.medium;
  return n ? `${parts.join(', ')} open alert${n === 1 ? '' : 's'}` : '';
}

/** "Snoozed until 10 Dec 2026, 09:00", "Snooze ended early: something new and worse", or "". */
export function snoozeText(e: Pick<WorklistEntryView, 'snoozedUntil' | 'snoozeBroken'>, now: number): string {
  if (isSnoozed(e, now)) return `Snoozed until ${formatDateTime(e.snoozedUntil as string)}`;
  if (e.snoozeBroken) return 'Snooze ended early: something new and worse arrived';
  return '';
}

/** The reasons a row shows (most important first, without repeats). */
export function reasonTexts(e: Pick<WorklistEntryView, 'reasons'>, max = 3): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const r of e.reasons) {
    const t = r.text.trim();
    if (!t || seen.has(t)) continue;
    seen.add(t);
    out.push(t);
  }
  return out.slice(0, max);
}
