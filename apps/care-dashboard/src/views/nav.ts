import { el } from '../format';
import type { AlertStore } from '../store';

const BASE = import.meta.env.BASE_URL;

export type NavTarget = 'worklist' | 'alerts' | 'patient' | 'signin';

/**
 * The top bar's links between the views: the worklist (home) and the alert list, one click away,
 * with the count of alerts that need action (kept current by `update`).
 */
export class ViewsNav {
  private current: NavTarget = 'signin';
  private alerts: AlertStore | null = null;
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly nav: HTMLElement) {}

  show(target: NavTarget, alerts: AlertStore | null): void {
    this.current = target;
    if (alerts !== this.alerts) {
      this.unsubscribe?.();
      this.alerts = alerts;
      this.unsubscribe = alerts ? alerts.subscribe(() => this.update()) : null;
    }
    this.update();
  }

  private update(): void {
    if (!this.alerts) {
      this.nav.replaceChildren();
      return;
    }
    const open = this.alerts.all().filter((a) => !a.partial && a.status === 'open').length;
    const link = (target: NavTarget, href: string, ...text: (Node | string)[]) =>
      el('a', { href, 'data-link': true, class: 'nav-link', 'data-nav': target, 'aria-current': this.current === target ? 'page' : undefined }, ...text);
    this.nav.replaceChildren(
      link('worklist', BASE, 'Worklist'),
      link(
        'alerts',
        `${BASE}alerts`,
        'Alerts',
        el('span', { class: 'nav-count', 'data-open-alerts': String(open) }, `(${open} need${open === 1 ? 's' : ''} action)`),
      ),
    );
  }
}
