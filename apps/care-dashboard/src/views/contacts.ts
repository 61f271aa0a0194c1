import { describeError } from '../api';
import { contactRequest, newContactId, nextContactRange } from '../contact-form';
import { el, formatDateTime, severityOf, STATUS_LABEL } from '../format';
import type { App } from '../main';
import type { AlertView, ContactView } from '../types';
import { OUTCOME_LABEL } from '../worklist-format';

export interface ContactsPanel {
  /** The patient's alerts as the page last read them: the open and acknowledged ones can be resolved with a contact. */
  setAlerts(alerts: AlertView[]): void;
}

/**
 * The patient page's contact log (`GET /v1/patients/{id}/contacts`, newest first) and the form that
 * records a contact (outcome, note, next-contact date, alerts to resolve with it).
 */
export function renderContactsPanel(box: HTMLElement, app: App, patientId: string, onLogged: (c: ContactView) => void): ContactsPanel {
  let contacts: ContactView[] = [];
  let nextCursor: string | null = null;
  let openAlerts: AlertView[] = [];
  /** Kept across failed attempts, so a retry of the same contact is not stored twice. */
  let contactId = newContactId();
  let pending = false;

  const log = el('ol', { id: 'contact-log', class: 'contact-log', 'aria-labelledby': 'contact-log-heading' });
  const logStatus = el('p', { class: 'loading', role: 'status' }, 'Loading the contact log…');
  const older = el('button', { type: 'button', class: 'button secondary small', hidden: true }, 'Load older contacts');

  const outcome = el(
    'fieldset',
    { class: 'outcome' },
    el('legend', {}, 'Outcome'),
    ...Object.entries(OUTCOME_LABEL).map(([value, label]) =>
      el(
        'span',
        { class: 'radio' },
        el('input', { type: 'radio', name: 'outcome', id: `outcome-${value}`, value }),
        el('label', { for: `outcome-${value}` }, label),
      ),
    ),
  );
  const note = el('textarea', { id: 'contact-note', name: 'note', rows: '3', maxlength: '2000', autocomplete: 'off' });
  const range = nextContactRange(new Date());
  const nextDate = el('input', {
    type: 'date',
    id: 'contact-next',
    name: 'nextContact',
    min: range.min,
    max: range.max,
    'aria-describedby': 'contact-next-hint',
  });
  const resolveBox = el('fieldset', { class: 'resolve-choice', id: 'contact-resolve' });
  const formError = el('p', { class: 'form-error', role: 'alert' });
  const submit = el('button', { type: 'submit', class: 'button primary' }, 'Record contact');
  const form = el(
    'form',
    { class: 'contact-form', 'aria-labelledby': 'contact-form-heading', novalidate: true },
    el('h3', { id: 'contact-form-heading' }, 'Record a contact'),
    outcome,
    el('div', { class: 'field' }, el('label', { for: 'contact-note' }, 'Note (optional)'), note),
    el(
      'div',
      { class: 'field' },
      el('label', { for: 'contact-next' }, 'Next contact (optional)'),
      nextDate,
      el('p', { id: 'contact-next-hint', class: 'hint' }, 'The patient leaves the top of the worklist until that day, unless something new and worse arrives.'),
    ),
    resolveBox,
    formError,
    submit,
  );

  box.replaceChildren(
    el('h2', { id: 'contacts-heading' }, 'Contacts'),
    el(
      'div',
      { class: 'contacts-grid' },
      form,
      el('div', { class: 'contact-log-box' }, el('h3', { id: 'contact-log-heading' }, 'Contact log'), logStatus, log, older),
    ),
  );

  function drawResolveChoices(): void {
    const choosable = openAlerts.filter((a) => a.status === 'open' || a.status === 'acknowledged');
    const checked = new Set([...resolveBox.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value));
    resolveBox.replaceChildren(el('legend', {}, 'Resolve with this contact'));
    if (!choosable.length) {
      resolveBox.append(el('p', { class: 'hint' }, 'No open alerts.'));
      return;
    }
    for (const a of choosable) {
      const sev = severityOf(a.severity);
      const id = `resolve-${a.alertId}`;
      resolveBox.append(
        el(
          'div',
          { class: 'check' },
          el('input', { type: 'checkbox', id, name: 'resolveAlertIds', value: a.alertId, checked: checked.has(a.alertId) }),
          el(
            'label',
            { for: id },
            el('span', { 'aria-hidden': 'true' }, `${sev.icon} `),
            `${sev.label}: ${a.summary} (${STATUS_LABEL[a.status]}, ${formatDateTime(a.triggeredAt)})`,
          ),
        ),
      );
    }
  }

  function contactItem(c: ContactView): HTMLLIElement {
    const resolved = c.resolvedAlertIds.length;
    return el(
      'li',
      { class: `contact outcome-${c.outcome}`, 'data-contact-id': c.contactId, 'data-outcome': c.outcome },
      el(
        'p',
        { class: 'contact-head' },
        el('strong', {}, OUTCOME_LABEL[c.outcome] ?? c.outcome),
        ' · ',
        el('time', { datetime: c.at }, formatDateTime(c.at)),
        ` · by ${c.by}`,
      ),
      c.note ? el('p', { class: 'contact-note' }, c.note) : null,
      c.nextContactAt ? el('p', { class: 'status-line' }, `Next contact: ${formatDateTime(c.nextContactAt)}`) : null,
      resolved ? el('p', { class: 'status-line' }, `Resolved ${resolved} alert${resolved === 1 ? '' : 's'} with this contact`) : null,
    );
  }

  function drawLog(): void {
    log.replaceChildren(...contacts.map(contactItem));
    if (!contacts.length) log.append(el('li', { class: 'empty' }, 'No contacts recorded yet.'));
    older.hidden = !nextCursor;
  }

  async function loadLog(cursor?: string): Promise<void> {
    try {
      const page = await app.api.contacts(patientId, cursor);
      const known = new Set(contacts.map((c) => c.contactId));
      contacts = [...contacts, ...page.items.filter((c) => !known.has(c.contactId))];
      nextCursor = page.nextCursor;
      logStatus.textContent = '';
    } catch (e) {
      logStatus.textContent = `The contact log could not be loaded: ${describeError(e)}`;
    }
    drawLog();
  }

  older.addEventListener('click', () => {
    if (nextCursor) void loadLog(nextCursor);
  });

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    if (pending) return;
    const chosen = form.querySelector<HTMLInputElement>('input[name="outcome"]:checked');
    const req = contactRequest(
      {
        outcome: chosen?.value ?? '',
        note: note.value,
        nextContactDate: nextDate.value,
        resolveAlertIds: [...resolveBox.querySelectorAll<HTMLInputElement>('input:checked')].map((i) => i.value),
      },
      contactId,
      new Date(),
    );
    if (!req.ok) {
      formError.textContent = req.error;
      (chosen ? nextDate : outcome.querySelector<HTMLInputElement>('input'))?.focus();
      return;
    }
    pending = true;
    formError.textContent = '';
    submit.setAttribute('aria-disabled', 'true');
    submit.textContent = 'Recording…';
    app.api
      .logContact(patientId, req.body)
      .then(
        (c) => {
          contacts = [c, ...contacts.filter((x) => x.contactId !== c.contactId)];
          drawLog();
          form.reset();
          contactId = newContactId();
          app.announce(`Contact recorded for patient ${patientId}: ${OUTCOME_LABEL[c.outcome] ?? c.outcome}.`);
          onLogged(c);
        },
        (err: unknown) => {
          formError.textContent = `The contact was not recorded: ${describeError(err)}`;
        },
      )
      .finally(() => {
        pending = false;
        submit.removeAttribute('aria-disabled');
        submit.textContent = 'Record contact';
      });
  });

  drawResolveChoices();
  void loadLog();
  return {
    setAlerts(alerts) {
      openAlerts = alerts;
      drawResolveChoices();
    },
  };
}
