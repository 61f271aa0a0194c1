import type { WorklistStateRow } from '@vigil/storage';
import { emptyState, type WorklistState } from './worklist-state';
import { WorklistStateCache } from './worklist-state-cache';

const row = (patientId: string, version = 1): WorklistStateRow<WorklistState> => ({
  tenantId: 'org-1',
  patientId,
  careTeamId: null,
  status: null,
  state: emptyState(),
  version,
  updatedAt: new Date(0),
});

describe('WorklistStateCache', () => {
  it('keeps at most `max` rows, dropping the least recently used', () => {
    const cache = new WorklistStateCache(2);
    cache.set('a', row('a'));
    cache.set('b', row('b'));
    expect(cache.get('a')?.patientId).toBe('a');
    cache.set('c', row('c'));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')?.patientId).toBe('a');
    expect(cache.size).toBe(2);
    cache.set('a', row('a', 2));
    expect(cache.get('a')?.version).toBe(2);
    cache.clear();
    expect(cache.size).toBe(0);
  });

  it('keeps nothing with max 0 (every fold reads its row)', () => {
    const cache = new WorklistStateCache(0);
    cache.set('a', row('a'));
    expect(cache.get('a')).toBeUndefined();
  });
});
