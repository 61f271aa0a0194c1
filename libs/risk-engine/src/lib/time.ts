/**
 * A strict ISO-8601 / RFC 3339 parser for instants with an offset. It does not use Date.parse,
 * whose handling of anything outside one narrow format is implementation-defined, and it reads no
 * clock: the result is a pure function of the text.
 */

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/** Value of `count` ASCII digits at `i`, or -1. */
function digits(s: string, i: number, count: number): number {
  let v = 0;
  for (let k = 0; k < count; k++) {
    const c = s.charCodeAt(i + k) - 48; // NaN past the end
    if (!(c >= 0 && c <= 9)) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Epoch milliseconds of an ISO-8601 / RFC 3339 instant with offset, or null:
 * `YYYY-MM-DD(T|t| )HH:MM[:SS[(.|,)fraction]](Z|z|±HH:MM|±HHMM)`. Fractions beyond milliseconds
 * are truncated; a leap second (":60") is read as the last millisecond of its minute.
 */
export function parseInstant(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const s = text;
  const len = s.length;
  if (len < 17 || len > 40) return null;
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23 || minute < 0 || minute > 59) return null;
  if (s.charCodeAt(4) !== 45 || s.charCodeAt(7) !== 45 || s.charCodeAt(13) !== 58) return null; // '-', '-', ':'
  const sep = s.charCodeAt(10);
  if (sep !== 84 && sep !== 116 && sep !== 32) return null; // 'T', 't', ' '
  const dim = month === 2 && isLeap(year) ? 29 : DAYS_IN_MONTH[month - 1];
  if (day > dim) return null;
  let i = 16;
  let second = 0;
  let millis = 0;
  if (s.charCodeAt(i) === 58) {
    second = digits(s, i + 1, 2);
    if (second < 0 || second > 60) return null;
    i += 3;
    const c = s.charCodeAt(i);
    if (c === 46 || c === 44) {
      // '.' or ','
      i++;
      const from = i;
      while (i < len && i - from < 9) {
        const d = s.charCodeAt(i) - 48;
        if (!(d >= 0 && d <= 9)) break;
        if (i - from < 3) millis = millis * 10 + d;
        i++;
      }
      const n = i - from;
      if (n === 0) return null;
      if (n === 1) millis *= 100;
      else if (n === 2) millis *= 10;
    }
  }
  let offsetMinutes = 0;
  const z = s.charCodeAt(i);
  if (z === 90 || z === 122) {
    // 'Z', 'z'
    i++;
  } else if (z === 43 || z === 45) {
    // '+', '-'
    const oh = digits(s, i + 1, 2);
    let om: number;
    if (s.charCodeAt(i + 3) === 58) {
      om = digits(s, i + 4, 2);
      i += 6;
    } else {
      om = digits(s, i + 3, 2);
      i += 5;
    }
    if (oh < 0 || oh > 23 || om < 0 || om > 59) return null;
    offsetMinutes = (oh * 60 + om) * (z === 45 ? -1 : 1);
  } else {
    return null;
  }
  if (i !== len) return null;
  const sec = second === 60 ? 59 : second;
  const ms = second === 60 ? 999 : millis;
  return (daysFromCivil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + sec - offsetMinutes * 60) * 1000 + ms;
}

/** Canonical UTC text of an instant, e.g. "2025-03-01T08:00:00.000Z". */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString();
}

export const HOUR_MS = 3_600_000;

/** Text for people, e.g. "2025-03-01 08:00 UTC" (seconds dropped). */
export function formatInstantForPeople(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}
