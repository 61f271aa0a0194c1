import { describeError } from '../api';
import { type AlertMark, type ChartDef, renderChart, type RenderedChart } from '../charts';
import { CONDITION_LABEL, el, formatDateTime, formatHours, levelOf, lifecycleLines, reasonLines, severityOf, STATUS_LABEL, timeAgo } from '../format';
import type { App } from '../main';
import { CHART_METRICS, chartPlan, type ChartSpec, profileLines, valueWords } from '../metrics';
import type { AlertView, ObservationPoint, PatientProfileView, RiskPoint } from '../types';
import { priorityOf, snoozeText } from '../worklist-format';
import { alertActions } from './alert-actions';
import { renderContactsPanel } from './contacts';

const BASE = import.meta.env.BASE_URL;
const DAY = 86_400_000;
const PERIODS = [7, 30, 90];

const toPoints = (items: ObservationPoint[]): [number, number][] =>
  items.map((p): [number, number] => [Date.parse(p.recordedAt), p.value]).filter(([t, v]) => Number.isFinite(t) && Number.isFinite(v));

/** The live model's scores only (replays and shadow models store theirs beside it): the version of the newest score. */
function liveModel(points: RiskPoint[]): RiskPoint[] {
  if (!points.length) return points;
  const newest = points.reduce((a, b) => (Date.parse(b.recordedAt) > Date.parse(a.recordedAt) ? b : a));
  return points.filter((p) => p.modelVersion === newest.modelVersion);
}

export function renderPatientView(root: HTMLElement, app: App, patientId: string): void {
  document.title = `Patient ${patientId} · Vigil care dashboard`;
  const params = new URLSearchParams(window.location.search);
  let days = PERIODS.includes(Number(params.get('days'))) ? Number(params.get('days')) : 7;
  let charts: RenderedChart[] = [];
  let generation = 0;

  const status = el('p', { class: 'loading', role: 'status' });
  const profileBox = el('section', { class: 'profile', id: 'profile', 'aria-labelledby': 'profile-heading' });
  const error = el('p', { class: 'form-error', role: 'alert' });
  const alertsBox = el('section', { class: 'patient-alerts', 'aria-labelledby': 'patient-alerts-heading' });
  const grid = el('div', { class: 'chart-grid', id: 'charts' });
  const contactsBox = el('section', { class: 'contacts', id: 'contacts', 'aria-labelledby': 'contacts-heading' });
  /** The patient's worklist row in words, kept current from the worklist stream. */
  const worklistLine = el('span', { 'data-field': 'worklist' });
  const drawWorklistLine = () => {
    const e = app.worklist.get(patientId);
    if (!e) {
      worklistLine.replaceChildren(app.worklist.loaded ? 'Not on your worklist' : 'Loading…');
      return;
    }
    const prio = priorityOf(e.level);
    const snooze = snoozeText(e, Date.now());
    worklistLine.replaceChildren(
      el('span', { class: `prio prio-${e.level}` }, el('span', { 'aria-hidden': 'true' }, prio.icon), ` ${prio.label} · priority ${e.priority}`),
      snooze ? ` · ${snooze}` : '',
    );
    worklistLine.dataset['snoozed'] = String(!!snooze && e.snoozed);
  };

  const period = el(
    'fieldset',
    { class: 'period' },
    el('legend', {}, 'Period'),
    ...PERIODS.map((d) => {
      const input = el('input', { type: 'radio', name: 'period', id: `period-${d}`, value: String(d), checked: d === days });
      input.addEventListener('change', () => {
        days = d;
        history.replaceState(null, '', `${BASE}patients/${encodeURIComponent(patientId)}${d === 7 ? '' : `?days=${d}`}`);
        void load();
      });
      return el('span', { class: 'radio' }, input, el('label', { for: `period-${d}` }, `${d} days`));
    }),
  );
  const refresh = el('button', { type: 'button', class: 'button secondary' }, 'Refresh');
  refresh.addEventListener('click', () => void load());

  root.append(
    el(
      'section',
      { class: 'patient-view', 'aria-labelledby': 'patient-heading' },
      el('p', { class: 'back' }, el('a', { href: BASE, 'data-link': true }, '← Worklist')),
      el('div', { class: 'view-head' }, el('h1', { id: 'patient-heading' }, `Patient ${patientId}`), el('div', { class: 'toolbar' }, period, refresh)),
      status,
      error,
      profileBox,
      alertsBox,
      contactsBox,
      el('h2', { class: 'visually-hidden' }, 'Trends'),
      grid,
    ),
  );

  function destroyCharts(): void {
    for (const c of charts) c.destroy();
    charts = [];
  }

  function renderProfile(p: PatientProfileView | null, latest: RiskPoint | null, now: number): void {
    profileBox.replaceChildren(el('h2', { id: 'profile-heading' }, 'Profile'));
    if (!p) {
      profileBox.append(el('p', { class: 'empty' }, 'The profile could not be loaded.'));
      return;
    }
    const row = (term: string, ...value: (Node | string | null)[]) => [el('div', { class: 'profile-item' }, el('dt', {}, term), el('dd', {}, ...value))];
    const conditions = p.conditions.length ? p.conditions.map((c) => CONDITION_LABEL[c] ?? c).join(', ') : 'None recorded';
    const scale = p.news2SpO2Scale === 2 ? 'Scale 2 (target 88–92%, for hypercapnic respiratory failure)' : 'Scale 1 (standard: 96% and above scores 0)';
    let lastCheckIn: (Node | string)[] = ['None in the last 90 days'];
    if (latest) {
      const overdueMs = now - Date.parse(latest.recordedAt) - p.expectedCheckInIntervalHours * 3_600_000;
      lastCheckIn = [
        el('time', { datetime: latest.recordedAt }, `${formatDateTime(latest.recordedAt)} (${timeAgo(latest.recordedAt, now)})`),
        overdueMs > 0 ? el('span', { class: 'overdue' }, el('span', { 'aria-hidden': 'true' }, '⚠'), ' Overdue') : '',
      ];
    }
    const lvl = latest ? levelOf(latest.level) : null;
    profileBox.append(
      el(
        'dl',
        { class: 'profile-list' },
        ...row('Conditions', el('span', { 'data-field': 'conditions' }, conditions)),
        ...row('Care team', p.careTeamId),
        ...row('Worklist', worklistLine),
        ...row('Dry weight', p.dryWeightKg !== undefined ? `${p.dryWeightKg} kg` : 'Not set'),
        ...row('NEWS2 SpO2', scale),
        ...row('Expected check-in', `Every ${formatHours(p.expectedCheckInIntervalHours)}`),
        ...row('Last check-in', ...lastCheckIn),
        ...row(
          'Latest risk',
          latest && lvl
            ? el('span', { class: `level level-${latest.level}` }, el('span', { 'aria-hidden': 'true' }, lvl.icon), ` ${lvl.label} · score ${latest.score}`)
            : 'No score yet',
        ),
        ...(p.status === 'discharged' ? row('Status', el('strong', {}, 'Discharged')) : []),
      ),
    );
  }

  function chartOf(
    spec: ChartSpec,
    series: Map<string, ObservationPoint[]>,
    profile: PatientProfileView | null,
    common: Pick<ChartDef, 'from' | 'to' | 'alerts'>,
    alertColumn: ChartDef['extraColumns'],
  ): RenderedChart {
    const all = [...spec.series, ...(spec.tableOnly ?? [])];
    const refLines = [...(spec.refLines ?? []), ...profileLines(spec.id, profile)];
    return renderChart({
      ...common,
      id: spec.id,
      title: spec.title,
      unit: spec.unit,
      decimals: spec.decimals,
      yFixed: spec.yFixed,
      yInclude: spec.yInclude,
      yTicks: spec.yTicks,
      refLines,
      series: all.map((m) => ({
        label: m.label,
        color: m.color,
        dash: m.dash,
        points: toPoints(series.get(m.metric) ?? []),
        tableOnly: !spec.series.includes(m),
      })),
      format: (i, v) => valueWords(all[i].metric, v),
      notes: (spec.tableOnly ?? []).flatMap((m) => {
        const yes = (series.get(m.metric) ?? []).filter((p) => p.value > 0);
        return yes.length ? [`${m.label} reported: ${yes.map((p) => formatDateTime(p.recordedAt)).join(', ')}.`] : [];
      }),
      extraColumns: alertColumn,
    });
  }

  /** The alert just acknowledged or resolved here: the focus goes back to it after the redraw. */
  let focusAlert: string | null = null;

  function renderAlerts(alerts: AlertView[]): void {
    const items = alerts.slice(0, 10).map((a) => {
      const sev = severityOf(a.severity);
      return el(
        'li',
        { class: `patient-alert sev-${a.severity}`, 'data-alert-id': a.alertId, 'data-status': a.status, tabindex: '-1' },
        el('span', { class: 'sev-badge' }, el('span', { class: 'sev-icon', 'aria-hidden': 'true' }, sev.icon), ` ${sev.label}`),
        ' ',
        el('time', { datetime: a.triggeredAt }, formatDateTime(a.triggeredAt)),
        ` · ${STATUS_LABEL[a.status]} · `,
        el('span', { class: 'summary' }, a.summary),
        el('ul', { class: 'reasons', 'aria-label': 'Reasons' }, ...reasonLines(a.reasons).map((r) => el('li', {}, r))),
        ...lifecycleLines(a).map((l) => el('p', { class: 'status-line' }, l)),
        alertActions(app, a, (id) => {
          focusAlert = id;
          void load();
        }),
      );
    });
    alertsBox.replaceChildren(el('h2', { id: 'patient-alerts-heading' }, 'Alerts in this period'));
    if (!items.length) alertsBox.append(el('p', { class: 'empty' }, 'No alerts in this period.'));
    else {
      alertsBox.append(
        el('ul', { class: 'patient-alert-list' }, ...items),
        el(
          'p',
          { class: 'hint' },
          'Alerts are marked on the charts as vertical dashed lines with the severity shape (▲ critical, ◆ high, ● medium); thresholds are horizontal grey dashed lines.',
        ),
      );
    }
    if (focusAlert) {
      const li = alertsBox.querySelector<HTMLElement>(`li[data-alert-id="${CSS.escape(focusAlert)}"]`);
      (li?.querySelector<HTMLElement>('button') ?? li)?.focus();
      focusAlert = null;
    }
  }

  async function load(): Promise<void> {
    const gen = ++generation;
    const to = new Date(Date.now() + 5 * 60_000);
    const from = new Date(to.getTime() - days * DAY);
    status.textContent = 'Loading…';
    error.textContent = '';
    const api = app.api;
    const [profileR, latestR, riskR, alertsR, ...seriesR] = await Promise.allSettled([
      api.patient(patientId),
      api.latestRisk(patientId),
      api.risk(patientId, from, to),
      api.listAlerts({ status: 'open,acknowledged,resolved', patientId, limit: 200 }),
      ...CHART_METRICS.map((m) => api.observations(patientId, m, from, to)),
    ]);
    if (gen !== generation) return;
    const failed = [profileR, latestR, riskR, alertsR, ...seriesR].find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) error.textContent = `Some data could not be loaded: ${describeError(failed.reason)}`;
    const val = <T>(r: PromiseSettledResult<T>, empty: T): T => (r.status === 'fulfilled' ? r.value : empty);
    const profile = val<PatientProfileView | null>(profileR, null);
    const series = new Map(CHART_METRICS.map((m, i) => [m, val<ObservationPoint[]>(seriesR[i], [])]));
    const risk = liveModel(val<RiskPoint[]>(riskR, []));
    const alerts = val<{ items: AlertView[] }>(alertsR, { items: [] }).items.filter((a) => {
      const t = Date.parse(a.triggeredAt);
      return t >= from.getTime() && t < to.getTime();
    });
    const marks: AlertMark[] = alerts.map((a) => ({ at: Date.parse(a.triggeredAt), severity: a.severity, text: a.summary }));
    const riskAt = new Map(risk.map((r) => [Date.parse(r.recordedAt), r]));
    const alertAt = (t: number) =>
      alerts
        .filter((a) => Math.abs(Date.parse(a.triggeredAt) - t) < 60_000)
        .map((a) => `${severityOf(a.severity).label} alert`)
        .join(', ');

    renderProfile(profile, val<RiskPoint | null>(latestR, null), Date.now());
    drawWorklistLine();
    renderAlerts(alerts);
    contacts.setAlerts(val<{ items: AlertView[] }>(alertsR, { items: [] }).items);
    destroyCharts();
    const common = { from: from.getTime(), to: to.getTime(), alerts: marks };
    const alertColumn = [{ header: 'Alert', value: alertAt }];
    const counts = new Map([...series].map(([m, pts]) => [m, pts.length]));
    charts = [
      renderChart({
        ...common,
        id: 'risk',
        title: 'Risk score',
        unit: 'points',
        yFixed: [0, 100],
        series: [{ label: 'Risk score', color: '#b71c1c', points: risk.map((r): [number, number] => [Date.parse(r.recordedAt), r.score]) }],
        extraColumns: [
          { header: 'Level', value: (t) => riskAt.get(t)?.level ?? '' },
          { header: 'Why', value: (t) => reasonLines(riskAt.get(t)?.factors ?? []).join(' ') },
          ...alertColumn,
        ],
      }),
      ...chartPlan(profile, counts).map((spec) => chartOf(spec, series, profile, common, alertColumn)),
    ];
    grid.replaceChildren(...charts.map((c) => c.figure));
    status.textContent = `Showing the last ${days} days, up to ${formatDateTime(to)}.`;
    grid.dataset['loaded'] = 'true';
  }

  // A recorded contact may resolve alerts: read them (and the charts' marks) again.
  const contacts = renderContactsPanel(contactsBox, app, patientId, () => void load());
  const unsubscribe = app.worklist.subscribe(drawWorklistLine);
  app.onLeave(() => {
    generation++;
    unsubscribe();
    destroyCharts();
  });
  void load();
}
