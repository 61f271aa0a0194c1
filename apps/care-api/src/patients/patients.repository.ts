import { Client, types } from 'cassandra-driver';
import type { PatientProfile } from '@vigil/contracts';
import type { VigilMetrics } from '@vigil/observability';
import { PATIENT_PROFILE_COLUMNS, profileFromPatientColumns, quoteIdent, READ_OPTIONS, upsertPatientStatement, WRITE_OPTIONS } from '@vigil/storage';

/**
 * `patients` and `patients_by_team` (0002). The risk-scorer mirrors patients.v1 into the same
 * `patients` row with USING TIMESTAMP of the profile's updatedAt; care-api writes it the same way,
 * so whichever write lands last, the newest profile wins.
 */
export class PatientsRepository {
  private readonly t: { patients: string; byTeam: string };

  constructor(
    private readonly client: Client,
    keyspace: string,
    private readonly metrics?: VigilMetrics,
  ) {
    const ks = quoteIdent(keyspace);
    this.t = { patients: `${ks}.patients`, byTeam: `${ks}.patients_by_team` };
  }

  private time<T>(op: string, table: string, fn: () => Promise<T>): Promise<T> {
    return this.metrics ? this.metrics.timeCassandra(op, table, fn) : fn();
  }

  async get(tenantId: string, patientId: string): Promise<PatientProfile | null> {
    const rs = await this.time('select', 'patients', () =>
      this.client.execute(
        `SELECT ${PATIENT_PROFILE_COLUMNS} FROM ${this.t.patients} WHERE tenant_id = ? AND patient_id = ?`,
        [tenantId, patientId],
        READ_OPTIONS,
      ),
    );
    const row = rs.first();
    if (!row || !row['care_team_id']) return null;
    if (row['profile']) {
      const p = JSON.parse(row['profile'] as string) as PatientProfile;
      // The row is the tenant's: never trust an embedded tenant or patient id over the key.
      return { ...p, tenantId, patientId };
    }
    return profileFromPatientColumns(tenantId, patientId, row);
  }

  /** Upserts the profile (and moves the team index row when the team changed). */
  async upsert(p: PatientProfile, previousTeam: string | null): Promise<void> {
    const at = Date.parse(p.updatedAt);
    const ts = types.Long.fromNumber(at * 1000);
    const row = upsertPatientStatement(this.t.patients, p, at);
    const writes: Promise<unknown>[] = [
      this.client.execute(row.query, row.params, WRITE_OPTIONS),
      this.client.execute(
        `INSERT INTO ${this.t.byTeam} (tenant_id, care_team_id, patient_id, status, updated_at) VALUES (?, ?, ?, ?, ?) USING TIMESTAMP ?`,
        [p.tenantId, p.careTeamId, p.patientId, p.status, new Date(at), ts],
        WRITE_OPTIONS,
      ),
    ];
    if (previousTeam && previousTeam !== p.careTeamId) {
      writes.push(
        this.client.execute(
          `DELETE FROM ${this.t.byTeam} USING TIMESTAMP ? WHERE tenant_id = ? AND care_team_id = ? AND patient_id = ?`,
          [ts, p.tenantId, previousTeam, p.patientId],
          WRITE_OPTIONS,
        ),
      );
    }
    await this.time('batch', 'patients', () => Promise.all(writes));
  }
}
