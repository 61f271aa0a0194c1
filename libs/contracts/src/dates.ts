/**
 * The one calendar check of every date we are sent (check-in times, query ranges): Date.parse
 * quietly rolls `2026-02-30` over to 2 March, so the day must exist in its month.
 */
export function isRealCalendarDate(value: string): boolean {
  if (Number.isNaN(Date.parse(value))) return false;
  const m = /^([+-]?\d{4,6})-(\d{2})-(\d{2})/.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const probe = new Date(Date.UTC(y, mo - 1, d));
  // Date.UTC maps years 0-99 to 1900-1999; setUTCFullYear does not.
  probe.setUTCFullYear(y);
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === mo - 1 && probe.getUTCDate() === d;
}

/** ISO-8601 date (`2026-01-31`) or date-time, with or without an offset (none: UTC). */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})?)?$/;

/** The instant of an ISO-8601 date or date-time that names a real calendar day; else null. */
export function parseIsoInstant(value: string): Date | null {
  if (!ISO_INSTANT.test(value) || !isRealCalendarDate(value)) return null;
  // A date-time without an offset is UTC here (Date.parse would read it as local time).
  const text = value.length > 10 && !/(Z|[+-]\d{2}:\d{2})$/.test(value) ? `${value}Z` : value;
  const t = Date.parse(text);
  return Number.isFinite(t) ? new Date(t) : null;
}
