/**
 * Alert-quality evaluation: replays a cohort through every model (static-v0, v1, v2), per patient,
 * scores the alerts against the labelled episodes (classify.ts, metrics.ts) and runs the capacity
 * mode (capacity.ts). README "Evaluation" defines every figure.
 */
import { ModelVersion } from '@vigil/risk-engine';
import { Cohort, CohortHeader } from '../cohort';
import { EpisodeType } from '../params';
import { DAY_MS } from '../patient';
import { CapacityPatient, CapacityResult, capacityMode } from './capacity';
import { AlertRecord, DEFAULT_WINDOWS, EvalWindows, classifyAlert, firstTrueAlerts } from './classify';
import { GroupMetrics, PatientOutcome, ROWS, Row, r3, rowsOf } from './metrics';
import { ReplayOrder, replayPatient } from './replay-patient';

export const MODELS: readonly ModelVersion[] = ['static-v0', 'v1', 'v2'];
/** The pair the `differences` listing and v1's target compare. */
const PAIR: readonly ModelVersion[] = ['static-v0', 'v1'];

export interface ModelResult {
  rows: Record<Row, GroupMetrics>;
  /** False alerts by rule code (risk.level alerts by their largest reason), all patients. */
  falseByCause: Record<string, number>;
  /** Capacity mode: worklist ranking against alerts in arrival order, at each K. */
  capacity: CapacityResult[];
}

/** An episode one model detected and the other missed: where the models part (the next work on v1 starts here). */
export interface EpisodeDifference {
  patientId: string;
  type: EpisodeType;
  start: string;
  peak: string;
  detectedBy: ModelVersion;
  /** The detecting model's first true alert: device time of its cause, rule and reason codes. */
  firstAlert: { at: string; ruleCode: string; codes: string[] };
}

/** The targets for v2, on the `all` row (heart-failure lead on its row). */
export interface V2Targets {
  met: boolean;
  checks: { name: string; value: number | null; limit: string; met: boolean }[];
}

export interface Evaluation {
  cohort: CohortHeader;
  checkIns: number;
  patientDays: number;
  windows: EvalWindows;
  models: Record<ModelVersion, ModelResult>;
  /** Scored episodes detected by exactly one model, in cohort order. */
  differences: EpisodeDifference[];
  /** Per row: v1 false alerts at most half of static-v0's, sensitivity not lower (and for heart failure a median lead of a day or more). */
  target: Record<Row, { met: boolean; falseAlertRatio: number | null; sensitivityDelta: number | null }>;
  targetV2: V2Targets;
}

/** The largest reason of an alert, for the false-alert breakdown. */
function causeOf(a: AlertRecord): string {
  return a.ruleCode === 'risk.level' ? `risk.level:${a.codes[0] ?? 'none'}` : a.ruleCode;
}

export interface EvaluateOptions {
  windows?: EvalWindows;
  order?: ReplayOrder;
}

export function evaluateCohort(cohort: Cohort, options: EvaluateOptions = {}): Evaluation {
  const w = options.windows ?? DEFAULT_WINDOWS;
  const h = cohort.header;
  const horizonStartMs = Date.parse(`${h.start}T00:00:00Z`);
  const horizonEndMs = horizonStartMs + h.days * DAY_MS;
  const models = {} as Record<ModelVersion, ModelResult>;
  const outcomesOf = {} as Record<ModelVersion, PatientOutcome[]>;
  for (const model of MODELS) {
    const outcomes: PatientOutcome[] = [];
    const teamView: CapacityPatient[] = [];
    outcomesOf[model] = outcomes;
    const falseByCause: Record<string, number> = {};
    for (const p of cohort.patients) {
      const r = replayPatient(model, p, horizonEndMs, options.order);
      outcomes.push({
        conditions: p.profile.conditions,
        patientDays: h.days,
        fromMs: horizonStartMs,
        toMs: horizonEndMs,
        episodes: p.episodes,
        alerts: r.alerts,
        engagementAlerts: r.engagementAlerts,
        reminders: r.reminders,
      });
      teamView.push({
        patientId: p.profile.patientId,
        expectedCheckInIntervalHours: p.profile.expectedCheckInIntervalHours,
        episodes: p.episodes,
        alerts: [...r.alerts, ...r.engagement],
        scores: r.scores,
      });
      for (const a of r.alerts) {
        if (classifyAlert(a, p.episodes, w).kind !== 'false') continue;
        const k = causeOf(a);
        falseByCause[k] = (falseByCause[k] ?? 0) + 1;
      }
    }
    const sorted: Record<string, number> = {};
    for (const k of Object.keys(falseByCause).sort((a, b) => falseByCause[b] - falseByCause[a] || (a < b ? -1 : 1))) sorted[k] = falseByCause[k];
    models[model] = { rows: rowsOf(outcomes, w), falseByCause: sorted, capacity: capacityMode(teamView, { startMs: horizonStartMs, days: h.days }, w) };
  }
  const target = {} as Evaluation['target'];
  for (const row of ROWS) {
    const s = models[PAIR[0]].rows[row];
    const v = models[PAIR[1]].rows[row];
    const ratio = s.falsePer100PatientDays > 0 ? r3(v.falsePer100PatientDays / s.falsePer100PatientDays) : null;
    const delta = s.sensitivity !== null && v.sensitivity !== null ? r3(v.sensitivity - s.sensitivity) : null;
    const leadOk = row !== 'heart-failure' || (v.medianLeadDays !== null && v.medianLeadDays >= 1);
    target[row] = { met: ratio !== null && ratio <= 0.5 && (delta === null || delta >= 0) && leadOk, falseAlertRatio: ratio, sensitivityDelta: delta };
  }
  const checkIns = cohort.patients.reduce((n, p) => n + p.checkIns.length, 0);
  return {
    cohort: h,
    checkIns,
    patientDays: h.days * cohort.patients.length,
    windows: w,
    models,
    target,
    targetV2: v2Targets(models),
    differences: differencesOf(cohort, outcomesOf, w),
  };
}

function v2Targets(models: Record<ModelVersion, ModelResult>): V2Targets {
  const s = models['static-v0'].rows.all;
  const v = models.v2.rows.all;
  const k5 = models.v2.capacity.find((c) => c.policy === 'worklist' && c.k === 5);
  const ratio = s.falsePer100PatientDays > 0 ? r3(v.falsePer100PatientDays / s.falsePer100PatientDays) : null;
  const check = (name: string, value: number | null, limit: string, ok: (x: number) => boolean): V2Targets['checks'][number] => ({
    name,
    value,
    limit,
    met: value !== null && ok(value),
  });
  const checks = [
    check('false alerts / static-v0', ratio, '<= 0.25', (x) => x <= 0.25),
    check('sensitivity - static-v0', s.sensitivity !== null && v.sensitivity !== null ? r3(v.sensitivity - s.sensitivity) : null, '>= 0', (x) => x >= 0),
    check('PPV', v.ppv, '>= 0.5', (x) => x >= 0.5),
    check('heart-failure median lead, days', models.v2.rows['heart-failure'].medianLeadDays, '>= 2', (x) => x >= 2),
    check('missed check-ins to the team /100 pd', v.burdenPer100PatientDays.missedCheckIn, '<= 2', (x) => x <= 2),
    check('capacity K=5 reached before peak', k5?.shareReached ?? null, '>= 0.85', (x) => x >= 0.85),
  ];
  return { met: checks.every((c) => c.met), checks };
}

function differencesOf(cohort: Cohort, outcomesOf: Record<ModelVersion, PatientOutcome[]>, w: EvalWindows): EpisodeDifference[] {
  const out: EpisodeDifference[] = [];
  cohort.patients.forEach((p, i) => {
    const firsts = PAIR.map((m) => firstTrueAlerts(outcomesOf[m][i], w));
    p.episodes.forEach((e, j) => {
      if (e.censored) return;
      const found = PAIR.flatMap((model, k) => {
        const a = firsts[k].get(j);
        return a === undefined ? [] : [{ model, a }];
      });
      if (found.length !== 1) return;
      const { model, a } = found[0];
      out.push({
        patientId: p.profile.patientId,
        type: e.type,
        start: e.start,
        peak: e.peak,
        detectedBy: model,
        firstAlert: { at: new Date(a.at).toISOString(), ruleCode: a.ruleCode, codes: a.codes },
      });
    });
  });
  return out;
}
