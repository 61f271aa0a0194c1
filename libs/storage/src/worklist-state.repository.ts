import { Client, QueryOptions, types } from 'cassandra-driver';
import { PROFILES, quoteIdent } from './client';
import { READ_OPTIONS, WRITE_OPTIONS } from './execute';
import { forEachLimit } from '@vigil/config';

/** One patient's worklist row (0005 `worklist_state`); `state` is the caller's JSON document. */
export interface WorklistStateRow<S> {
  tenantId: string;
  patientId: string;
  careTeamId: string | null;
  status: string | null;
  state: S;
  version: number;
  updatedAt: Date;
}

/** Conditional writes: prepared, never retried blindly by the driver. */
const LWT_OPTIONS: QueryOptions = { prepare: true, isIdempotent: false, executionProfile: PROFILES.write };

/**
 * `worklist_state` and `worklist_by_team` (migration 0005). The state is versioned: a write
 * succeeds only against the version it was computed from (`IF version = ?`, or `IF NOT EXISTS` for
 * the first), so writers of different topics never lose each other's change.
 */
export class WorklistStateRepository<S = unknown> {
  private readonly q: { get: string; insert: string; update: string; team: string; addTeam: string; removeTeam: string };

  constructor(
    private readonly client: Client,
    keyspace: string,
  ) {
    const ks = quoteIdent(keyspace);
    this.q = {
      get: `SELECT care_team_id, status, state, version, updated_at FROM ${ks}.worklist_state WHERE tenant_id = ? AND patient_id = ?`,
      insert: `INSERT INTO ${ks}.worklist_state (tenant_id, patient_id, care_team_id, status, state, version, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?) IF NOT EXISTS`,
      update: `UPDATE ${ks}.worklist_state SET care_team_id = ?, status = ?, state = ?, version = ?, updated_at = ? WHERE tenant_id = ? AND patient_id = ? IF version = ?`,
      team: `SELECT patient_id FROM ${ks}.worklist_by_team WHERE tenant_id = ? AND care_team_id = ?`,
      addTeam: `INSERT INTO ${ks}.worklist_by_team (tenant_id, care_team_id, patient_id) VALUES (?, ?, ?)`,
      removeTeam: `DELETE FROM ${ks}.worklist_by_team WHERE tenant_id = ? AND care_team_id = ? AND patient_id = ?`,
    };
  }

  async get(tenantId: string, patientId: string): Promise<WorklistStateRow<S> | null> {
    const rs = await this.client.execute(this.q.get, [tenantId, patientId], READ_OPTIONS);
    const row = rs.first();
    if (!row || row['state'] === null) return null;
    return {
      tenantId,
      patientId,
      careTeamId: (row['care_team_id'] as string | null) ?? null,
      status: (row['status'] as string | null) ?? null,
      state: JSON.parse(row['state'] as string) as S,
      version: Number((row['version'] as types.Long).toString()),
      updatedAt: row['updated_at'] as Date,
    };
  }

  /** Several patients, `concurrency` reads at a time; absent rows are left out. */
  async getMany(tenantId: string, patientIds: readonly string[], concurrency = 64): Promise<WorklistStateRow<S>[]> {
    const out: WorklistStateRow<S>[] = [];
    await forEachLimit(
      patientIds,
      concurrency,
      async (id) => {
        const r = await this.get(tenantId, id);
        if (r) out.push(r);
      },
      { stopOnError: true },
    );
    return out;
  }

  /**
   * Writes version `next.version` if the stored version is still `expected` (0: no row yet).
   * False when another writer got there first: read again and re-apply.
   */
  async put(next: WorklistStateRow<S>, expected: number): Promise<boolean> {
    const json = JSON.stringify(next.state);
    const v = types.Long.fromNumber(next.version);
    const rs =
      expected === 0
        ? await this.client.execute(this.q.insert, [next.tenantId, next.patientId, next.careTeamId, next.status, json, v, next.updatedAt], LWT_OPTIONS)
        : await this.client.execute(
            this.q.update,
            [next.careTeamId, next.status, json, v, next.updatedAt, next.tenantId, next.patientId, types.Long.fromNumber(expected)],
            LWT_OPTIONS,
          );
    return rs.wasApplied();
  }

  /** The patient ids on a team's worklist. */
  async teamPatients(tenantId: string, careTeamId: string): Promise<string[]> {
    const rs = await this.client.execute(this.q.team, [tenantId, careTeamId], { ...READ_OPTIONS, fetchSize: 5000 });
    const ids: string[] = [];
    for await (const row of rs) ids.push(row['patient_id'] as string);
    return ids;
  }

  /** Puts the patient on `team`'s list and off `previous`'s (idempotent). */
  async setTeam(tenantId: string, patientId: string, team: string | null, previous: string | null): Promise<void> {
    const writes: Promise<unknown>[] = [];
    if (team) writes.push(this.client.execute(this.q.addTeam, [tenantId, team, patientId], WRITE_OPTIONS));
    if (previous && previous !== team) writes.push(this.client.execute(this.q.removeTeam, [tenantId, previous, patientId], WRITE_OPTIONS));
    await Promise.all(writes);
  }
}
