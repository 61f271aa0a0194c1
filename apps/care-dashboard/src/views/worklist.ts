import { CONDITION_LABEL, el, formatDateTime } from '../format';
import type { App } from '../main';
import type { WorklistEntryView } from '../types';
import { checkInText, lastContactText, openAlertsText, priorityOf, reasonTexts, snoozeText } from '../worklist-format';
import { isSnoozed } from '../worklist-store';
import { trendSvg } from './trend-svg';

const BASE = import.meta.env.BASE_URL;
/** Rows drawn at first (and added per "Show more"): a team of 2,000 stays quick to redraw. */
const PAGE_ROWS = 100;

/** The home view: the caller's teams' patients, who to contact first, live over the worklist stream. */
export function renderWorklistView(root: HTMLElement, app: App): void {
  document.title = 'Worklist · Vigil care dashboard';
  const params = new URLSearchParams(window.location.search);
  const teams = app.session.claims.teams;
  let team = params.get('team') ?? '';
  if (team && !teams.includes(team)) team = '';
  let shown = PAGE_ROWS;

  const teamSelect = el(
    'select',
    { id: 'worklist-team', name: 'team' },
    el('option', { value: '' }, teams.length > 1 ? `All my teams (${teams.length})` : 'All my teams'),
    ...teams.map((t) => el('option', { value: t }, `Team ${t}`)),
  );
  teamSelect.value = team;
  const counts = el('p', { id: 'worklist-counts', class: 'counts' });
  const status = el('p', { class: 'loading', role: 'status' });
  const list = el('ol', { id: 'worklist', class: 'worklist', 'aria-labelledby': 'worklist-heading', 'aria-describedby': 'worklist-order' });
  const empty = el('p', { class: 'empty', hidden: true });
  const more = el('button', { type: 'button', class: 'button secondary', hidden: true }, 'Show more patients');

  root.append(
    el(
      'section',
      { class: 'worklist-view', 'aria-labelledby': 'worklist-heading' },
      el('div', { class: 'view-head' }, el('h1', { id: 'worklist-heading' }, 'Worklist'), counts),
      el(
        'form',
        { class: 'filters', role: 'search', 'aria-label': 'Filter the worklist' },
        el('div', { class: 'field' }, el('label', { for: 'worklist-team' }, 'Team'), teamSelect),
        el('p', { class: 'hint filters-link' }, el('a', { href: `${BASE}alerts`, 'data-link': true }, 'See every alert →')),
      ),
      el(
        'p',
        { id: 'worklist-order', class: 'hint' },
        'Who needs contact first: highest priority first, snoozed patients last. Updates live. Arrow keys move between patients.',
      ),
      status,
      list,
      empty,
      more,
    ),
  );

  teamSelect.addEventListener('change', () => {
    team = teamSelect.value;
    shown = PAGE_ROWS;
    history.replaceState(null, '', `${BASE}${team ? `?team=${encodeURIComponent(team)}` : ''}`);
    schedule();
  });
  more.addEventListener('click', () => {
    shown += PAGE_ROWS;
    schedule();
  });

  // Up and down arrows move between the rows' patient links (Tab goes through every control).
  list.addEventListener('keydown', (e) => {
    if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
    const links = [...list.querySelectorAll<HTMLAnchorElement>('a.wl-patient')];
    const at = links.findIndex((a) => a.closest('li')?.contains(document.activeElement));
    if (at < 0) return;
    const next = links[at + (e.key === 'ArrowDown' ? 1 : -1)];
    if (next) {
      e.preventDefault();
      next.focus();
    }
  });

  function renderRow(e: WorklistEntryView, index: number, now: number): HTMLLIElement {
    const prio = priorityOf(e.level);
    const snoozed = isSnoozed(e, now);
    const titleId = `wl-${e.patientId}-title`;
    const reasons = reasonTexts(e);
    const alertsText = openAlertsText(e);
    const snooze = snoozeText(e, now);
    const conditions = e.conditions.length ? e.conditions.map((c) => CONDITION_LABEL[c] ?? c).join(', ') : 'No conditions recorded';
    const fact = (term: string, field: string, ...value: (Node | string)[]) =>
      el('div', { class: 'wl-fact' }, el('dt', {}, term), el('dd', { 'data-field': field }, ...value));
    return el(
      'li',
      {
        class: `wl-row prio-${e.level}${snoozed ? ' is-snoozed' : ''}`,
        'data-patient-id': e.patientId,
        'data-level': e.level,
        'data-priority': String(e.priority),
        'data-snoozed': String(snoozed),
        'data-version': String(e.version),
        'aria-labelledby': titleId,
      },
      el(
        'div',
        { class: 'wl-priority' },
        el('span', { class: 'prio-badge' }, el('span', { class: 'prio-icon', 'aria-hidden': 'true' }, prio.icon), ` ${prio.label}`),
        el('span', { class: 'prio-score', title: 'Priority, 0-100' }, el('span', { class: 'visually-hidden' }, 'priority '), String(e.priority)),
      ),
      el(
        'div',
        { class: 'wl-main' },
        el(
          'h2',
          { class: 'wl-title', id: titleId },
          el('span', { class: 'visually-hidden' }, `${index + 1}. ${prio.label} priority${prio.hint ? ` (${prio.hint})` : ''}: `),
          el(
            'a',
            { class: 'wl-patient', href: `${BASE}patients/${encodeURIComponent(e.patientId)}`, 'data-link': true, 'data-focus-key': `patient:${e.patientId}` },
            `Patient ${e.patientId}`,
          ),
        ),
        el('p', { class: 'wl-conditions', 'data-field': 'conditions' }, conditions, el('span', { class: 'wl-team' }, ` · Team ${e.careTeamId}`)),
        reasons.length ? el('ul', { class: 'reasons', 'aria-label': 'Why', 'data-field': 'reasons' }, ...reasons.map((r) => el('li', {}, r))) : null,
        alertsText ? el('p', { class: 'wl-alerts', 'data-field': 'alerts' }, el('span', { 'aria-hidden': 'true' }, '⚑ '), alertsText) : null,
        snooze
          ? el(
              'p',
              { class: `wl-snooze${snoozed ? '' : ' is-broken'}`, 'data-field': 'snooze' },
              el('span', { 'aria-hidden': 'true' }, snoozed ? '‖ ' : '⚠ '),
              snooze,
            )
          : null,
      ),
      el(
        'dl',
        { class: 'wl-facts' },
        fact(
          'Last check-in',
          'last-check-in',
          e.lastCheckInAt ? el('time', { datetime: e.lastCheckInAt, title: formatDateTime(e.lastCheckInAt) }, checkInText(e, now)) : checkInText(e, now),
        ),
        fact(
          'Last contact',
          'last-contact',
          e.lastContact
            ? el('time', { datetime: e.lastContact.at, title: formatDateTime(e.lastContact.at) }, lastContactText(e, now))
            : lastContactText(e, now),
        ),
      ),
      el('div', { class: 'wl-trend' }, el('span', { class: 'wl-trend-label', 'aria-hidden': 'true' }, 'Risk trend'), trendSvg(e.trend)),
    );
  }

  let frame: number | null = null;
  function schedule(): void {
    if (frame === null) frame = window.requestAnimationFrame(draw);
  }

  function draw(): void {
    frame = null;
    const now = Date.now();
    const all = app.worklist.ordered(now, team || undefined);
    const rows = all.slice(0, shown);
    // Rows re-sort live: keep keyboard focus on the same patient's link (or the same place).
    const active = document.activeElement as HTMLElement | null;
    const focusKey = active && list.contains(active) ? active.dataset['focusKey'] : undefined;
    const oldIndex = focusKey ? [...list.children].findIndex((li) => li.contains(active)) : -1;
    list.replaceChildren(...rows.map((e, i) => renderRow(e, i, now)));
    if (focusKey) {
      const same = list.querySelector<HTMLElement>(`[data-focus-key="${CSS.escape(focusKey)}"]`);
      const place = list.children[Math.min(oldIndex, list.children.length - 1)]?.querySelector<HTMLElement>('a');
      (same ?? place ?? (document.getElementById('worklist-heading') as HTMLElement | null))?.focus();
    }
    const urgent = all.filter((e) => e.level === 'urgent' && !isSnoozed(e, now)).length;
    const snoozedN = all.filter((e) => isSnoozed(e, now)).length;
    counts.textContent = `${all.length} patient${all.length === 1 ? '' : 's'} · ${urgent} urgent · ${snoozedN} snoozed`;
    status.textContent = app.worklist.loaded ? '' : 'Loading the worklist…';
    list.dataset['loaded'] = String(app.worklist.loaded);
    empty.hidden = !app.worklist.loaded || all.length > 0;
    empty.textContent = 'No active patients in these teams.';
    more.hidden = all.length <= shown;
    more.textContent = `Show more patients (${all.length - shown} more)`;
  }

  const unsubscribe = app.worklist.subscribe(schedule);
  // Snoozes end and "3 h ago" ages while the page stays open.
  const tick = window.setInterval(schedule, 30_000);
  app.onLeave(() => {
    unsubscribe();
    window.clearInterval(tick);
    if (frame !== null) window.cancelAnimationFrame(frame);
  });
  draw();
}
