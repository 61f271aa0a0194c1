/**
 * The worklist change stream: one Redis stream per tenant (cursor order = visibility order, as the
 * alert stream) and its durable copy in worklist_stream_by_team, for resumes older than Redis holds.
 */
import { Injectable } from '@nestjs/common';
import type { WorklistStreamData } from '@vigil/contracts';
import { WorklistStreamRepository } from '@vigil/storage';
import { RedisEventStream, type StreamEntryOf } from '../stream/redis-alert-stream';
import { WorklistInfra, WorklistSettings } from './worklist.wiring';

/** A change is appended once per (patient, version): a redelivery returns the cursor it already got. */
@Injectable()
export class RedisWorklistStream extends RedisEventStream<WorklistStreamData> {
  constructor(infra: WorklistInfra, settings: WorklistSettings) {
    super(infra.redis, {
      keyPrefix: settings.keyPrefix,
      name: 'worklist',
      maxLen: settings.streamMaxLen,
      dedupeTtlSeconds: settings.dedupeTtlSeconds,
      metrics: infra.vigil,
    });
  }
}

/** The durable copy, read as stream entries (what the fan-out's resume reads). */
@Injectable()
export class CassandraWorklistStream {
  readonly repo: WorklistStreamRepository<WorklistStreamData>;

  constructor(infra: WorklistInfra) {
    this.repo = new WorklistStreamRepository<WorklistStreamData>(infra.cassandra, infra.keyspace);
  }

  async *readAfter(
    tenantId: string,
    teams: readonly string[],
    after: string,
    upTo: string | null,
    notBeforeMs: number,
  ): AsyncGenerator<StreamEntryOf<WorklistStreamData>> {
    for await (const row of this.repo.readAfter(tenantId, teams, after, upTo, notBeforeMs)) yield { cursor: row.cursor, tenantId, data: row.data };
  }
}

/** What a client of `teams` is sent of a change: the whole change for the patient's team, a bare removal for the team it left. */
export function worklistDataFor(data: WorklistStreamData, teams: ReadonlySet<string>): WorklistStreamData | null {
  if (teams.has(data.careTeamId)) return data;
  if (data.previousCareTeamId !== undefined && teams.has(data.previousCareTeamId)) return removalFor(data);
  return null;
}

/** The change as the team the patient left sees it: remove the row, nothing about the patient's new state. */
export function removalFor(data: WorklistStreamData): WorklistStreamData {
  const { entry: _entry, ...rest } = data;
  return { ...rest, op: 'remove' };
}
