/**
 * Score and level. Each factor carries points; factors are grouped in domains (one clinical
 * signal each); a domain contributes its largest factor's points; the score is the sum over
 * domains, capped at 100; the level is the band the score falls in. Every factor's points are at
 * least the floor of its severity's band, so the level is never below the most severe factor.
 */
import { FactorDomain, Level, RiskFactor, Severity } from './types';

export const LEVELS: readonly Level[] = Object.freeze<Level[]>(['none', 'low', 'medium', 'high', 'critical']);

/** Lowest score of each level: none 0, low 1–24, medium 25–49, high 50–74, critical 75–100. */
export const LEVEL_FLOORS: Readonly<Record<Level, number>> = Object.freeze({ none: 0, low: 1, medium: 25, high: 50, critical: 75 });

export function levelRank(level: Level): number {
  switch (level) {
    case 'none':
      return 0;
    case 'low':
      return 1;
    case 'medium':
      return 2;
    case 'high':
      return 3;
    default:
      return 4;
  }
}

export function severityRank(s: Severity): number {
  return s === 'info' ? 0 : levelRank(s);
}

export function levelForScore(score: number): Level {
  if (score >= 75) return 'critical';
  if (score >= 50) return 'high';
  if (score >= 25) return 'medium';
  if (score >= 1) return 'low';
  return 'none';
}

const DOMAIN_INDEX: Readonly<Record<FactorDomain, number>> = {
  news2: 0,
  baseline: 1,
  weight: 2,
  mood: 3,
  copd: 4,
  glucose: 5,
  symptoms: 6,
  medication: 7,
  input: 8,
  engagement: 9,
};
const DOMAIN_COUNT = 10;

/** Points of each domain (its largest factor); domains without factors are absent. */
export function domainPoints(factors: readonly RiskFactor[]): Map<FactorDomain, number> {
  const m = new Map<FactorDomain, number>();
  for (const f of factors) {
    const cur = m.get(f.domain);
    if (cur === undefined || f.points > cur) m.set(f.domain, f.points);
  }
  return m;
}

/** The largest points per domain, by DOMAIN_INDEX (-1: no factor). */
function domainMaxima(factors: readonly RiskFactor[]): number[] {
  const max = new Array<number>(DOMAIN_COUNT).fill(-1);
  for (const f of factors) {
    const i = DOMAIN_INDEX[f.domain];
    if (f.points > max[i]) max[i] = f.points;
  }
  return max;
}

export function combine(factors: readonly RiskFactor[]): { score: number; level: Level } {
  let sum = 0;
  for (const p of domainMaxima(factors)) if (p > 0) sum += p;
  const score = Math.min(100, Math.max(0, Math.round(sum)));
  return { score, level: levelForScore(score) };
}

/**
 * Output order: domains by their points (highest first, then by name), and within a domain by
 * points, severity, then code. NEWS2 parameter factors stay next to their total.
 */
export function sortFactors(factors: readonly RiskFactor[]): RiskFactor[] {
  if (factors.length < 2) return factors.slice();
  const max = domainMaxima(factors);
  return factors.slice().sort((a, b) => {
    if (a.domain !== b.domain) {
      const d = max[DOMAIN_INDEX[b.domain]] - max[DOMAIN_INDEX[a.domain]];
      if (d !== 0) return d;
      return a.domain < b.domain ? -1 : 1;
    }
    if (a.points !== b.points) return b.points - a.points;
    const s = severityRank(b.severity) - severityRank(a.severity);
    if (s !== 0) return s;
    return a.code < b.code ? -1 : a.code > b.code ? 1 : 0;
  });
}
