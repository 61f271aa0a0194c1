import { el } from '../format';
import { saveSession, SessionError, type Session } from '../session';

export function renderSignIn(root: HTMLElement, opts: { onSignedIn: (s: Session) => void; message?: string }): void {
  const error = el('p', { id: 'token-error', class: 'form-error', role: 'alert' }, opts.message ?? '');
  const input = el('textarea', {
    id: 'token',
    name: 'token',
    rows: '5',
    required: true,
    spellcheck: 'false',
    autocomplete: 'off',
    'aria-describedby': 'token-hint token-error',
    'aria-invalid': opts.message ? 'true' : undefined,
  });
  const form = el(
    'form',
    { class: 'signin card', novalidate: true },
    el('h1', {}, 'Sign in'),
    el('p', {}, 'Paste the access token you were given. It is kept in this browser tab only, until you sign out or close the tab.'),
    el('label', { for: 'token' }, 'Access token'),
    input,
    el(
      'p',
      { id: 'token-hint', class: 'hint' },
      'For local development, mint one: ',
      el('code', {}, 'npm run mint-token -- --role care-manager --sub nurse-1 --org org-demo --teams team-a'),
    ),
    error,
    el('button', { type: 'submit', class: 'button primary' }, 'Sign in'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      if (!input.value.trim()) throw new SessionError('Paste a token first.');
      const session = saveSession(input.value);
      opts.onSignedIn(session);
    } catch (err) {
      error.textContent = err instanceof Error ? err.message : String(err);
      input.setAttribute('aria-invalid', 'true');
      input.focus();
    }
  });
  root.append(form);
  input.focus();
}
