/**
 * The missed-check-in clock (README "Engagement: the silence clock"). Pure; times are epoch ms.
 *
 * The engine measures a silence from the newest check-in's DEVICE time. Alone, that is fooled by
 * history that is still arriving: during a backfill or an offline batch, the newest device time
 * the scorer has seen can be days behind the wall clock while the next check-in is already on its
 * way, and every gap the backlog has not reached yet looks like a missed check-in. So the scorer
 * counts a silence from the later of two instants:
 *   - the newest check-in's device time (when the patient last checked in), and
 *   - when the scorer received the check-in that moved that newest device time forward (when we
 *     last heard from the patient's app).
 * A check-in in a backlog has not been received yet, so the clock of a patient whose history is
 * still arriving keeps restarting; it runs only once their data has stopped coming. What reaches
 * the engine is the same silence (same start, same ids), judged at `now` minus the receipt delay.
 * A straggler older than the newest check-in restarts nothing: it says nothing about now.
 */

/** `heardAt` after applying check-ins: restarted at `now` when they moved the newest device time forward. */
export function heardAtAfter(prevNewestAt: number | null, nextNewestAt: number | null, prevHeardAt: number | null, now: number): number | null {
  if (nextNewestAt !== null && (prevNewestAt === null || nextNewestAt > prevNewestAt)) return now;
  return prevHeardAt;
}

/**
 * How long after its device time the newest check-in was received: the silence counts from
 * `newestAt + offset`. 0 without a check-in (the silence counts from enrolment) or for a device
 * clock ahead of ours.
 */
export function receiptDelayMs(newestAt: number | null, heardAt: number | null): number {
  if (newestAt === null || heardAt === null) return 0;
  return Math.max(0, heardAt - newestAt);
}

/** The scorer's due time of an engine due time (device-time scale): later by the receipt delay. */
export function scorerDueAt(engineDueAt: number | null, delayMs: number): number | null {
  return engineDueAt === null ? null : engineDueAt + delayMs;
}

/** The instant the engine is asked about: `now` on the engine's (device-time) scale. */
export function engineNow(now: number, delayMs: number): number {
  return now - delayMs;
}

/** An ISO instant moved later by `delayMs` (what the engine reports on its scale, on the scorer's). */
export function shiftIso(iso: string, delayMs: number): string {
  return delayMs === 0 ? iso : new Date(Date.parse(iso) + delayMs).toISOString();
}
