import './styles.css';
import './worklist.css';
import { Api, ApiError, describeError } from './api';
import { el, formatDateTime, severityOf } from './format';
import { clearSession, loadSession, type Session } from './session';
import { EventStreamClient, type StreamState } from './sse';
import { AlertStore } from './store';
import type { AlertStatus, AlertStreamData, WorklistEntryView, WorklistStreamData } from './types';
import { reasonTexts } from './worklist-format';
import { WorklistStore } from './worklist-store';
import { renderAlertsView } from './views/alerts';
import { ViewsNav } from './views/nav';
import { renderPatientView } from './views/patient';
import { renderSignIn } from './views/signin';
import { renderWorklistView } from './views/worklist';
import { ClaimsNotMappedError, loadSignInConfig, OidcClient, type OidcTokens, type SignInConfig } from './oidc';
import { renderClaimsNotMapped, renderOidcSignIn } from './views/oidc-signin';

const BASE = import.meta.env.BASE_URL; // '/dashboard/'

export interface App {
  session: Session;
  api: Api;
  store: AlertStore;
  stream: EventStreamClient;
  /** The worklist rows, kept current by `worklistStream` (`GET /v1/worklist/stream`). */
  worklist: WorklistStore;
  worklistStream: EventStreamClient;
  navigate(path: string, replace?: boolean): void;
  announce(text: string): void;
  /** Loads one list page of these statuses into the store; returns its nextCursor. */
  loadAlerts(statuses: AlertStatus[], cursor?: string): Promise<string | null>;
  /** Reads every page of the worklist into its store. */
  loadWorklist(): Promise<void>;
  /** Called by a view to be told when it is left (to stop timers and observers). */
  onLeave(fn: () => void): void;
  signOut(message?: string): void;
}

const main = document.getElementById('main') as HTMLElement;
const connection = document.getElementById('connection') as HTMLElement;
const banner = document.getElementById('offline-banner') as HTMLElement;
const userBox = document.getElementById('user') as HTMLElement;
const announcer = document.getElementById('announcer') as HTMLElement;
const viewsNav = new ViewsNav(document.getElementById('views-nav') as HTMLElement);

let app: App | null = null;
let leaveHandlers: (() => void)[] = [];
let expiryTimer: number | null = null;
/** Set when care-api names an identity provider (/dashboard/config.json). */
let oidc: OidcClient | null = null;
let signInConfig: SignInConfig | null = null;

function announce(text: string): void {
  // Re-setting the same text is not announced: clear first.
  announcer.textContent = '';
  window.setTimeout(() => (announcer.textContent = text), 50);
}

function routePath(): string {
  const p = window.location.pathname;
  return p.startsWith(BASE) ? p.slice(BASE.length) : p.replace(/^\//, '');
}

function leaveView(): void {
  for (const fn of leaveHandlers) fn();
  leaveHandlers = [];
}

function render(): void {
  leaveView();
  main.replaceChildren();
  if (!app) {
    if (oidc) {
      const client = oidc;
      const returnTo = window.location.pathname + window.location.search;
      renderOidcSignIn(main, { onSignIn: () => void client.signIn(returnTo), message: pendingMessage });
    }
    // Pasting a token: dev mode only once a provider is configured.
    if (!oidc || signInConfig?.devTokens) renderSignIn(main, { onSignedIn: start, message: oidc ? undefined : pendingMessage });
    pendingMessage = undefined;
    document.title = 'Sign in · Vigil care dashboard';
    viewsNav.show('signin', null);
    return;
  }
  // Home is the worklist; the alert list is one click away (the top bar's links).
  const route = routePath();
  const m = /^patients\/([^/]+)\/?$/.exec(route);
  if (m) {
    viewsNav.show('patient', app.store);
    renderPatientView(main, app, decodeURIComponent(m[1]));
  } else if (/^alerts\/?$/.test(route)) {
    viewsNav.show('alerts', app.store);
    renderAlertsView(main, app);
  } else {
    viewsNav.show('worklist', app.store);
    renderWorklistView(main, app);
  }
}

let pendingMessage: string | undefined;

const CONNECTION_TEXT: Record<StreamState['kind'], [icon: string, text: string]> = {
  live: ['●', 'Live'],
  connecting: ['◌', 'Connecting…'],
  offline: ['⚠', 'Offline'],
  stopped: ['○', 'Not connected'],
};

/** The banner's parts, built once: the countdown updates in place (focus and screen readers are left alone). */
const bannerSince = el('span');
const bannerRetry = el('span', { class: 'retry-in' });
const reconnectButton = el('button', { type: 'button', class: 'button small' }, 'Reconnect now');
reconnectButton.addEventListener('click', () => {
  app?.stream.reconnectNow();
  app?.worklistStream.reconnectNow();
});
banner.append(
  el('span', { class: 'banner-icon', 'aria-hidden': 'true' }, '⚠'),
  el(
    'p',
    {},
    el('strong', {}, 'Offline. '),
    bannerSince,
    'The worklist and alerts below may be out of date; missed changes will appear when the connection is back. ',
    bannerRetry,
  ),
  reconnectButton,
);

function renderConnection(s: StreamState): void {
  if (connection.dataset['connection'] !== s.kind) {
    connection.dataset['connection'] = s.kind;
    const [icon, text] = CONNECTION_TEXT[s.kind];
    connection.replaceChildren(el('span', { class: 'connection-icon', 'aria-hidden': 'true' }, icon), ` ${text}`);
    connection.title = s.kind === 'live' ? `Receiving the worklist and alerts live since ${formatDateTime(s.since)}` : text;
  }
  if (s.kind === 'offline') {
    const secs = Math.max(0, Math.ceil((s.retryAt - Date.now()) / 1000));
    bannerSince.textContent = `No connection to the care server since ${formatDateTime(s.since)} (${s.reason}). `;
    bannerRetry.textContent = secs > 0 ? `Trying again in ${secs} s.` : 'Trying again…';
    if (banner.hidden) {
      banner.hidden = false;
      announce('Offline: no connection to the care server. The worklist and alerts shown may be out of date. Reconnecting by itself.');
    }
  } else if (!banner.hidden) {
    banner.hidden = true;
    if (s.kind === 'live') announce('Connection restored. The worklist and alerts are live again.');
  }
}

/** The page has two streams (alerts, worklist): the indicator shows the worse of the two. */
const STATE_RANK: Record<StreamState['kind'], number> = { stopped: 0, live: 1, connecting: 2, offline: 3 };
function worseState(a: StreamState, b: StreamState | undefined): StreamState {
  return b && STATE_RANK[b.kind] > STATE_RANK[a.kind] ? b : a;
}
function connectionState(): StreamState | null {
  return app ? worseState(app.stream.current, app.worklistStream.current) : null;
}

// The "trying again in N s" countdown.
window.setInterval(() => {
  const s = connectionState();
  if (s?.kind === 'offline') renderConnection(s);
}, 1000);

function renderUser(session: Session | null): void {
  if (!session) {
    userBox.replaceChildren();
    return;
  }
  const c = session.claims;
  const out = el('button', { type: 'button', class: 'button small secondary' }, 'Sign out');
  out.addEventListener('click', () => app?.signOut());
  userBox.replaceChildren(
    el('span', { class: 'user-name' }, el('span', { class: 'visually-hidden' }, 'Signed in as '), c.sub),
    el('span', { class: 'user-meta' }, `${c.role} · ${c.org}`),
    out,
  );
}

function start(session: Session): void {
  const store = new AlertStore();
  const api = new Api(() => app?.session.token ?? null);
  let caughtUp = false;
  let listLoaded = false;
  const fetchMissing = (id: string) => {
    api.getAlert(id).then(
      (v) => store.putViews([v]),
      () => undefined,
    );
  };
  const stream = new EventStreamClient({
    url: `${window.location.origin}/v1/alerts/stream`,
    ticketUrl: `${window.location.origin}/v1/alerts/stream-tickets`,
    token: () => app?.session.token ?? null,
    // (called once both streams exist: start() below)
    onState: (s) => renderConnection(worseState(s, worklistStream.current)),
    onAuthFailure: (status) =>
      app?.signOut(status === 401 ? 'Your sign-in expired or was not accepted. Paste a new token.' : 'This token may not watch alerts.'),
    onResumeRefused: () => {
      store.clear();
      void next.loadAlerts(['open', 'acknowledged']).catch(() => undefined);
    },
    onMessage: (m) => {
      if (m.event === 'ready') {
        caughtUp = true;
        if (!listLoaded) {
          // The list is read once the stream holds its position: nothing falls between the two.
          listLoaded = true;
          void next.loadAlerts(['open', 'acknowledged']).catch(() => undefined);
        }
        return;
      }
      if (m.event !== 'alert') return;
      let d: AlertStreamData;
      try {
        d = JSON.parse(m.data) as AlertStreamData;
      } catch {
        return;
      }
      const missing = store.applyEvent(d, caughtUp || listLoaded);
      if (missing) fetchMissing(missing);
      if (d.type === 'alert.raised' && d.alert && listLoaded) {
        announce(`New ${severityOf(d.alert.severity).label.toLowerCase()} alert for patient ${d.patientId}: ${d.alert.summary}`);
      }
      if (d.type === 'alert.updated' && d.update?.interrupts && listLoaded) {
        announce(`Alert for patient ${d.patientId} is now ${severityOf(d.update.severity).label.toLowerCase()}: ${d.update.summary}`);
      }
    },
  });
  const worklist = new WorklistStore(() => session.claims.teams);
  let worklistLoaded = false;
  const loadWorklistOnce = () => {
    if (worklistLoaded) return;
    worklistLoaded = true;
    void next.loadWorklist().catch(() => undefined);
  };
  const worklistStream: EventStreamClient = new EventStreamClient({
    url: `${window.location.origin}/v1/worklist/stream`,
    ticketUrl: `${window.location.origin}/v1/alerts/stream-tickets`,
    token: () => app?.session.token ?? null,
    onState: (s) => renderConnection(worseState(s, stream.current)),
    onAuthFailure: (status) =>
      app?.signOut(status === 401 ? 'Your sign-in expired or was not accepted. Paste a new token.' : 'This token may not watch the worklist.'),
    onResumeRefused: () => {
      worklist.clear();
      void next.loadWorklist().catch(() => undefined);
    },
    onMessage: (m) => {
      // Like the alerts: the list is read once the stream holds its position.
      if (m.event === 'ready') return loadWorklistOnce();
      if (m.event !== 'worklist') return;
      let d: WorklistStreamData;
      try {
        d = JSON.parse(m.data) as WorklistStreamData;
      } catch {
        return;
      }
      const change = worklist.applyEvent(d);
      if (change.kind === 'upserted' && worklist.loaded && change.entry.level === 'urgent' && change.previous?.level !== 'urgent' && !change.entry.snoozed) {
        const why = reasonTexts(change.entry, 1)[0];
        announce(`Patient ${change.entry.patientId} is now urgent on the worklist${why ? `: ${why}` : ''}.`);
      }
    },
  });
  const next: App = {
    session,
    api,
    store,
    stream,
    worklist,
    worklistStream,
    navigate,
    announce,
    onLeave: (fn) => leaveHandlers.push(fn),
    async loadAlerts(statuses, cursor) {
      const page = await api.listAlerts({ status: statuses.join(','), cursor });
      store.putViews(page.items);
      return page.nextCursor;
    },
    async loadWorklist() {
      // Every page (a team of 2,000 is 10 pages of 200), stored at once: one redraw.
      const items: WorklistEntryView[] = [];
      let cursor: string | undefined;
      for (let i = 0; i < 50; i++) {
        const page = await api.worklist({ cursor });
        items.push(...page.items);
        if (!page.nextCursor) break;
        cursor = page.nextCursor;
      }
      worklist.putPage(items);
    },
    signOut(message) {
      stream.stop();
      worklistStream.stop();
      clearSession();
      // The nurse's own sign-out also ends the provider's session (it navigates away).
      if (oidc && !message) void oidc.signOut();
      oidc?.cancelRenewal();
      if (expiryTimer !== null) window.clearTimeout(expiryTimer);
      app = null;
      pendingMessage = message;
      renderUser(null);
      renderConnection({ kind: 'stopped', reason: 'signed out' });
      navigate('', true);
    },
  };
  app = next;
  renderUser(session);
  if (session.claims.exp) {
    const ms = session.claims.exp * 1000 - Date.now();
    // (setTimeout holds at most ~24.8 days)
    if (ms < 2 ** 31 - 1) expiryTimer = window.setTimeout(() => app?.signOut('Your sign-in expired. Paste a new token.'), Math.max(0, ms));
  }
  stream.start();
  worklistStream.start();
  // If a stream cannot connect at all, still show what the lists say (marked offline).
  window.setTimeout(() => {
    if (app === next) loadWorklistOnce();
    if (!listLoaded && app === next) {
      listLoaded = true;
      void next.loadAlerts(['open', 'acknowledged']).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 401) next.signOut('Your sign-in expired or was not accepted. Paste a new token.');
      });
    }
  }, 4000);
  render();
}

export function navigate(path: string, replace = false): void {
  const url = `${BASE}${path}`;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  render();
  main.focus({ preventScroll: false });
}

window.addEventListener('popstate', render);

// In-app links (data-link) navigate without reloading.
document.addEventListener('click', (e) => {
  const a = (e.target as Element | null)?.closest?.('a[data-link]') as HTMLAnchorElement | null;
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  e.preventDefault();
  const href = a.getAttribute('href') ?? BASE;
  navigate(href.startsWith(BASE) ? href.slice(BASE.length) : href);
});

window.addEventListener('unhandledrejection', (e) => {
  console.warn('unhandled', describeError(e.reason));
});

function armExpiry(exp: number | undefined): void {
  if (expiryTimer !== null) window.clearTimeout(expiryTimer);
  expiryTimer = null;
  if (!exp) return;
  const ms = exp * 1000 - Date.now();
  if (ms < 2 ** 31 - 1) expiryTimer = window.setTimeout(() => app?.signOut('Your sign-in expired. Sign in again.'), Math.max(0, ms));
}

/** Signed in at the provider: the access token is renewed in place; the page and the stream stay. */
function startWithProvider(client: OidcClient, tokens: OidcTokens): void {
  start({ token: tokens.accessToken, claims: tokens.claims });
  client.scheduleRenewal(
    tokens,
    (next) => {
      if (!app) return;
      app.session = { token: next.accessToken, claims: next.claims };
      armExpiry(next.claims.exp);
      document.body.dataset['tokenRenewals'] = String(Number(document.body.dataset['tokenRenewals'] ?? '0') + 1);
    },
    () => app?.signOut('Your sign-in could not be renewed. Sign in again.'),
  );
}

async function boot(): Promise<void> {
  signInConfig = await loadSignInConfig();
  if (signInConfig.oidc) {
    const client = new OidcClient({ ...signInConfig, oidc: signInConfig.oidc });
    oidc = client;
    const url = new URL(window.location.href);
    if (OidcClient.isCallback(url)) {
      try {
        const tokens = await client.completeSignIn(url);
        history.replaceState(null, '', tokens.returnTo.startsWith(BASE) ? tokens.returnTo : BASE);
        startWithProvider(client, tokens);
      } catch (e) {
        history.replaceState(null, '', BASE);
        if (e instanceof ClaimsNotMappedError) {
          main.replaceChildren();
          renderClaimsNotMapped(main, { reason: e.message, onSignOut: () => void client.signOut() });
          return;
        }
        pendingMessage = `The sign-in did not complete: ${describeError(e)}`;
        render();
      }
      return;
    }
  }
  const existing = signInConfig.devTokens ? loadSession() : null;
  if (existing) start(existing);
  else render();
}

void boot();
