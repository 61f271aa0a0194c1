/**
 * The small risk-score trend of a worklist row: the points of an SVG polyline on a fixed 0-100
 * scale (rows compare at a glance) and the same trend in words. Pure: no DOM.
 */
export interface TrendPoint {
  recordedAt: string;
  score: number;
}

export interface Sparkline {
  /** `x,y x,y ...` for a <polyline>; empty without points. */
  points: string;
  /** The last point (drawn as a dot). */
  last: { x: number; y: number } | null;
  direction: 'rising' | 'falling' | 'steady' | 'none';
  summary: string;
}

/** A change smaller than this (score points) is "steady". */
const STEADY_WITHIN = 5;

const round1 = (n: number) => Math.round(n * 10) / 10;

export function sparkline(trend: TrendPoint[], width: number, height: number, pad = 2): Sparkline {
  const pts = trend.map((p) => ({ t: Date.parse(p.recordedAt), v: p.score })).filter((p) => Number.isFinite(p.t) && Number.isFinite(p.v));
  if (!pts.length) return { points: '', last: null, direction: 'none', summary: 'No risk scores yet.' };
  const t0 = pts[0].t;
  const span = pts[pts.length - 1].t - t0;
  const x = (t: number, i: number) => round1(pad + (width - 2 * pad) * (span > 0 ? (t - t0) / span : pts.length > 1 ? i / (pts.length - 1) : 1));
  const y = (v: number) => round1(pad + (height - 2 * pad) * (1 - Math.min(100, Math.max(0, v)) / 100));
  const xy = pts.map((p, i) => ({ x: x(p.t, i), y: y(p.v) }));
  const first = pts[0].v;
  const lastV = pts[pts.length - 1].v;
  const delta = lastV - first;
  const direction = pts.length < 2 ? 'none' : Math.abs(delta) < STEADY_WITHIN ? 'steady' : delta > 0 ? 'rising' : 'falling';
  const days = Math.round(span / 86_400_000);
  const over = days >= 1 ? ` over ${days} day${days === 1 ? '' : 's'}` : '';
  const summary =
    pts.length < 2
      ? `Risk score ${lastV}, one score so far.`
      : `Risk score ${direction === 'steady' ? 'steady' : direction}, from ${first} to ${lastV}${over} (${pts.length} scores).`;
  return { points: xy.map((p) => `${p.x},${p.y}`).join(' '), last: xy[xy.length - 1], direction, summary };
}
