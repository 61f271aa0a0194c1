import type { AlertItem } from './store';
import type { AlertStatus, RiskFactorData } from './types';

/** Severity is said in words and a shape, and only then in colour. */
export const SEVERITY: Record<string, { label: string; icon: string }> = {
  critical: { label: 'Critical', icon: '▲' },
  high: { label: 'High', icon: '◆' },
  medium: { label: 'Medium', icon: '●' },
};

export function severityOf(s: string): { label: string; icon: string } {
  return SEVERITY[s] ?? { label: s || 'Unknown', icon: '○' };
}

export const STATUS_LABEL: Record<AlertStatus, string> = {
  open: 'Needs action',
  acknowledged: 'Acknowledged',
  resolved: 'Resolved',
};

export const CONDITION_LABEL: Record<string, string> = {
  'heart-failure': 'Heart failure',
  copd: 'COPD',
  diabetes: 'Diabetes',
  depression: 'Depression',
};

/** A risk level in words and a shape (never colour alone). */
export const LEVEL: Record<string, { label: string; icon: string }> = {
  critical: { label: 'Critical', icon: '▲' },
  high: { label: 'High', icon: '◆' },
  medium: { label: 'Medium', icon: '●' },
  low: { label: 'Low', icon: '▽' },
  none: { label: 'None', icon: '○' },
};

export function levelOf(l: string): { label: string; icon: string } {
  return LEVEL[l] ?? { label: l || 'Unknown', icon: '○' };
}

/** Hours as a nurse says them: "24 h", "2 days". */
export function formatHours(h: number): string {
  return h % 24 === 0 && h >= 48 ? `${h / 24} days` : `${h} h`;
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDateTime(iso: string | number | Date): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? '' : dateTime.format(d);
}

export function timeAgo(iso: string, now = Date.now()): string {
  const ms = now - Date.parse(iso);
  if (!Number.isFinite(ms)) return '';
  const min = Math.round(ms / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} min ago`;
  const h = Math.round(min / 60);
  if (h < 48) return `${h} h ago`;
  return `${Math.round(h / 24)} days ago`;
}

/** The reasons as a nurse reads them: the engine's message, most severe first, without repeats. */
export function reasonLines(reasons: RiskFactorData[]): string[] {
  const rank: Record<string, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };
  const seen = new Set<string>();
  return [...reasons]
    .sort((a, b) => (rank[b.severity] ?? 0) - (rank[a.severity] ?? 0))
    .map((r) => (r.message || `${r.code}: ${String(r.value)} (${r.threshold})`).trim())
    .filter((m) => m && !seen.has(m) && (seen.add(m), true));
}

/** Who changed an alert: the user id (`sub`) as care-api reports it. */
export function who(by: string | undefined): string {
  return by ?? 'someone';
}

/** "Acknowledged by nurse-1 at 7 Dec 2026, 13:05", then the note as given, for each step the alert went through. */
export function lifecycleLines(a: AlertItem): string[] {
  const out: string[] = [];
  if (a.status !== 'open' && (a.acknowledgedBy || a.status === 'acknowledged')) {
    out.push(
      `Acknowledged by ${who(a.acknowledgedBy)}${a.acknowledgedAt ? ` at ${formatDateTime(a.acknowledgedAt)}` : ''}${a.acknowledgedNote ? `: “${a.acknowledgedNote}”` : ''}`,
    );
  }
  if (a.status === 'resolved')
    out.push(`Resolved by ${who(a.resolvedBy)}${a.resolvedAt ? ` at ${formatDateTime(a.resolvedAt)}` : ''}${a.resolvedNote ? `: “${a.resolvedNote}”` : ''}`);
  return out;
}

/** Text-only DOM building: every value goes in as text, never as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | boolean | undefined> = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (k === 'class') e.className = String(v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(c);
  return e;
}
