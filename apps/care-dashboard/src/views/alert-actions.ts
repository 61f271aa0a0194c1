import { describeError } from '../api';
import { el } from '../format';
import type { App } from '../main';
import type { AlertView } from '../types';

/**
 * Acknowledge and resolve, each with an optional note, for one alert of the patient page (the alert
 * list has its own, kept across live redraws). `onDone` reads the alerts again: the stored note is
 * then shown with the alert.
 */
export function alertActions(app: App, a: AlertView, onDone: (alertId: string) => void): HTMLElement | null {
  if (a.status === 'resolved') return null;
  const noteId = `patient-note-${a.alertId}`;
  const input = el('input', { type: 'text', id: noteId, class: 'note-input', maxlength: '500', autocomplete: 'off' });
  const error = el('p', { class: 'form-error', role: 'alert' });
  const box = el('div', { class: 'actions' }, el('div', { class: 'field note-field' }, el('label', { for: noteId }, 'Note (optional)'), input));
  let pending = false;
  const act = async (action: 'acknowledge' | 'resolve', button: HTMLButtonElement) => {
    if (pending) return;
    pending = true;
    button.setAttribute('aria-disabled', 'true');
    error.textContent = '';
    try {
      await app.api.transition(a.alertId, action, input.value.trim() || undefined);
      app.announce(`Alert for patient ${a.patientId} ${action === 'acknowledge' ? 'acknowledged' : 'resolved'}.`);
      onDone(a.alertId);
    } catch (e) {
      error.textContent = `Could not ${action}: ${describeError(e)}`;
    } finally {
      pending = false;
      button.removeAttribute('aria-disabled');
    }
  };
  const button = (action: 'acknowledge' | 'resolve', label: string, cls: string) => {
    const b = el('button', { type: 'button', class: `button ${cls}`, 'data-action': action }, label);
    b.addEventListener('click', () => void act(action, b));
    return b;
  };
  if (a.status === 'open') box.append(button('acknowledge', 'Acknowledge', 'primary'));
  box.append(button('resolve', 'Resolve', 'secondary'));
  input.addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.preventDefault();
    box.querySelector<HTMLButtonElement>('button')?.click();
  });
  return el('div', { class: 'patient-alert-actions' }, box, error);
}
