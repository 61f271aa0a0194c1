import type { AlertStatus, AlertStreamData, AlertView } from './types';

/** An alert's status only moves forward (open -> acknowledged -> resolved): arrival order cannot undo it. */
const STATUS_RANK: Record<AlertStatus, number> = { open: 0, acknowledged: 1, resolved: 2 };
const SEVERITY_RANK: Record<string, number> = { critical: 3, high: 2, medium: 1 };

export interface AlertItem extends AlertView {
  /** Only a status change is known so far (the alert's details are being fetched). */
  partial?: boolean;
  /** When it arrived on the live feed during this visit (highlighted for a moment). */
  arrivedAt?: number;
  /** The notes given with the acknowledge and the resolve (from the stream, or our own action). */
  acknowledgedNote?: string;
  resolvedNote?: string;
}

/** Severity first (critical, high, medium), then newest first. */
export function compareAlerts(a: AlertItem, b: AlertItem): number {
  const s = (SEVERITY_RANK[b.severity] ?? 0) - (SEVERITY_RANK[a.severity] ?? 0);
  if (s) return s;
  const t = Date.parse(b.triggeredAt) - Date.parse(a.triggeredAt);
  if (t) return t;
  return a.alertId < b.alertId ? -1 : a.alertId > b.alertId ? 1 : 0;
}

function mergeStatus(into: AlertItem, from: Partial<AlertItem>): void {
  if (from.status && STATUS_RANK[from.status] > STATUS_RANK[into.status]) into.status = from.status;
  for (const k of ['acknowledgedBy', 'acknowledgedAt', 'resolvedBy', 'resolvedAt', 'acknowledgedNote', 'resolvedNote'] as const) {
    if (from[k] && !into[k]) into[k] = from[k];
  }
}

/**
 * Every alert the page knows, by id, from the list answers, the stream and our own actions, in any
 * order: the same alert seen twice is merged, and a status never goes back.
 */
export class AlertStore {
  private readonly byId = new Map<string, AlertItem>();
  private listeners = new Set<() => void>();

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  get(id: string): AlertItem | undefined {
    return this.byId.get(id);
  }

  all(): AlertItem[] {
    return [...this.byId.values()];
  }

  clear(): void {
    this.byId.clear();
    this.changed();
  }

  /** From GET /v1/alerts or a POST answer: the whole alert as it was then. */
  putViews(views: AlertItem[]): void {
    for (const v of views) {
      const cur = this.byId.get(v.alertId);
      if (!cur || cur.partial) {
        const item: AlertItem = { ...v, arrivedAt: cur?.arrivedAt };
        if (cur) mergeStatus(item, cur);
        this.byId.set(v.alertId, item);
      } else mergeStatus(cur, v);
    }
    if (views.length) this.changed();
  }

  /**
   * One `alert` event. Returns the alert id when only its status is known (a lifecycle event of an
   * alert raised before what this page loaded): the caller fetches it.
   */
  applyEvent(d: AlertStreamData, live: boolean): string | null {
    let needsFetch: string | null = null;
    const cur = this.byId.get(d.alertId);
    if (d.type === 'alert.raised' && d.alert) {
      const a = d.alert;
      const view: AlertItem = {
        alertId: a.alertId,
        patientId: a.patientId,
        careTeamId: a.careTeamId,
        status: 'open',
        severity: a.severity,
        level: a.level,
        score: a.score,
        ruleCode: a.ruleCode,
        modelVersion: a.modelVersion,
        triggeredAt: a.triggeredAt,
        summary: a.summary,
        reasons: a.reasons,
      };
      if (live && !cur) view.arrivedAt = Date.now();
      if (a.checkInId) view.checkInId = a.checkInId;
      if (!cur || cur.partial) {
        if (cur) mergeStatus(view, cur);
        this.byId.set(d.alertId, view);
      }
    } else if (d.type === 'alert.updated' && d.update) {
      // New evidence for an alert shown already (model v2): the same row changes, never a second one.
      const u = d.update;
      if (!cur || cur.partial) {
        // Raised before what this page loaded: fetch it (the answer has the update applied).
        if (!cur) this.byId.set(d.alertId, this.placeholder(d));
        needsFetch = d.alertId;
      } else if (cur.status !== 'resolved') {
        if ((SEVERITY_RANK[u.severity] ?? 0) > (SEVERITY_RANK[cur.severity] ?? 0)) cur.severity = u.severity;
        cur.level = u.level;
        cur.score = u.score;
        cur.summary = u.summary;
        const fresh = new Map(u.reasons.map((r) => [r.code, r]));
        cur.reasons = [...cur.reasons.map((r) => fresh.get(r.code) ?? r), ...u.reasons.filter((r) => !cur.reasons.some((o) => o.code === r.code))];
        // An interrupting update re-opens an acknowledged alert (care-api says so in `status`): the one way back.
        if (u.interrupts && d.status === 'open' && cur.status === 'acknowledged') cur.status = 'open';
        if (live && u.interrupts) cur.arrivedAt = Date.now();
      }
    } else {
      const change: Partial<AlertItem> = { status: d.status };
      if (d.status === 'acknowledged' && d.change)
        Object.assign(change, { acknowledgedBy: d.change.by, acknowledgedAt: d.change.at, acknowledgedNote: d.change.note });
      if (d.status === 'resolved' && d.change) Object.assign(change, { resolvedBy: d.change.by, resolvedAt: d.change.at, resolvedNote: d.change.note });
      if (cur) mergeStatus(cur, change);
      else {
        const placeholder = this.placeholder(d);
        mergeStatus(placeholder, change);
        this.byId.set(d.alertId, placeholder);
        needsFetch = d.alertId;
      }
    }
    this.changed();
    return needsFetch;
  }

  /** An alert known only by an event so far: its details are fetched. */
  private placeholder(d: AlertStreamData): AlertItem {
    return {
      alertId: d.alertId,
      patientId: d.patientId,
      careTeamId: d.careTeamId,
      status: 'open',
      severity: '',
      level: '',
      score: 0,
      ruleCode: '',
      modelVersion: '',
      triggeredAt: d.at,
      summary: '',
      reasons: [],
      partial: true,
    };
  }
}
