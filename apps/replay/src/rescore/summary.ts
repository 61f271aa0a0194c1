/**
 * The rescore summary: a table for people and summary.json for tools. Both hold counts only, no
 * timings, so they are as reproducible as the NDJSON files.
 *
 * Alerts per 100 patient-days: patient-days count, for each scored patient, the days from their
 * first scored check-in in the range to the end of the range (a patient is watched from their first
 * check-in on, including the silent days that raise missed-check-in alerts).
 */
import type { ModelVersion } from '@vigil/risk-engine';
import { iso } from '../cli/time';
import type { RescoreStats } from './rescorer';

export interface RuleRow {
  ruleCode: string;
  severity: string;
  alerts: number;
  per100PatientDays: number;
}

export interface ModelSummary {
  modelVersion: ModelVersion;
  checkInsScored: number;
  patientsScored: number;
  patientDays: number;
  alerts: number;
  alertsPer100PatientDays: number;
  engagementAlerts: number;
  suppressedAlerts: number;
  /** v2: alert.updated events (new evidence for an open alert; not alerts), and the interrupting ones. */
  updates: number;
  interruptingUpdates: number;
  updatesPer100PatientDays: number;
  byRule: RuleRow[];
}

export interface RescoreSummary {
  command: string;
  from: string;
  to: string;
  warmupFrom: string | null;
  source: string;
  profiles: string;
  filter: { tenants: string[]; patients: string[] };
  engagement: boolean;
  /** Every check-in read, warm-up included (the counts below are of these). */
  checkInsRead: number;
  warmupCheckIns: number;
  invalid: number;
  duplicates: number;
  withoutProfile: number;
  patientsWithoutProfile: number;
  models: ModelSummary[];
}

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

export function summarise(
  command: string,
  stats: RescoreStats,
  ctx: { from: number; to: number; warmupFrom: number | null; source: string; profiles: string; tenants: string[]; patients: string[]; engagement: boolean },
): RescoreSummary {
  const models: ModelSummary[] = [];
  for (const [model, m] of stats.models) {
    const days = m.patientDays;
    const per100 = (n: number) => (days > 0 ? round((n / days) * 100, 3) : 0);
    const byRule = [...m.byRule.entries()]
      .map(([k, n]) => {
        const [ruleCode, severity] = k.split('\u0000');
        return { ruleCode, severity, alerts: n, per100PatientDays: per100(n) };
      })
      .sort((a, b) => (a.ruleCode < b.ruleCode ? -1 : a.ruleCode > b.ruleCode ? 1 : severityRank(a.severity) - severityRank(b.severity)));
    models.push({
      modelVersion: model,
      checkInsScored: m.scored,
      patientsScored: m.patientsScored,
      patientDays: round(days, 3),
      alerts: m.alerts,
      alertsPer100PatientDays: per100(m.alerts),
      engagementAlerts: m.engagementAlerts,
      suppressedAlerts: m.suppressed,
      updates: m.updates,
      interruptingUpdates: m.interruptingUpdates,
      updatesPer100PatientDays: per100(m.updates),
      byRule,
    });
  }
  return {
    command,
    from: iso(ctx.from),
    to: iso(ctx.to),
    warmupFrom: ctx.warmupFrom === null ? null : iso(ctx.warmupFrom),
    source: ctx.source,
    profiles: ctx.profiles,
    filter: { tenants: [...ctx.tenants].sort(), patients: [...ctx.patients].sort() },
    engagement: ctx.engagement,
    checkInsRead: stats.read,
    warmupCheckIns: stats.warmup,
    invalid: stats.invalid,
    duplicates: stats.duplicates,
    withoutProfile: stats.noProfile,
    patientsWithoutProfile: stats.patientsNoProfile,
    models,
  };
}

const SEVERITY_ORDER = ['medium', 'high', 'critical'];
function severityRank(s: string): number {
  const i = SEVERITY_ORDER.indexOf(s);
  return i < 0 ? 99 : i;
}

const n0 = (n: number): string => n.toLocaleString('en-US');
const n1 = (n: number): string => n.toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const n2 = (n: number): string => n.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

/** Plain-text table (fixed-width columns). */
export function table(headers: string[], rows: string[][], rightAlign: boolean[] = []): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const fmt = (cells: string[]) =>
    cells
      .map((c, i) => (rightAlign[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [fmt(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(fmt)].join('\n');
}

export function formatSummary(s: RescoreSummary): string {
  const lines: string[] = [];
  lines.push(`${s.command}: ${s.from} -> ${s.to}${s.warmupFrom ? ` (warm-up from ${s.warmupFrom})` : ''}, source ${s.source}, profiles ${s.profiles}`);
  if (s.filter.tenants.length || s.filter.patients.length) {
    lines.push(
      `filter: tenants [${s.filter.tenants.join(', ')}] patients [${s.filter.patients.length > 5 ? `${s.filter.patients.length} patients` : s.filter.patients.join(', ')}]`,
    );
  }
  lines.push('');
  const inputRows: string[][] = [
    [s.warmupCheckIns ? 'check-ins read (warm-up included)' : 'check-ins read', n0(s.checkInsRead)],
    ['  invalid (skipped, as the live scorer dead-letters)', n0(s.invalid)],
    ['  duplicates (same check-in id)', n0(s.duplicates)],
    [`  without a profile (${s.patientsWithoutProfile} patients, not scored)`, n0(s.withoutProfile)],
  ];
  if (s.warmupCheckIns) inputRows.push(['  warm-up (before --from: scored, not written)', n0(s.warmupCheckIns)]);
  lines.push(table(['input', 'count'], inputRows, [false, true]));
  for (const m of s.models) {
    lines.push('');
    lines.push(
      `model ${m.modelVersion}: ${n0(m.checkInsScored)} check-ins scored, ${n0(m.patientsScored)} patients, ${n1(m.patientDays)} patient-days, ` +
        `${n0(m.alerts)} alerts (${n2(m.alertsPer100PatientDays)} per 100 patient-days)${m.suppressedAlerts ? `, ${n0(m.suppressedAlerts)} suppressed (discharged)` : ''}`,
    );
    const rows = m.byRule.map((r) => [r.ruleCode, r.severity, n0(r.alerts), n2(r.per100PatientDays)]);
    rows.push(['total', '', n0(m.alerts), n2(m.alertsPer100PatientDays)]);
    lines.push(table(['rule', 'severity', 'alerts', 'per 100 patient-days'], rows, [false, false, true, true]));
    lines.push(
      `alert updates (v2 consolidation): ${n0(m.updates)} (${n2(m.updatesPer100PatientDays)} per 100 patient-days), ${n0(m.interruptingUpdates)} interrupting`,
    );
  }
  return `${lines.join('\n')}\n`;
}
