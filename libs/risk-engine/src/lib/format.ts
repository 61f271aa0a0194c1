/**
 * Number formatting and rounding for outputs and messages. Everything goes through these so that
 * the text is identical on every host: no locale, no Intl, half-up rounding defined here.
 */

const POW10 = [1, 10, 100, 1000, 10000];

/**
 * Rounds half away from zero at `decimals` places. A tiny nudge makes values that a device sent
 * as exact decimals (36.05, 0.95) round the way a person would, not the way their binary
 * approximation would.
 */
export function round(x: number, decimals: number): number {
  const f = POW10[decimals] ?? 10 ** decimals;
  const y = x >= 0 ? Math.round(x * f + 1e-7) / f : -Math.round(-x * f + 1e-7) / f;
  return y === 0 ? 0 : y;
}

/** Fixed-decimal text, e.g. fmt(1.25, 1) === "1.3". */
export function fmt(x: number, decimals: number): string {
  return round(x, decimals).toFixed(decimals);
}

/** Integers without decimals, others with one: 98 -> "98", 36.5 -> "36.5". */
export function fmtAuto(x: number): string {
  const r = round(x, 1);
  return Number.isInteger(r) ? r.toFixed(0) : r.toFixed(1);
}

export function plural(n: number, one: string, many: string): string {
  return n === 1 ? one : many;
}

/** "5 h" under 36 h, otherwise "6.5 days". */
export function fmtSpan(ms: number): string {
  const hours = ms / 3_600_000;
  if (hours < 36) {
    const h = round(hours, 0);
    return `${h.toFixed(0)} h`;
  }
  const days = round(hours / 24, 1);
  return `${Number.isInteger(days) ? days.toFixed(0) : days.toFixed(1)} days`;
}

export function capitalise(s: string): string {
  return s.length === 0 ? s : s.charAt(0).toUpperCase() + s.slice(1);
}
