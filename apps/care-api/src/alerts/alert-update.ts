/**
 * What an `alert.updated` (model v2 consolidation) does to a stored alert. Pure: the ingestor
 * reads the alert, asks this, and writes the answer through the alerts repository.
 *
 * - The severity never falls (the highest of stored and new); level, score and summary are the
 *   latest evidence's; the reasons grow (a code seen again takes its newest reading).
 * - `interrupts` (the severity rose above what the team was told) re-opens an acknowledged alert:
 *   the team acknowledged less than what is now the case. A non-interrupting update changes no status.
 * - A resolved alert stays resolved and unchanged: the team closed it (the worklist agrees:
 *   worklist-state.ts); the event still reaches the stream.
 * - The original `triggeredAt` stays: it orders the alert in every index.
 */
import type { AlertUpdatedData, RiskFactorData } from '@vigil/contracts';
import type { AlertRecord } from './alerts.repository';

const SEVERITY_RANK: Record<string, number> = { medium: 1, high: 2, critical: 3 };

export interface AlertUpdatePlan {
  /** The alert as it is once the update is applied. */
  record: AlertRecord;
  /** Whether the evidence cells change (false: a redelivery of evidence already stored). */
  evidenceChanged: boolean;
  /** Whether to re-open it (acknowledged -> open). */
  reopen: boolean;
}

/** The reasons after new evidence: stored ones in their order, a code seen again replaced, new codes appended. */
export function mergeReasons(stored: readonly RiskFactorData[], fresh: readonly RiskFactorData[]): RiskFactorData[] {
  const byCode = new Map(fresh.map((f) => [f.code, f]));
  const out = stored.map((f) => byCode.get(f.code) ?? f);
  const have = new Set(stored.map((f) => f.code));
  for (const f of fresh) if (!have.has(f.code)) out.push(f);
  return out;
}

export function higherSeverity(a: string, b: string): string {
  return (SEVERITY_RANK[b] ?? 0) > (SEVERITY_RANK[a] ?? 0) ? b : a;
}

/** The plan for one update of a stored alert (null: resolved, nothing to change). */
export function planAlertUpdate(rec: AlertRecord, u: AlertUpdatedData): AlertUpdatePlan | null {
  if (rec.status === 'resolved') return null;
  const severity = higherSeverity(rec.severity, u.severity);
  const reasons = mergeReasons(rec.reasons, u.reasons);
  const evidenceChanged =
    severity !== rec.severity ||
    rec.level !== u.level ||
    rec.score !== Math.round(u.score) ||
    rec.summary !== u.summary ||
    JSON.stringify(reasons) !== JSON.stringify(rec.reasons);
  const reopen = u.interrupts && rec.status === 'acknowledged';
  const record: AlertRecord = {
    ...rec,
    severity,
    level: u.level,
    score: Math.round(u.score),
    summary: u.summary,
    reasons,
    status: reopen ? 'open' : rec.status,
  };
  return { record, evidenceChanged, reopen };
}
