/**
 * The worklist rows the page knows, by patient, from `GET /v1/worklist` pages and `worklist` stream
 * events in any order: the highest `version` of a patient wins (a removal too, so a late, older
 * upsert cannot bring a removed row back). Pure: no DOM, no fetch.
 */
import type { WorklistEntryView, WorklistStreamData } from './types';

/** Snoozed while `snoozedUntil` is in the future (time passes after care-api computed `snoozed`). */
export function isSnoozed(e: Pick<WorklistEntryView, 'snoozedUntil'>, now: number): boolean {
  return !!e.snoozedUntil && Date.parse(e.snoozedUntil) > now;
}

/** The worklist order care-api pages in: not snoozed first, then the highest priority, then patient id. */
export function compareEntries(a: WorklistEntryView, b: WorklistEntryView, now: number): number {
  const s = Number(isSnoozed(a, now)) - Number(isSnoozed(b, now));
  if (s) return s;
  const p = b.priority - a.priority;
  if (p) return p;
  return a.patientId < b.patientId ? -1 : a.patientId > b.patientId ? 1 : 0;
}

/** What one stream event did, for the page to announce. */
export type WorklistChange =
  { kind: 'stale' } | { kind: 'removed'; patientId: string } | { kind: 'upserted'; entry: WorklistEntryView; previous: WorklistEntryView | undefined };

export class WorklistStore {
  private readonly byId = new Map<string, WorklistEntryView>();
  /** The highest version seen per patient, removals included. */
  private readonly versions = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  /** A list page has been read (before that, an empty store means "not loaded", not "nobody"). */
  loaded = false;

  /** `teams`: the caller's teams (empty: every team care-api sends); a row of another team is dropped. */
  constructor(private readonly teams: () => string[] = () => []) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private changed(): void {
    for (const fn of this.listeners) fn();
  }

  private mine(careTeamId: string): boolean {
    const t = this.teams();
    return t.length === 0 || t.includes(careTeamId);
  }

  get(patientId: string): WorklistEntryView | undefined {
    return this.byId.get(patientId);
  }

  get size(): number {
    return this.byId.size;
  }

  /** In worklist order; `team` keeps one team's rows. */
  ordered(now: number, team?: string): WorklistEntryView[] {
    return [...this.byId.values()].filter((e) => !team || e.careTeamId === team).sort((a, b) => compareEntries(a, b, now));
  }

  clear(): void {
    this.byId.clear();
    this.versions.clear();
    this.loaded = false;
    this.changed();
  }

  private newer(patientId: string, version: number): boolean {
    const seen = this.versions.get(patientId);
    return seen === undefined || version > seen;
  }

  /** One page of `GET /v1/worklist`. */
  putPage(items: WorklistEntryView[]): void {
    for (const e of items) {
      if (!this.newer(e.patientId, e.version)) continue;
      this.versions.set(e.patientId, e.version);
      if (this.mine(e.careTeamId)) this.byId.set(e.patientId, e);
      else this.byId.delete(e.patientId);
    }
    this.loaded = true;
    this.changed();
  }

  /** One `worklist` event. */
  applyEvent(d: WorklistStreamData): WorklistChange {
    if (!this.newer(d.patientId, d.version)) return { kind: 'stale' };
    this.versions.set(d.patientId, d.version);
    const previous = this.byId.get(d.patientId);
    if (d.op === 'upsert' && d.entry && this.mine(d.entry.careTeamId)) {
      this.byId.set(d.patientId, d.entry);
      this.changed();
      return { kind: 'upserted', entry: d.entry, previous };
    }
    // A removal, or the patient moved to a team this page does not watch.
    this.byId.delete(d.patientId);
    if (previous) this.changed();
    return { kind: 'removed', patientId: d.patientId };
  }
}
