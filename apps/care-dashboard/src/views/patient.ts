import { describeError } from '../api';
import { type AlertMark, renderChart, type RenderedChart } from '../charts';
import { el, formatDateTime, reasonLines, severityOf, STATUS_LABEL } from '../format';
import type { App } from '../main';
import type { AlertView, ObservationPoint, RiskPoint } from '../types';

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
  const error = el('p', { class: 'form-error', role: 'alert' });
  const alertsBox = el('section', { class: 'patient-alerts', 'aria-labelledby': 'patient-alerts-heading' });
  const grid = el('div', { class: 'chart-grid', id: 'charts' });

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
      el('p', { class: 'back' }, el('a', { href: BASE, 'data-link': true }, '← All alerts')),
      el('div', { class: 'view-head' }, el('h1', { id: 'patient-heading' }, `Patient ${patientId}`), el('div', { class: 'toolbar' }, period, refresh)),
      status,
      error,
      alertsBox,
      el('h2', { class: 'visually-hidden' }, 'Trends'),
      grid,
    ),
  );

  function destroyCharts(): void {
    for (const c of charts) c.destroy();
    charts = [];
  }

  function renderAlerts(alerts: AlertView[]): void {
    const items = alerts.slice(0, 10).map((a) => {
      const sev = severityOf(a.severity);
      return el(
        'li',
        { class: `patient-alert sev-${a.severity}`, 'data-alert-id': a.alertId, 'data-status': a.status },
        el('span', { class: 'sev-badge' }, el('span', { class: 'sev-icon', 'aria-hidden': 'true' }, sev.icon), ` ${sev.label}`),
        ' ',
        el('time', { datetime: a.triggeredAt }, formatDateTime(a.triggeredAt)),
        ` · ${STATUS_LABEL[a.status]} · `,
        el('span', { class: 'summary' }, a.summary),
        el('ul', { class: 'reasons', 'aria-label': 'Reasons' }, ...reasonLines(a.reasons).map((r) => el('li', {}, r))),
      );
    });
    alertsBox.replaceChildren(el('h2', { id: 'patient-alerts-heading' }, 'Alerts in this period'));
    if (!items.length) alertsBox.append(el('p', { class: 'empty' }, 'No alerts in this period.'));
    else {
      alertsBox.append(
        el('ul', { class: 'patient-alert-list' }, ...items),
        el('p', { class: 'hint' }, 'Alerts are marked on the charts as dashed lines with the severity shape (▲ critical, ◆ high, ● medium).'),
      );
    }
  }

  async function load(): Promise<void> {
    const gen = ++generation;
    const to = new Date(Date.now() + 5 * 60_000);
    const from = new Date(to.getTime() - days * DAY);
    status.textContent = 'Loading…';
    error.textContent = '';
    const api = app.api;
    const settled = await Promise.allSettled([
      api.observations(patientId, 'weightKg', from, to),
      api.observations(patientId, 'systolicBp', from, to),
      api.observations(patientId, 'diastolicBp', from, to),
      api.observations(patientId, 'spo2', from, to),
      api.risk(patientId, from, to),
      api.listAlerts({ status: 'open,acknowledged,resolved', patientId, limit: 200 }),
    ]);
    if (gen !== generation) return;
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) error.textContent = `Some data could not be loaded: ${describeError(failed.reason)}`;
    const val = <T>(i: number, empty: T): T => (settled[i].status === 'fulfilled' ? (settled[i] as PromiseFulfilledResult<T>).value : empty);
    const weight = val<ObservationPoint[]>(0, []);
    const sys = val<ObservationPoint[]>(1, []);
    const dia = val<ObservationPoint[]>(2, []);
    const spo2 = val<ObservationPoint[]>(3, []);
    const risk = liveModel(val<RiskPoint[]>(4, []));
    const alerts = val<{ items: AlertView[] }>(5, { items: [] }).items.filter((a) => {
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

    renderAlerts(alerts);
    destroyCharts();
    const common = { from: from.getTime(), to: to.getTime(), alerts: marks };
    const alertColumn = { header: 'Alert', value: alertAt };
    charts = [
      renderChart({ ...common, id: 'weight', title: 'Weight', unit: 'kg', decimals: 1, series: [{ label: 'Weight', color: '#1f5fa8', points: toPoints(weight) }], extraColumns: [alertColumn] }),
      renderChart({
        ...common,
        id: 'blood-pressure',
        title: 'Blood pressure',
        unit: 'mmHg',
        series: [
          { label: 'Systolic', color: '#7b1fa2', points: toPoints(sys) },
          { label: 'Diastolic', color: '#00796b', points: toPoints(dia), dash: [6, 3] },
        ],
        extraColumns: [alertColumn],
      }),
      renderChart({ ...common, id: 'spo2', title: 'Oxygen saturation (SpO2)', unit: '%', yInclude: [88, 100], series: [{ label: 'SpO2', color: '#0d47a1', points: toPoints(spo2) }], extraColumns: [alertColumn] }),
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
          alertColumn,
        ],
      }),
    ];
    grid.replaceChildren(...charts.map((c) => c.figure));
    status.textContent = `Showing the last ${days} days, up to ${formatDateTime(to)}.`;
    grid.dataset['loaded'] = 'true';
  }

  app.onLeave(() => {
    generation++;
    destroyCharts();
  });
  void load();
}
