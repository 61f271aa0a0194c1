/**
 * scorer_state on the real Cassandra: a row written in the JSON columns (before migration 0007)
 * still loads, and the next write turns it into the packed form with the JSON columns cleared.
 */
import { types } from 'cassandra-driver';
import { initialState, scoreCheckIn, type PatientProfile } from '@vigil/risk-engine';
import { isPackedState } from '@vigil/scoring';
import { createTestKeyspace, type TestKeyspace } from '@vigil/testing';
import { ScorerStore } from './scorer.store';

jest.setTimeout(60_000);

describe('ScorerStore state rows (Cassandra)', () => {
  let ks: TestKeyspace;
  let store: ScorerStore;
  const profile: PatientProfile = { patientId: 'p-old', tenantId: 'org-1', careTeamId: 't', conditions: ['heart-failure'], news2SpO2Scale: 1 };
  const state = scoreCheckIn('v1', profile, initialState(profile), {
    checkInId: 'c-1',
    patientId: 'p-old',
    tenantId: 'org-1',
    recordedAt: '2026-02-01T08:00:00.000Z',
    vitals: { weightKg: 81.3, heartRate: 77 },
  }).state;

  beforeAll(async () => {
    ks = await createTestKeyspace('scorerstore');
    store = new ScorerStore(ks.client, ks.keyspace);
  });
  afterAll(async () => ks?.drop().catch(() => undefined));

  it('loads a row of the JSON format, and rewrites it packed', async () => {
    await ks.client.execute(
      `INSERT INTO "${ks.keyspace}".scorer_state (tenant_id, patient_id, state, model_version, applied_topic, applied_partition, applied_offset,
         updated_at, recent_check_ins, enrolled_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        'org-1',
        'p-old',
        JSON.stringify(state),
        'v1',
        'checkins.v1',
        2,
        types.Long.fromNumber(41),
        new Date(),
        JSON.stringify(['c-1']),
        new Date('2026-01-01T00:00:00Z'),
        types.Long.fromNumber(3),
      ],
      { prepare: true },
    );
    const old = await store.loadState('org-1', 'p-old');
    expect(old).toMatchObject({ version: 3, state, recentCheckIns: ['c-1'], applied: { topic: 'checkins.v1', partition: 2, offset: '41' }, heardAt: null });

    const heardAt = Date.parse('2026-02-01T08:00:05.000Z');
    const ok = await store.saveState(old, {
      state,
      modelVersion: 'v1',
      applied: old.applied,
      recentCheckIns: ['c-1', 'c-2'],
      enrolledAt: old.enrolledAt,
      heardAt,
      dueAt: null,
      dueHour: null,
    });
    expect(ok).toBe(true);
    const row = (
      await ks.client.execute(
        `SELECT state, recent_check_ins, state_packed FROM "${ks.keyspace}".scorer_state WHERE tenant_id = ? AND patient_id = ?`,
        ['org-1', 'p-old'],
        { prepare: true },
      )
    ).first();
    expect(row['state']).toBeNull();
    expect(row['recent_check_ins']).toBeNull();
    expect(isPackedState(row['state_packed'] as Buffer)).toBe(true);
    expect(await store.loadState('org-1', 'p-old')).toMatchObject({ version: 4, state, recentCheckIns: ['c-1', 'c-2'], heardAt });
  });
});
