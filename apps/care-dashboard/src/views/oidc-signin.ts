import { el } from '../format';

/** Sign-in through the organisation's identity provider (and, in dev mode, the token form below it). */
export function renderOidcSignIn(root: HTMLElement, opts: { onSignIn: () => void; message?: string }): void {
  const button = el('button', { type: 'button', class: 'button primary', id: 'oidc-sign-in' }, 'Sign in with your organisation');
  button.addEventListener('click', () => {
    button.setAttribute('disabled', 'true');
    opts.onSignIn();
  });
  root.append(
    el(
      'section',
      { class: 'signin card' },
      el('h1', {}, 'Sign in'),
      el('p', {}, "You sign in with your organisation's account. You are taken to its sign-in page and back here."),
      el('p', { id: 'oidc-error', class: 'form-error', role: 'alert' }, opts.message ?? ''),
      button,
    ),
  );
  button.focus();
}

/** Signed in at the provider, but not someone this dashboard can serve: says why, and offers to sign out there. */
export function renderClaimsNotMapped(root: HTMLElement, opts: { reason: string; onSignOut: () => void }): void {
  const out = el('button', { type: 'button', class: 'button primary' }, 'Sign out and use another account');
  out.addEventListener('click', () => opts.onSignOut());
  root.append(
    el(
      'section',
      { class: 'signin card', id: 'not-mapped' },
      el('h1', {}, 'You cannot use the care dashboard with this account'),
      el('p', { role: 'alert' }, opts.reason),
      out,
    ),
  );
  out.focus();
}
