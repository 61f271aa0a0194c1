import { Client, types } from 'cassandra-driver';
import { quoteIdent } from './client';
import { READ_OPTIONS, WRITE_OPTIONS } from './execute';

/** A registered care team of an organisation (0009 `care_teams`). */
export interface CareTeamRecord {
  tenantId: string;
  teamId: string;
  name: string;
  registeredBy: string;
  registeredAt: Date;
  updatedAt: Date;
}

/** Teams listed per organisation at most (an organisation has tens of teams, not thousands). */
export const MAX_TEAMS_LISTED = 1000;

function toRecord(tenantId: string, r: types.Row): CareTeamRecord {
  return {
    tenantId,
    teamId: r['team_id'] as string,
    name: (r['name'] as string | null) ?? '',
    registeredBy: (r['registered_by'] as string | null) ?? '',
    registeredAt: r['registered_at'] as Date,
    updatedAt: (r['updated_at'] as Date | null) ?? (r['registered_at'] as Date),
  };
}

const COLUMNS = 'team_id, name, registered_by, registered_at, updated_at';

/** `care_teams` (0009): the organisation's team registry, one partition per tenant. */
export class CareTeamsRepository {
  private readonly q: { one: string; some: string; all: string; upsert: string };

  constructor(
    private readonly client: Client,
    keyspace: string,
  ) {
    const t = `${quoteIdent(keyspace)}.care_teams`;
    this.q = {
      one: `SELECT ${COLUMNS} FROM ${t} WHERE tenant_id = ? AND team_id = ?`,
      some: `SELECT team_id FROM ${t} WHERE tenant_id = ? AND team_id IN ?`,
      all: `SELECT ${COLUMNS} FROM ${t} WHERE tenant_id = ? LIMIT ${MAX_TEAMS_LISTED}`,
      upsert: `INSERT INTO ${t} (tenant_id, team_id, name, registered_by, registered_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`,
    };
  }

  async get(tenantId: string, teamId: string): Promise<CareTeamRecord | null> {
    const row = (await this.client.execute(this.q.one, [tenantId, teamId], READ_OPTIONS)).first();
    return row ? toRecord(tenantId, row) : null;
  }

  /** Which of these team ids are registered (one single-partition read). */
  async existing(tenantId: string, teamIds: readonly string[]): Promise<Set<string>> {
    const ids = [...new Set(teamIds)];
    if (ids.length === 0) return new Set();
    const rs = await this.client.execute(this.q.some, [tenantId, ids], READ_OPTIONS);
    return new Set(rs.rows.map((r) => r['team_id'] as string));
  }

  /** The organisation's teams in team id order. */
  async list(tenantId: string): Promise<CareTeamRecord[]> {
    const rs = await this.client.execute(this.q.all, [tenantId], READ_OPTIONS);
    return rs.rows.map((r) => toRecord(tenantId, r));
  }

  /** Registers or renames a team (idempotent: the last write wins). */
  async upsert(team: CareTeamRecord): Promise<void> {
    await this.client.execute(this.q.upsert, [team.tenantId, team.teamId, team.name, team.registeredBy, team.registeredAt, team.updatedAt], WRITE_OPTIONS);
  }
}
