/** The text report of an evaluation: the `evaluate` table, the burden, capacity mode and the differences listing. */
import { CAPACITY_K, CAPACITY_POLICIES, CapacityResult } from './capacity';
import { Evaluation, MODELS } from './evaluate';
import { GroupMetrics, ROWS } from './metrics';

const pad = (s: string, n: number): string => (s.length >= n ? s : ' '.repeat(n - s.length) + s);
const padR = (s: string, n: number): string => (s.length >= n ? s : s + ' '.repeat(n - s.length));
const num = (x: number | null, d: number): string => (x === null ? '-' : x.toFixed(d));
const pct = (x: number | null): string => (x === null ? '-' : `${Math.round(x * 100)}%`);

/** The episodes detected by one model only, a line each (the `--differences` listing). */
export function formatDifferences(ev: Evaluation): string {
  const h = ev.cohort;
  const counts = new Map<string, number>();
  for (const d of ev.differences) {
    const key = `${d.detectedBy} only, ${d.type}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const out = [`Episodes detected by one model only, seed ${h.seed}, preset ${h.preset}: ${[...counts].map(([k, n]) => `${k} ${n}`).join('; ') || 'none'}`];
  for (const d of ev.differences) {
    out.push(
      `  ${padR(`${d.detectedBy} only`, 15)} ${padR(d.type, 19)} ${d.patientId}  onset ${d.start.slice(0, 13)}  peak ${d.peak.slice(0, 13)}  first alert ${d.firstAlert.at.slice(0, 13)} ${d.firstAlert.ruleCode}: ${d.firstAlert.codes.join(', ')}`,
    );
  }
  return out.join('\n');
}

function qualityTable(ev: Evaluation): string[] {
  const out: string[] = [];
  const cols = (m: GroupMetrics): string =>
    `${pad(num(m.sensitivity, 2), 5)} ${pad(`${m.detected}/${m.episodes}`, 6)} ${pad(num(m.chanceDetection, 2), 6)} ${pad(num(m.medianLeadDays, 1), 5)} ${pad(num(m.falsePer100PatientDays, 2), 7)} ${pad(String(m.alerts), 6)} ${pad(pct(m.ppv), 4)}`;
  const head = `${pad('sens', 5)} ${pad('det', 6)} ${pad('chance', 6)} ${pad('lead', 5)} ${pad('FA/100', 7)} ${pad('alerts', 6)} ${pad('PPV', 4)}`;
  out.push(`${padR('', 14)} ${pad('', 4)} ${pad('', 4)}  | ${MODELS.map((m) => padR(m, head.length)).join(' | ')} | target (v1)`);
  out.push(`${padR('condition', 14)} ${pad('pts', 4)} ${pad('eps', 4)}  | ${MODELS.map(() => head).join(' | ')} |`);
  for (const row of ROWS) {
    const s = ev.models['static-v0'].rows[row];
    const t = ev.target[row];
    const tText = `${t.met ? 'met' : 'not met'} (FA x${num(t.falseAlertRatio, 2)}, sens ${t.sensitivityDelta === null ? '-' : (t.sensitivityDelta >= 0 ? '+' : '') + t.sensitivityDelta.toFixed(2)})`;
    out.push(
      `${padR(row, 14)} ${pad(String(s.patients), 4)} ${pad(String(s.episodes), 4)}  | ${MODELS.map((m) => cols(ev.models[m].rows[row])).join(' | ')} | ${tText}`,
    );
  }
  out.push(
    'sens = episodes detected / episodes; chance = the same test on sham windows away from any episode; lead = median days from the first true alert to the peak; FA/100 = false alerts per 100 patient-days;',
  );
  out.push(
    'PPV = share of alerts (not set aside) about a real episode, true or during it. v2 alerts = alerts raised plus interrupting updates (severity rises).',
  );
  return out;
}

function burdenTable(ev: Evaluation): string[] {
  const out = [`Burden per 100 patient-days (all patients): ${padR('model', 9)} ${pad('risk', 6)} ${pad('missed', 7)} ${pad('team', 6)} ${pad('reminder', 9)}`];
  for (const m of MODELS) {
    const b = ev.models[m].rows.all.burdenPer100PatientDays;
    out.push(
      `${' '.repeat(44)}${padR(m, 9)} ${pad(num(b.risk, 2), 6)} ${pad(num(b.missedCheckIn, 2), 7)} ${pad(num(b.team, 2), 6)} ${pad(num(b.reminder, 2), 9)}`,
    );
  }
  out.push(
    'risk = deterioration alerts to the team; missed = missed-check-in alerts to the team; team = both; reminder = reminders to the patient (v2), not the team.',
  );
  return out;
}

function capacityTable(ev: Evaluation): string[] {
  const cell = (c: CapacityResult | undefined): string =>
    c === undefined ? '-' : `${pad(pct(c.shareReached), 4)} ${pad(num(c.medianLeadDays, 1), 4)} ${pad(num(c.contactsPerEpisodeReached, 1), 5)}`;
  const head = `${pad('reach', 4)} ${pad('lead', 4)} ${pad('c/ep', 5)}`;
  const out = [`Capacity mode: each day contact K patients per 100, by worklist rank or by alerts in arrival order (${ev.cohort.patients} patients)`];
  out.push(`  ${padR('K', 4)} ${padR('policy', 9)}| ${MODELS.map((m) => padR(m, head.length)).join(' | ')}`);
  out.push(`  ${padR('', 4)} ${padR('', 9)}| ${MODELS.map(() => head).join(' | ')}`);
  for (const k of CAPACITY_K) {
    for (const policy of CAPACITY_POLICIES) {
      out.push(
        `  ${padR(String(k), 4)} ${padR(policy, 9)}| ${MODELS.map((m) => cell(ev.models[m].capacity.find((c) => c.k === k && c.policy === policy))).join(' | ')}`,
      );
    }
  }
  out.push(
    'reach = share of episodes with a contact from a day before the onset to half a day after the peak; lead = median days from that contact to the peak; c/ep = contacts per episode reached.',
  );
  return out;
}

function v2TargetLines(ev: Evaluation): string[] {
  const t = ev.targetV2;
  return [
    `v2 targets: ${t.met ? 'met' : 'not met'}: ${t.checks.map((c) => `${c.name} ${num(c.value, 2)} (${c.limit}: ${c.met ? 'met' : 'not met'})`).join('; ')}`,
  ];
}

export function formatEvaluation(ev: Evaluation): string {
  const h = ev.cohort;
  const out: string[] = [];
  out.push(
    `Cohort seed ${h.seed}, preset ${h.preset}: ${h.patients} patients x ${h.days} days from ${h.start} (${ev.patientDays} patient-days), ${ev.checkIns} check-ins`,
  );
  out.push(...qualityTable(ev), ...burdenTable(ev), ...capacityTable(ev), ...v2TargetLines(ev));
  for (const model of MODELS) {
    const top = Object.entries(ev.models[model].falseByCause)
      .slice(0, 6)
      .map(([k, n]) => `${k} ${n}`)
      .join(', ');
    out.push(`false alerts by cause, ${model}: ${top || 'none'}`);
  }
  return out.join('\n');
}
