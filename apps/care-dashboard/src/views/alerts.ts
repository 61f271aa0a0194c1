import { describeError } from '../api';
import { el, formatDateTime, lifecycleLines, reasonLines, severityOf, STATUS_LABEL, timeAgo } from '../format';
import type { App } from '../main';
import { compareAlerts, type AlertItem } from '../store';
import type { AlertStatus } from '../types';

const BASE = import.meta.env.BASE_URL;
/** How long a newly arrived alert is highlighted (the `arrive` animation in styles.css). */
const ARRIVAL_HIGHLIGHT_MS = 2500;

const STATUS_FILTERS: { value: string; label: string; statuses: AlertStatus[] }[] = [
  { value: 'active', label: 'Needs action or acknowledged', statuses: ['open', 'acknowledged'] },
  { value: 'open', label: 'Needs action', statuses: ['open'] },
  { value: 'acknowledged', label: 'Acknowledged', statuses: ['acknowledged'] },
  { value: 'resolved', label: 'Resolved (last 90 days)', statuses: ['resolved'] },
  { value: 'all', label: 'All', statuses: ['open', 'acknowledged', 'resolved'] },
];

interface ItemState {
  pending?: 'acknowledge' | 'resolve';
  error?: string;
}

export function renderAlertsView(root: HTMLElement, app: App): void {
  document.title = 'Alerts · Vigil care dashboard';
  const params = new URLSearchParams(window.location.search);
  const teams = app.session.claims.teams;
  let team = params.get('team') ?? '';
  if (team && !teams.includes(team)) team = '';
  let statusFilter = STATUS_FILTERS.find((f) => f.value === params.get('status')) ?? STATUS_FILTERS[0];
  const itemState = new Map<string, ItemState>();
  /** What is typed in each alert's note field: kept across redraws, sent with the next acknowledge or resolve. */
  const notes = new Map<string, string>();
  /** nextCursor per loaded status set ('' = exhausted). */
  const cursors = new Map<string, string | null>();

  const teamSelect = el(
    'select',
    { id: 'filter-team', name: 'team' },
    el('option', { value: '' }, teams.length > 1 ? `All my teams (${teams.length})` : 'All my teams'),
    ...teams.map((t) => el('option', { value: t }, `Team ${t}`)),
  );
  teamSelect.value = team;
  const statusSelect = el('select', { id: 'filter-status', name: 'status' }, ...STATUS_FILTERS.map((f) => el('option', { value: f.value }, f.label)));
  statusSelect.value = statusFilter.value;

  const counts = el('p', { id: 'alert-counts', class: 'counts', 'aria-live': 'polite' });
  const listError = el('p', { class: 'form-error', role: 'alert' });
  const list = el('ol', { id: 'alert-list', class: 'alert-list', 'aria-labelledby': 'alerts-heading', 'aria-describedby': 'alert-order' });
  const empty = el('p', { class: 'empty', hidden: true });
  const more = el('button', { type: 'button', class: 'button secondary', hidden: true }, 'Load older alerts');

  root.append(
    el(
      'section',
      { class: 'alerts-view', 'aria-labelledby': 'alerts-heading' },
      el('div', { class: 'view-head' }, el('h1', { id: 'alerts-heading' }, 'Alerts'), counts),
      el(
        'form',
        { class: 'filters', role: 'search', 'aria-label': 'Filter alerts' },
        el('div', { class: 'field' }, el('label', { for: 'filter-team' }, 'Team'), teamSelect),
        el('div', { class: 'field' }, el('label', { for: 'filter-status' }, 'Status'), statusSelect),
      ),
      el('p', { id: 'alert-order', class: 'hint' }, 'Most severe first, then newest first.'),
      listError,
      list,
      empty,
      more,
    ),
  );

  const visible = (): AlertItem[] =>
    app.store
      .all()
      .filter((a) => !a.partial && statusFilter.statuses.includes(a.status) && (!team || a.careTeamId === team))
      .sort(compareAlerts);

  const key = () => statusFilter.statuses.join(',');

  async function load(cursor?: string): Promise<void> {
    const k = key();
    listError.textContent = '';
    try {
      const next = await app.loadAlerts(statusFilter.statuses, cursor);
      cursors.set(k, next);
    } catch (e) {
      listError.textContent = `The alert list could not be loaded: ${describeError(e)}`;
    }
    schedule();
  }

  function updateUrl(): void {
    const p = new URLSearchParams();
    if (team) p.set('team', team);
    if (statusFilter.value !== 'active') p.set('status', statusFilter.value);
    const q = p.toString();
    history.replaceState(null, '', `${BASE}alerts${q ? `?${q}` : ''}`);
  }

  teamSelect.addEventListener('change', () => {
    team = teamSelect.value;
    updateUrl();
    schedule();
  });
  statusSelect.addEventListener('change', () => {
    statusFilter = STATUS_FILTERS.find((f) => f.value === statusSelect.value) ?? STATUS_FILTERS[0];
    updateUrl();
    if (!cursors.has(key())) void load();
    schedule();
  });
  more.addEventListener('click', () => {
    const c = cursors.get(key());
    if (c) void load(c);
  });

  async function act(a: AlertItem, action: 'acknowledge' | 'resolve'): Promise<void> {
    // (aria-disabled, not disabled: a disabled button drops the keyboard focus)
    if (itemState.get(a.alertId)?.pending) return;
    itemState.set(a.alertId, { pending: action });
    schedule();
    const note = notes.get(a.alertId)?.trim() || undefined;
    try {
      const v = await app.api.transition(a.alertId, action, note);
      itemState.delete(a.alertId);
      notes.delete(a.alertId);
      app.store.putViews([{ ...v, ...(note ? { [action === 'acknowledge' ? 'acknowledgedNote' : 'resolvedNote']: note } : {}) }]);
      app.announce(`Alert for patient ${a.patientId} ${action === 'acknowledge' ? 'acknowledged' : 'resolved'}.`);
    } catch (e) {
      itemState.set(a.alertId, { error: `Could not ${action}: ${describeError(e)}` });
      schedule();
    }
  }

  function renderItem(a: AlertItem, now: number): HTMLLIElement {
    const sev = severityOf(a.severity);
    const st = itemState.get(a.alertId) ?? {};
    const titleId = `alert-${a.alertId}-title`;
    const reasons = reasonLines(a.reasons);
    const actions = el('div', { class: 'actions' });
    if (a.status !== 'resolved') {
      const noteId = `note-${a.alertId}`;
      const input = el('input', {
        type: 'text',
        id: noteId,
        class: 'note-input',
        maxlength: '500',
        autocomplete: 'off',
        'data-focus-key': `note:${a.alertId}`,
        'aria-describedby': titleId,
      });
      input.value = notes.get(a.alertId) ?? '';
      input.addEventListener('input', () => notes.set(a.alertId, input.value));
      input.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') {
          e.preventDefault();
          void act(a, a.status === 'open' ? 'acknowledge' : 'resolve');
        }
      });
      actions.append(el('div', { class: 'field note-field' }, el('label', { for: noteId }, 'Note (optional)'), input));
    }
    if (a.status === 'open') {
      const ack = el(
        'button',
        {
          type: 'button',
          class: 'button primary',
          'data-action': 'acknowledge',
          'data-focus-key': `acknowledge:${a.alertId}`,
          'aria-describedby': titleId,
          'aria-disabled': st.pending ? 'true' : undefined,
        },
        st.pending === 'acknowledge' ? 'Acknowledging…' : 'Acknowledge',
      );
      ack.addEventListener('click', () => void act(a, 'acknowledge'));
      actions.append(ack);
    }
    if (a.status !== 'resolved') {
      const res = el(
        'button',
        {
          type: 'button',
          class: 'button secondary',
          'data-action': 'resolve',
          'data-focus-key': `resolve:${a.alertId}`,
          'aria-describedby': titleId,
          'aria-disabled': st.pending ? 'true' : undefined,
        },
        st.pending === 'resolve' ? 'Resolving…' : 'Resolve',
      );
      res.addEventListener('click', () => void act(a, 'resolve'));
      actions.append(res);
    }
    const statusLine = lifecycleLines(a);
    const sinceArrival = a.arrivedAt === undefined ? Infinity : now - a.arrivedAt;
    const li = el(
      'li',
      {
        class: `alert sev-${a.severity} status-${a.status}${sinceArrival < ARRIVAL_HIGHLIGHT_MS ? ' is-new' : ''}`,
        'data-alert-id': a.alertId,
        'data-patient-id': a.patientId,
        'data-status': a.status,
        'data-severity': a.severity,
      },
      el(
        'div',
        { class: 'alert-head' },
        el('span', { class: 'sev-badge' }, el('span', { class: 'sev-icon', 'aria-hidden': 'true' }, sev.icon), ` ${sev.label}`),
        el(
          'h2',
          { class: 'alert-title', id: titleId },
          el('span', { class: 'visually-hidden' }, `${sev.label} alert: `),
          el(
            'a',
            { href: `${BASE}patients/${encodeURIComponent(a.patientId)}`, 'data-link': true, 'data-focus-key': `patient:${a.alertId}` },
            `Patient ${a.patientId}`,
          ),
        ),
        el('span', { class: `status-badge status-${a.status}` }, STATUS_LABEL[a.status]),
      ),
      a.summary ? el('p', { class: 'summary' }, a.summary) : null,
      reasons.length ? el('ul', { class: 'reasons', 'aria-label': 'Reasons' }, ...reasons.map((r) => el('li', {}, r))) : null,
      el(
        'p',
        { class: 'meta' },
        el('time', { datetime: a.triggeredAt, title: formatDateTime(a.triggeredAt) }, `${timeAgo(a.triggeredAt, now)} (${formatDateTime(a.triggeredAt)})`),
        ` · Team ${a.careTeamId}`,
        a.score ? ` · Risk score ${a.score}${a.level ? ` (${a.level})` : ''}` : '',
      ),
      ...statusLine.map((l) => el('p', { class: 'status-line' }, l)),
      st.error ? el('p', { class: 'form-error', role: 'alert' }, st.error) : null,
      actions.childElementCount ? actions : null,
    );
    // A redraw recreates the item: the highlight goes on where it was instead of starting again.
    if (sinceArrival < ARRIVAL_HIGHLIGHT_MS) li.style.animationDelay = `-${sinceArrival}ms`;
    return li;
  }

  let frame: number | null = null;
  function schedule(): void {
    if (frame === null) frame = window.requestAnimationFrame(draw);
  }

  function draw(): void {
    frame = null;
    const items = visible();
    // Keep keyboard focus on the same control (or the same alert, or the same place) across redraws.
    const active = document.activeElement as HTMLElement | null;
    const focusKey = active && list.contains(active) ? active.dataset['focusKey'] : undefined;
    const caret = active instanceof HTMLInputElement ? [active.selectionStart, active.selectionEnd] : null;
    const focusAlert = focusKey?.split(':').slice(1).join(':');
    const oldIndex = focusAlert ? [...list.children].findIndex((li) => (li as HTMLElement).dataset['alertId'] === focusAlert) : -1;

    const now = Date.now();
    list.replaceChildren(...items.map((a) => renderItem(a, now)));

    if (focusKey) {
      const same = list.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      const li = list.querySelector<HTMLElement>(`li[data-alert-id="${CSS.escape(focusAlert ?? '')}"]`);
      const sameAlert = li?.querySelector<HTMLElement>('button') ?? li?.querySelector<HTMLElement>('a');
      const place = list.children[Math.min(oldIndex, list.children.length - 1)];
      const samePlace = place?.querySelector<HTMLElement>('button') ?? place?.querySelector<HTMLElement>('a');
      (same ?? sameAlert ?? samePlace ?? (document.getElementById('alerts-heading') as HTMLElement | null))?.focus();
      if (same instanceof HTMLInputElement && caret) same.setSelectionRange(caret[0], caret[1]);
    }

    const inTeam = app.store.all().filter((a) => !a.partial && (!team || a.careTeamId === team));
    const open = inTeam.filter((a) => a.status === 'open').length;
    const acked = inTeam.filter((a) => a.status === 'acknowledged').length;
    counts.textContent = `${open} need${open === 1 ? 's' : ''} action · ${acked} acknowledged`;
    empty.hidden = items.length > 0;
    empty.textContent =
      statusFilter.value === 'active' || statusFilter.value === 'open'
        ? 'Nothing needs doing right now. New alerts appear here as they arrive.'
        : 'No alerts match these filters.';
    more.hidden = !cursors.get(key());
  }

  const unsubscribe = app.store.subscribe(schedule);
  const tick = window.setInterval(schedule, 30_000);
  app.onLeave(() => {
    unsubscribe();
    window.clearInterval(tick);
    if (frame !== null) window.cancelAnimationFrame(frame);
  });
  // The default list is loaded by the app once the stream holds its position; other filters here.
  if (statusFilter.value !== 'active') void load();
  draw();
}
