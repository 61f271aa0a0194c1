/**
 * Comparing the alerts of two model versions over the same check-ins (pure).
 *
 * Matching. Alert ids contain the model version, so alerts are matched on their cause instead:
 * (tenant, patient, rule code, triggering check-in id), or the silence's start time for a
 * missed-check-in alert (it has no check-in). Same cause in both: "both" (severity may differ).
 *
 * Lead time. Per patient alerted by both models: the time of B's first alert minus A's first alert
 * in hours (positive: A alerted earlier), for any rule and for each rule both raised for that
 * patient. It answers "does the new model warn earlier, and by how much".
 */
import type { AlertRaisedData, VigilEvent } from '@vigil/contracts';
import { table } from './summary';

export interface AlertBrief {
  alertId: string;
  ruleCode: string;
  severity: string;
  level: string;
  score: number;
  triggeredAt: string;
  checkInId?: string;
}

export interface BothRow {
  tenantId: string;
  patientId: string;
  ruleCode: string;
  cause: string;
  a: AlertBrief;
  b: AlertBrief;
}

export interface LeadRow {
  tenantId: string;
  patientId: string;
  /** `*` for the first alert of any rule. */
  ruleCode: string;
  firstA: string;
  firstB: string;
  /** (first B - first A) in hours: positive when A alerted first. */
  leadHours: number;
}

export interface PatientComparison {
  onlyA: VigilEvent<AlertRaisedData>[];
  onlyB: VigilEvent<AlertRaisedData>[];
  both: BothRow[];
  leads: LeadRow[];
}

export function causeOf(a: AlertRaisedData): string {
  return a.checkInId ?? `at:${a.triggeredAt}`;
}

const brief = (a: AlertRaisedData): AlertBrief => {
  const b: AlertBrief = { alertId: a.alertId, ruleCode: a.ruleCode, severity: a.severity, level: a.level, score: a.score, triggeredAt: a.triggeredAt };
  if (a.checkInId !== undefined) b.checkInId = a.checkInId;
  return b;
};

const round = (n: number, digits: number): number => Math.round(n * 10 ** digits) / 10 ** digits;

/** Compares one patient's alerts (each list in file order). */
export function comparePatient(
  tenantId: string,
  patientId: string,
  a: readonly VigilEvent<AlertRaisedData>[],
  b: readonly VigilEvent<AlertRaisedData>[],
): PatientComparison {
  const keyOf = (x: AlertRaisedData) => `${x.ruleCode}\u0000${causeOf(x)}`;
  const bByKey = new Map<string, VigilEvent<AlertRaisedData>>();
  for (const e of b) if (!bByKey.has(keyOf(e.data))) bByKey.set(keyOf(e.data), e);
  const matchedB = new Set<VigilEvent<AlertRaisedData>>();
  const onlyA: VigilEvent<AlertRaisedData>[] = [];
  const both: BothRow[] = [];
  for (const e of a) {
    const m = bByKey.get(keyOf(e.data));
    if (m && !matchedB.has(m)) {
      matchedB.add(m);
      both.push({ tenantId, patientId, ruleCode: e.data.ruleCode, cause: causeOf(e.data), a: brief(e.data), b: brief(m.data) });
    } else onlyA.push(e);
  }
  const onlyB = b.filter((e) => !matchedB.has(e));

  const leads: LeadRow[] = [];
  const first = (list: readonly VigilEvent<AlertRaisedData>[], rule?: string): VigilEvent<AlertRaisedData> | undefined => {
    let best: VigilEvent<AlertRaisedData> | undefined;
    for (const e of list) {
      if (rule !== undefined && e.data.ruleCode !== rule) continue;
      if (!best || Date.parse(e.data.triggeredAt) < Date.parse(best.data.triggeredAt)) best = e;
    }
    return best;
  };
  const lead = (rule: string, fa: VigilEvent<AlertRaisedData>, fb: VigilEvent<AlertRaisedData>): LeadRow => ({
    tenantId,
    patientId,
    ruleCode: rule,
    firstA: fa.data.triggeredAt,
    firstB: fb.data.triggeredAt,
    leadHours: round((Date.parse(fb.data.triggeredAt) - Date.parse(fa.data.triggeredAt)) / 3_600_000, 3),
  });
  const fa = first(a);
  const fb = first(b);
  if (fa && fb) {
    leads.push(lead('*', fa, fb));
    const rules = [...new Set(a.map((e) => e.data.ruleCode))].filter((r) => b.some((e) => e.data.ruleCode === r)).sort();
    for (const r of rules) leads.push(lead(r, first(a, r) as VigilEvent<AlertRaisedData>, first(b, r) as VigilEvent<AlertRaisedData>));
  }
  return { onlyA, onlyB, both, leads };
}

export interface LeadStats {
  ruleCode: string;
  patients: number;
  aEarlier: number;
  bEarlier: number;
  same: number;
  medianHours: number;
  meanHours: number;
  p10Hours: number;
  p90Hours: number;
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return 0;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/** ComparisonTotals as plain data (a shard's part, merged by the coordinator). */
export interface ComparisonSnapshot {
  onlyA: number;
  onlyB: number;
  both: number;
  bothSeverityDiffers: number;
  patientsOnlyA: number;
  patientsOnlyB: number;
  patientsBoth: number;
  leads: [string, number[]][];
}

/** Accumulates the per-patient comparisons into counts and lead-time statistics. */
export class ComparisonTotals {
  onlyA = 0;
  onlyB = 0;
  both = 0;
  bothSeverityDiffers = 0;
  patientsOnlyA = 0;
  patientsOnlyB = 0;
  patientsBoth = 0;
  private readonly leads = new Map<string, number[]>();

  add(c: PatientComparison, alertedA: boolean, alertedB: boolean): void {
    this.onlyA += c.onlyA.length;
    this.onlyB += c.onlyB.length;
    this.both += c.both.length;
    this.bothSeverityDiffers += c.both.filter((x) => x.a.severity !== x.b.severity).length;
    if (alertedA && alertedB) this.patientsBoth++;
    else if (alertedA) this.patientsOnlyA++;
    else if (alertedB) this.patientsOnlyB++;
    for (const l of c.leads) {
      const list = this.leads.get(l.ruleCode);
      if (list) list.push(l.leadHours);
      else this.leads.set(l.ruleCode, [l.leadHours]);
    }
  }

  snapshot(): ComparisonSnapshot {
    const { onlyA, onlyB, both, bothSeverityDiffers, patientsOnlyA, patientsOnlyB, patientsBoth } = this;
    return { onlyA, onlyB, both, bothSeverityDiffers, patientsOnlyA, patientsOnlyB, patientsBoth, leads: [...this.leads.entries()] };
  }

  /** Adds a shard's totals; the statistics sort the lead times, so the order of merging does not matter. */
  merge(s: ComparisonSnapshot): void {
    this.onlyA += s.onlyA;
    this.onlyB += s.onlyB;
    this.both += s.both;
    this.bothSeverityDiffers += s.bothSeverityDiffers;
    this.patientsOnlyA += s.patientsOnlyA;
    this.patientsOnlyB += s.patientsOnlyB;
    this.patientsBoth += s.patientsBoth;
    for (const [rule, hours] of s.leads) {
      const list = this.leads.get(rule);
      if (list) list.push(...hours);
      else this.leads.set(rule, [...hours]);
    }
  }

  leadStats(): LeadStats[] {
    return [...this.leads.entries()]
      .sort(([x], [y]) => (x === '*' ? -1 : y === '*' ? 1 : x < y ? -1 : x > y ? 1 : 0))
      .map(([ruleCode, hours]) => {
        const s = [...hours].sort((p, q) => p - q);
        return {
          ruleCode,
          patients: s.length,
          aEarlier: s.filter((h) => h > 0).length,
          bEarlier: s.filter((h) => h < 0).length,
          same: s.filter((h) => h === 0).length,
          medianHours: round(quantile(s, 0.5), 3),
          meanHours: round(s.reduce((n, h) => n + h, 0) / s.length, 3),
          p10Hours: round(quantile(s, 0.1), 3),
          p90Hours: round(quantile(s, 0.9), 3),
        };
      });
  }
}

export function formatComparison(a: string, b: string, t: ComparisonTotals): string {
  const n0 = (n: number) => n.toLocaleString('en-US');
  const lines: string[] = [];
  lines.push(`alerts: only ${a}: ${n0(t.onlyA)}, only ${b}: ${n0(t.onlyB)}, both: ${n0(t.both)} (severity differs in ${n0(t.bothSeverityDiffers)})`);
  lines.push(`patients alerted: only ${a}: ${n0(t.patientsOnlyA)}, only ${b}: ${n0(t.patientsOnlyB)}, by both: ${n0(t.patientsBoth)}`);
  lines.push('');
  lines.push(`lead time of the first alert per patient alerted by both (hours, positive: ${a} first)`);
  const rows = t
    .leadStats()
    .map((s) => [
      s.ruleCode === '*' ? 'any rule' : s.ruleCode,
      n0(s.patients),
      n0(s.aEarlier),
      n0(s.bEarlier),
      n0(s.same),
      s.medianHours.toFixed(1),
      s.meanHours.toFixed(1),
      s.p10Hours.toFixed(1),
      s.p90Hours.toFixed(1),
    ]);
  lines.push(
    table(['rule', 'patients', `${a} first`, `${b} first`, 'same', 'median', 'mean', 'p10', 'p90'], rows, [
      false,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
      true,
    ]),
  );
  return `${lines.join('\n')}\n`;
}
