/**
 * The contact form's values turned into `POST /v1/patients/{id}/contacts` (ContactCreateDto), or a
 * sentence saying what to fix. Pure: no DOM.
 */
import type { ContactOutcome } from './types';

export const NEXT_CONTACT_MAX_DAYS = 90;
/** A chosen next-contact day means from this local hour (the team's morning). */
export const NEXT_CONTACT_HOUR = 9;

export interface ContactFormValues {
  outcome: string;
  note: string;
  /** `YYYY-MM-DD` from <input type="date">, or ''. */
  nextContactDate: string;
  resolveAlertIds: string[];
}

export interface ContactRequest {
  contactId: string;
  outcome: ContactOutcome;
  note?: string;
  nextContactAt?: string;
  resolveAlertIds?: string[];
}

const OUTCOMES: readonly string[] = ['reached', 'no-answer', 'message-left', 'escalated'];

/** `YYYY-MM-DD` of a local day. */
export function localDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The range the date field offers: tomorrow to 90 days ahead (local days). */
export function nextContactRange(now: Date): { min: string; max: string } {
  const day = (n: number) => new Date(now.getFullYear(), now.getMonth(), now.getDate() + n);
  return { min: localDate(day(1)), max: localDate(day(NEXT_CONTACT_MAX_DAYS - 1)) };
}

export function contactRequest(v: ContactFormValues, contactId: string, now: Date): { ok: true; body: ContactRequest } | { ok: false; error: string } {
  if (!OUTCOMES.includes(v.outcome)) return { ok: false, error: 'Choose the outcome of the contact.' };
  const body: ContactRequest = { contactId, outcome: v.outcome as ContactOutcome };
  const note = v.note.trim();
  if (note.length > 2000) return { ok: false, error: `The note is ${note.length} characters long; at most 2000.` };
  if (note) body.note = note;
  if (v.nextContactDate) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v.nextContactDate);
    if (!m) return { ok: false, error: 'The next contact date is not a date.' };
    const at = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]), NEXT_CONTACT_HOUR);
    const { min, max } = nextContactRange(now);
    if (v.nextContactDate < min) return { ok: false, error: 'The next contact date must be tomorrow or later.' };
    if (v.nextContactDate > max) return { ok: false, error: `The next contact date can be at most ${NEXT_CONTACT_MAX_DAYS} days ahead.` };
    body.nextContactAt = at.toISOString();
  }
  if (v.resolveAlertIds.length) body.resolveAlertIds = [...new Set(v.resolveAlertIds)];
  return { ok: true, body };
}

/** A v4 UUID for the contact (the same id on a retry: care-api answers the stored contact). */
export function newContactId(c: Pick<Crypto, 'getRandomValues'> & Partial<Pick<Crypto, 'randomUUID'>> = globalThis.crypto): string {
  if (typeof c.randomUUID === 'function') return c.randomUUID();
  // randomUUID needs a secure context; getRandomValues does not.
  const b = c.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
