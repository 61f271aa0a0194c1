import { Client, QueryOptions, types } from 'cassandra-driver';
import { PROFILES, quoteIdent } from './client';
import { READ_OPTIONS, WRITE_OPTIONS } from './execute';

/** A stored contact (0005 `contacts_by_patient`). The note is PHI. */
export interface ContactRecord {
  contactId: string;
  tenantId: string;
  patientId: string;
  careTeamId: string;
  by: string;
  at: Date;
  outcome: string;
  note?: string;
  nextContactAt?: Date;
  resolvedAlertIds: string[];
  /** The event JSON as published. */
  event: string;
}

export interface ContactKey {
  at: Date;
  contactId: string;
}

/** `YYYY` of an instant, UTC: the partition bucket of a patient's contacts. */
export function yearBucket(at: Date | number): string {
  return String(new Date(at).getUTCFullYear()).padStart(4, '0');
}

/** How many years back a contact log is read (older contacts are kept, not listed). */
export const CONTACT_YEARS_LISTED = 10;

function toRecord(tenantId: string, patientId: string, r: types.Row): ContactRecord {
  const c: ContactRecord = {
    contactId: (r['contact_id'] as types.Uuid).toString(),
    tenantId,
    patientId,
    careTeamId: r['care_team_id'] as string,
    by: r['logged_by'] as string,
    at: r['at'] as Date,
    outcome: r['outcome'] as string,
    resolvedAlertIds: (r['resolved_alert_ids'] as string[] | null) ?? [],
    event: (r['event'] as string | null) ?? '',
  };
  if (r['note'] !== null && r['note'] !== undefined) c.note = r['note'] as string;
  if (r['next_contact_at']) c.nextContactAt = r['next_contact_at'] as Date;
  return c;
}

/** Where a contact id's row is (contacts_by_id). */
export interface ContactLocation {
  patientId: string;
  at: Date;
}

/** The id claim is a conditional write: prepared, never retried blindly by the driver. */
const LWT_OPTIONS: QueryOptions = { prepare: true, isIdempotent: false, executionProfile: PROFILES.write };

const COLUMNS = 'at, contact_id, care_team_id, logged_by, outcome, note, next_contact_at, resolved_alert_ids, event';

/** `contacts_by_patient` and `contacts_by_id` (0005): the care team's contact log. */
export class ContactsRepository {
  private readonly q: { insert: string; insertId: string; claimId: string; byId: string; one: string; page: string; pageBefore: string };

  constructor(
    private readonly client: Client,
    keyspace: string,
  ) {
    const ks = quoteIdent(keyspace);
    const t = `${ks}.contacts_by_patient`;
    this.q = {
      insert: `INSERT INTO ${t} (tenant_id, patient_id, year, at, contact_id, care_team_id, logged_by, outcome, note, next_contact_at, resolved_alert_ids, event)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      insertId: `INSERT INTO ${ks}.contacts_by_id (tenant_id, contact_id, patient_id, at) VALUES (?, ?, ?, ?)`,
      claimId: `INSERT INTO ${ks}.contacts_by_id (tenant_id, contact_id, patient_id, at) VALUES (?, ?, ?, ?) IF NOT EXISTS`,
      byId: `SELECT patient_id, at FROM ${ks}.contacts_by_id WHERE tenant_id = ? AND contact_id = ?`,
      one: `SELECT ${COLUMNS} FROM ${t} WHERE tenant_id = ? AND patient_id = ? AND year = ? AND at = ? AND contact_id = ?`,
      page: `SELECT ${COLUMNS} FROM ${t} WHERE tenant_id = ? AND patient_id = ? AND year = ? LIMIT ?`,
      pageBefore: `SELECT ${COLUMNS} FROM ${t} WHERE tenant_id = ? AND patient_id = ? AND year = ? AND (at, contact_id) < (?, ?) LIMIT ?`,
    };
  }

  /** Idempotent upsert of both rows (keyed by the contact id and its time). */
  async insert(c: ContactRecord): Promise<void> {
    const id = types.Uuid.fromString(c.contactId);
    await Promise.all([
      this.client.execute(
        this.q.insert,
        [
          c.tenantId,
          c.patientId,
          yearBucket(c.at),
          c.at,
          id,
          c.careTeamId,
          c.by,
          c.outcome,
          c.note ?? null,
          c.nextContactAt ?? null,
          c.resolvedAlertIds,
          c.event,
        ],
        WRITE_OPTIONS,
      ),
      this.client.execute(this.q.insertId, [c.tenantId, id, c.patientId, c.at], WRITE_OPTIONS),
    ]);
  }

  /**
   * Claims a contact id for (patient, at) with a conditional write, before the contact row is
   * written: two requests with the same client-made id (a retry racing its original) then agree on
   * one row key, so they can never store two contacts. null: this call claimed it; otherwise where
   * the id already points (its row may not be written yet).
   */
  async claim(tenantId: string, contactId: string, patientId: string, at: Date): Promise<ContactLocation | null> {
    const rs = await this.client.execute(this.q.claimId, [tenantId, types.Uuid.fromString(contactId), patientId, at], LWT_OPTIONS);
    if (rs.wasApplied()) return null;
    const row = rs.first();
    return { patientId: row['patient_id'] as string, at: row['at'] as Date };
  }

  /** Writes the contact's row only (its id claimed before with `claim`). Idempotent. */
  async insertClaimed(c: ContactRecord): Promise<void> {
    await this.client.execute(
      this.q.insert,
      [
        c.tenantId,
        c.patientId,
        yearBucket(c.at),
        c.at,
        types.Uuid.fromString(c.contactId),
        c.careTeamId,
        c.by,
        c.outcome,
        c.note ?? null,
        c.nextContactAt ?? null,
        c.resolvedAlertIds,
        c.event,
      ],
      WRITE_OPTIONS,
    );
  }

  /** The contact row at a known location, or null (not written yet). */
  async getAt(tenantId: string, contactId: string, where: ContactLocation): Promise<ContactRecord | null> {
    const row = (
      await this.client.execute(this.q.one, [tenantId, where.patientId, yearBucket(where.at), where.at, types.Uuid.fromString(contactId)], READ_OPTIONS)
    ).first();
    return row ? toRecord(tenantId, where.patientId, row) : null;
  }

  /** A contact by id within the tenant, or null. */
  async get(tenantId: string, contactId: string): Promise<ContactRecord | null> {
    const id = types.Uuid.fromString(contactId);
    const where = (await this.client.execute(this.q.byId, [tenantId, id], READ_OPTIONS)).first();
    if (!where) return null;
    const patientId = where['patient_id'] as string;
    const at = where['at'] as Date;
    const row = (await this.client.execute(this.q.one, [tenantId, patientId, yearBucket(at), at, id], READ_OPTIONS)).first();
    return row ? toRecord(tenantId, patientId, row) : null;
  }

  /** A patient's contacts newest first, strictly before `before`, across year buckets (from `nowMs`'s year back). */
  async page(tenantId: string, patientId: string, limit: number, before: ContactKey | undefined, nowMs: number): Promise<ContactRecord[]> {
    const out: ContactRecord[] = [];
    const top = new Date(before ? Math.min(before.at.getTime(), nowMs + 86_400_000) : nowMs + 86_400_000).getUTCFullYear();
    for (let y = top; y > top - CONTACT_YEARS_LISTED && out.length < limit; y--) {
      const year = String(y).padStart(4, '0');
      const want = limit - out.length;
      const rs =
        before && year === yearBucket(before.at)
          ? await this.client.execute(this.q.pageBefore, [tenantId, patientId, year, before.at, types.Uuid.fromString(before.contactId), want], READ_OPTIONS)
          : await this.client.execute(this.q.page, [tenantId, patientId, year, want], READ_OPTIONS);
      for (const r of rs.rows) out.push(toRecord(tenantId, patientId, r));
    }
    return out;
  }
}
