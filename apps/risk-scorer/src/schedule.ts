/**
 * Pure arithmetic of the engagement schedule (see README "Engagement"). Times are epoch ms.
 *
 * Every patient with a pending missed-check-in check has one row in `scorer_engagement_due`, in
 * the partition of hour `dueBucket(dueAt, writtenAt)`. The tick reads the hours from a persisted
 * watermark up to the current hour, so it touches only rows that are (nearly) due, never every
 * patient; the watermark moves past an hour once that hour is over (plus a grace period for writes
 * still in flight) and all its rows were dealt with.
 */
export const HOUR_MS = 3_600_000;

/** Writes in flight when an hour ends may still land in it for this long: the watermark waits. */
export const WATERMARK_GRACE_MS = 5 * 60_000;

/** How far back the very first tick of a keyspace looks (no watermark yet). */
export const INITIAL_LOOKBACK_HOURS = 48;

/** Upper bound of hours one tick walks (a scorer that was down for weeks catches up over several ticks). */
export const MAX_HOURS_PER_TICK = 24 * 7;

export function hourOf(ms: number): number {
  return Math.floor(ms / HOUR_MS);
}

/** The partition of a due row: its due hour, or the hour it is written if that is later (never behind the watermark). */
export function dueBucket(dueAtMs: number, writtenAtMs: number): number {
  return hourOf(Math.max(dueAtMs, writtenAtMs));
}

export interface EngagementInputs {
  status: 'active' | 'discharged';
  /** The engine's next due instant for the patient's state (nextEngagementDueAt), on the device-time scale; null: nothing more for this silence. */
  engineDueAt: number | null;
  /** Receipt delay of the newest check-in (silence-clock.ts): the scorer's due time is later by it. */
  receiptDelayMs: number;
}

/**
 * When the patient's engagement check (reminder or missed-check-in alert) is next due, or null if
 * none is: discharged, nothing to measure the silence from, or everything for this silence was
 * yielded already (a new check-in starts a new silence and a new due time).
 */
export function engagementDueAt(i: EngagementInputs): number | null {
  if (i.status !== 'active' || i.engineDueAt === null) return null;
  return i.engineDueAt + i.receiptDelayMs;
}

/** The hours one tick reads: from the watermark (or the initial look-back) to now, bounded. */
export function hoursToScan(watermark: number | null, nowMs: number): number[] {
  const current = hourOf(nowMs);
  const from = watermark ?? current - INITIAL_LOOKBACK_HOURS;
  const out: number[] = [];
  for (let h = from; h <= current && out.length < MAX_HOURS_PER_TICK; h++) out.push(h);
  return out;
}

/** Whether the watermark may move past `hour`: the hour is over, grace included. */
export function hourIsClosed(hour: number, nowMs: number, graceMs = WATERMARK_GRACE_MS): boolean {
  return nowMs >= (hour + 1) * HOUR_MS + graceMs;
}
