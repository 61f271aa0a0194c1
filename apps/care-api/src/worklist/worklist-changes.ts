import { Injectable } from '@nestjs/common';
import type { WorklistStreamData } from '@vigil/contracts';
import type { WorklistStateRow } from '@vigil/storage';
import { CassandraWorklistStream, RedisWorklistStream, removalFor } from './worklist-stream';
import type { WorklistState } from './worklist-state';
import { entryView, isListed, rank } from './worklist-view';

/** The stream change of one stored state version (pure): null when no team can see the patient yet. */
export function changeOf(row: WorklistStateRow<WorklistState>, previousTeam: string | null, causeType: string, nowMs: number): WorklistStreamData | null {
  const team = row.state.profile?.careTeamId;
  if (!team) return null;
  const listed = isListed(row.state);
  const data: WorklistStreamData = {
    patientId: row.patientId,
    careTeamId: team,
    op: listed ? 'upsert' : 'remove',
    version: row.version,
    causeType,
    at: new Date(nowMs).toISOString(),
  };
  if (listed) data.entry = entryView(row.patientId, row.state, row.version, rank(row.patientId, row.state, nowMs), nowMs);
  if (previousTeam && previousTeam !== team) data.previousCareTeamId = previousTeam;
  return data;
}

/**
 * Streams a stored state version: the Redis append (deduplicated by patient and version, so a
 * redelivery after a crash gets the cursor it already had and no second notification), then the
 * Cassandra rows under that cursor (idempotent: the cursor is their key). A patient who moved team
 * gets a second row in the old team's partition, a bare removal, so that team's resumes see it too.
 */
@Injectable()
export class WorklistChanges {
  constructor(
    private readonly live: RedisWorklistStream,
    private readonly durable: CassandraWorklistStream,
  ) {}

  async record(row: WorklistStateRow<WorklistState>, previousTeam: string | null, causeType: string, nowMs = Date.now()): Promise<string | null> {
    const data = changeOf(row, previousTeam, causeType, nowMs);
    if (!data) return null;
    const { cursor } = await this.live.appendOnce(row.tenantId, `${row.patientId}:${row.version}`, data.careTeamId, data);
    const base = { cursor, tenantId: row.tenantId, patientId: row.patientId, version: row.version };
    await Promise.all([
      this.durable.repo.write({ ...base, careTeamId: data.careTeamId, data }),
      data.previousCareTeamId ? this.durable.repo.write({ ...base, careTeamId: data.previousCareTeamId, data: removalFor(data) }) : undefined,
    ]);
    return cursor;
  }
}
