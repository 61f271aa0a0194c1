import { readFileSync } from 'node:fs';

/**
 * Resident memory of processes, from /proc/<pid>/status (Linux): `VmRSS` now and `VmHWM`, the
 * kernel's own high-water mark of the resident set since the process started (so a peak between two
 * samples is not missed). In MB (10^6 bytes); NaN when the process is gone or /proc is unreadable.
 */
export function procStatusMb(pid: number | undefined, field: 'VmRSS' | 'VmHWM'): number {
  if (pid === undefined) return NaN;
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Math.round((Number(m[1]) * 1024) / 1e5) / 10 : NaN;
  } catch {
    return NaN;
  }
}

/** Samples each process's RSS every `intervalMs` until stopped; `stop()` gives each one's peak (MB). */
export function sampleRss(pids: Record<string, number | undefined>, intervalMs = 250): { stop(): Record<string, number> } {
  const peak: Record<string, number> = Object.fromEntries(Object.keys(pids).map((k) => [k, NaN]));
  const take = () => {
    for (const [k, pid] of Object.entries(pids)) {
      const mb = procStatusMb(pid, 'VmRSS');
      if (!Number.isNaN(mb) && !(mb <= (peak[k] ?? NaN))) peak[k] = mb;
    }
  };
  take();
  const timer = setInterval(take, intervalMs);
  return {
    stop() {
      clearInterval(timer);
      take();
      return { ...peak };
    },
  };
}
