import type { WorklistStateRow } from '@vigil/storage';
import type { WorklistState } from './worklist-state';

/** Rows kept (least recently used dropped first): a few MB at the states' size. */
export const STATE_CACHE_MAX = 10_000;

/**
 * The state rows this instance last wrote and streamed, so a patient's next batch folds without a
 * read. Only a shortcut: the write stays conditional on the cached version, and a lost condition
 * drops the row and reads it again, so a stale row (another instance wrote since) costs one retry,
 * never a lost event. Cleared on every rebalance (the partitions, and so the writers, change hands).
 */
export class WorklistStateCache {
  private readonly rows = new Map<string, WorklistStateRow<WorklistState>>();

  constructor(private readonly max: number = STATE_CACHE_MAX) {}

  get(key: string): WorklistStateRow<WorklistState> | undefined {
    const row = this.rows.get(key);
    if (row) {
      this.rows.delete(key);
      this.rows.set(key, row);
    }
    return row;
  }

  set(key: string, row: WorklistStateRow<WorklistState>): void {
    this.rows.delete(key);
    if (this.max <= 0) return;
    this.rows.set(key, row);
    if (this.rows.size > this.max) this.rows.delete(this.rows.keys().next().value as string);
  }

  delete(key: string): void {
    this.rows.delete(key);
  }

  clear(): void {
    this.rows.clear();
  }

  get size(): number {
    return this.rows.size;
  }
}
