/**
 * Instants and durations on the command line. Only absolute instants: a relative one ("-7d") would
 * make the same command give different files on different days, and replay promises byte-identical
 * output for the same range.
 */
import { ISO_WITH_OFFSET } from '@vigil/contracts';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

function realDate(y: number, m: number, d: number): boolean {
  const probe = new Date(Date.UTC(y, m - 1, d));
  return probe.getUTCFullYear() === y && probe.getUTCMonth() === m - 1 && probe.getUTCDate() === d;
}

/**
 * `2026-01-31` (midnight UTC) or ISO-8601 with an offset (`2026-01-31T08:00:00Z`,
 * `2026-01-31T08:00:00+01:00`). Returns ms since the epoch, or null.
 */
export function parseInstant(text: string): number | null {
  const t = text.trim();
  const [y, m, d] = t.slice(0, 10).split('-').map(Number);
  if (DATE_ONLY.test(t)) return realDate(y, m, d) ? Date.UTC(y, m - 1, d) : null;
  if (!ISO_WITH_OFFSET.test(t) || !realDate(y, m, d)) return null;
  const ms = Date.parse(t);
  return Number.isFinite(ms) ? ms : null;
}

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 };

/** `0`, `500ms`, `90s`, `15m`, `12h`, `30d`, `2w`, or sums like `30d5m`. Returns ms, or null. */
export function parseDuration(text: string): number | null {
  const t = text.trim();
  if (t === '0') return 0;
  if (!/^(\d+(\.\d+)?(ms|s|m|h|d|w))+$/.test(t)) return null;
  let total = 0;
  for (const m of t.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d|w)/g)) total += Number(m[1]) * UNITS[m[2]];
  return Math.round(total);
}

export function formatDuration(ms: number): string {
  if (ms === 0) return '0';
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.join('');
}

export const iso = (ms: number): string => new Date(ms).toISOString();
