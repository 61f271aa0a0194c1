/**
 * The words of the worklist. No locale, no Intl, no time zone: the same input gives the same text on
 * every host. Spans are relative to `nowMs` ("3 h ago", "2.5 days"), so nothing depends on a zone.
 */
import { AlertSeverity, ContactOutcome } from './types';

const HOUR_MS = 3_600_000;

export function round1(x: number): number {
  const y = Math.round(x * 10 + (x >= 0 ? 1e-7 : -1e-7)) / 10;
  return y === 0 ? 0 : y;
}

/** "40 min" under an hour, "5 h" under 36 h, otherwise "6.5 days". */
export function span(ms: number): string {
  const safe = Math.max(0, ms);
  if (safe < HOUR_MS) return `${Math.round(safe / 60_000)} min`;
  const hours = safe / HOUR_MS;
  if (hours < 36) return `${Math.round(hours)} h`;
  const days = round1(hours / 24);
  return `${Number.isInteger(days) ? days.toFixed(0) : days.toFixed(1)} days`;
}

export function capitalise(s: string): string {
  return s.length === 0 ? s : s.charAt(0).toUpperCase() + s.slice(1);
}

export function severityWord(s: AlertSeverity): string {
  return capitalise(s);
}

export const OUTCOME_WORDS: Readonly<Record<ContactOutcome, string>> = Object.freeze({
  reached: 'reached',
  'no-answer': 'no answer',
  'message-left': 'message left',
  escalated: 'escalated',
});

/** Integers without decimals, others with one. */
export function num(x: number): string {
  const r = round1(x);
  return Number.isInteger(r) ? r.toFixed(0) : r.toFixed(1);
}
