/**
 * Patient profiles for rescore (README "Profiles").
 *
 * Default source: `patients.v1`, the compacted topic the live scorer itself reads, read whole up to
 * its end offsets as of the start of the run (through the same never-committing range reader).
 * Every version it still holds is kept per patient, ordered by `updatedAt` (then offset). A check-in
 * is scored with the version in effect at its device time: the latest with `updatedAt` <= recordedAt,
 * or, for a check-in taken before the patient's first known version (enrolled later, or older
 * versions compacted away), the earliest version: what the live scorer does with a check-in parked
 * until enrolment. Reading the topic to its current end (not only to the range end) is what lets a
 * patient enrolled after their first check-ins be scored at all.
 *
 * Alternative (`--profiles cassandra`): the `patients` table, one current version per patient, no
 * history (a full scan of the table; fine for a pilot's size, slow for millions).
 */
import type { PatientProfile } from '@vigil/contracts';
import { fromKafkaRecord, TOPICS } from '@vigil/contracts';
import { planTopicRange, rangeSize, readTopicRange, type TopicRange } from '@vigil/messaging';
import { PATIENT_PROFILE_COLUMNS, profileFromPatientColumns, quoteIdent, READ_OPTIONS } from '@vigil/storage';
import { PROFILE_EVENT_TYPES, readProfileEvent } from '@vigil/scoring';
import type { ReplayContext } from '../context';
import { passesFilter, type EventFilter } from '../events/events';
import { InterruptedError } from '../cli/errors';

export interface ProfileVersion {
  at: number;
  seq: number;
  profile: PatientProfile;
}

export type ProfileSourceName = 'kafka' | 'cassandra';

export interface ProfileLoadStats {
  source: ProfileSourceName;
  events: number;
  versions: number;
  patients: number;
  invalid: number;
}

const key = (tenantId: string, patientId: string): string => `${tenantId}\u0000${patientId}`;

export class ProfileBook {
  private readonly byPatient = new Map<string, ProfileVersion[]>();
  private sorted = true;
  private seq = 0;

  add(profile: PatientProfile): void {
    const t = Date.parse(profile.updatedAt);
    const v: ProfileVersion = { at: Number.isFinite(t) ? t : 0, seq: this.seq++, profile };
    const k = key(profile.tenantId, profile.patientId);
    const list = this.byPatient.get(k);
    if (list) list.push(v);
    else this.byPatient.set(k, [v]);
    this.sorted = false;
  }

  private sort(): void {
    if (this.sorted) return;
    for (const list of this.byPatient.values()) list.sort((a, b) => a.at - b.at || a.seq - b.seq);
    this.sorted = true;
  }

  /** Every version of a patient, oldest first, or null when unknown. */
  versions(tenantId: string, patientId: string): readonly ProfileVersion[] | null {
    this.sort();
    return this.byPatient.get(key(tenantId, patientId)) ?? null;
  }

  get patients(): number {
    return this.byPatient.size;
  }

  get size(): number {
    let n = 0;
    for (const l of this.byPatient.values()) n += l.length;
    return n;
  }
}

/** The version in effect at `at`: the latest not after it, else the earliest. */
export function profileAt(versions: readonly ProfileVersion[], at: number): PatientProfile {
  let chosen = versions[0];
  for (const v of versions) {
    if (v.at <= at) chosen = v;
    else break;
  }
  return chosen.profile;
}

/** The offsets of patients.v1 that `--profiles kafka` reads (all of it, to its end now). */
export function planProfileRange(ctx: ReplayContext): Promise<TopicRange> {
  return planTopicRange(ctx.kafka(), ctx.topic(TOPICS.patients));
}

/** `planned`: the patients.v1 offsets to read (a shard reads what its coordinator planned). */
export async function loadProfiles(
  ctx: ReplayContext,
  source: ProfileSourceName,
  filter: EventFilter,
  planned?: TopicRange | null,
): Promise<{ book: ProfileBook; stats: ProfileLoadStats }> {
  return source === 'cassandra' ? loadFromCassandra(ctx, filter) : loadFromKafka(ctx, filter, planned ?? null);
}

async function loadFromKafka(ctx: ReplayContext, filter: EventFilter, planned: TopicRange | null): Promise<{ book: ProfileBook; stats: ProfileLoadStats }> {
  const book = new ProfileBook();
  const stats: ProfileLoadStats = { source: 'kafka', events: 0, versions: 0, patients: 0, invalid: 0 };
  const range = planned ?? (await planProfileRange(ctx));
  ctx.progress.start('reading patient profiles (patients.v1)', rangeSize(range), 'records');
  const result = await readTopicRange(ctx.kafka(), range, {
    signal: ctx.signal,
    groupIdPrefix: 'vigil-replay',
    onBatch: (records) => {
      for (const r of records) {
        stats.events++;
        let e;
        try {
          e = fromKafkaRecord({ key: r.key, value: r.value, headers: r.headers });
        } catch {
          stats.invalid++;
          continue;
        }
        if (!PROFILE_EVENT_TYPES.includes(e.type)) continue;
        const read = readProfileEvent(e);
        if (!read.ok) {
          stats.invalid++;
          continue;
        }
        if (!passesFilter(filter, read.profile.tenantId, read.profile.patientId)) continue;
        book.add(read.profile);
      }
      ctx.progress.tick(records.length);
    },
  });
  if (!result.complete)
    throw new InterruptedError(`interrupted while reading patient profiles (${stats.events} of ${rangeSize(range)} records); nothing written`);
  stats.versions = book.size;
  stats.patients = book.patients;
  ctx.progress.done(`${stats.patients} patients`);
  return { book, stats };
}

async function loadFromCassandra(ctx: ReplayContext, filter: EventFilter): Promise<{ book: ProfileBook; stats: ProfileLoadStats }> {
  const book = new ProfileBook();
  const stats: ProfileLoadStats = { source: 'cassandra', events: 0, versions: 0, patients: 0, invalid: 0 };
  const client = await ctx.cassandraClient();
  const ks = quoteIdent(ctx.keyspace);
  ctx.progress.start('reading patient profiles (Cassandra patients)', undefined, 'rows');
  const rs = await client.execute(`SELECT tenant_id, patient_id, ${PATIENT_PROFILE_COLUMNS} FROM ${ks}.patients`, [], { ...READ_OPTIONS, fetchSize: 1000 });
  for await (const row of rs) {
    if (ctx.signal.aborted) throw new InterruptedError(`interrupted while reading patient profiles (${stats.events} rows); nothing written`);
    stats.events++;
    ctx.progress.tick();
    const tenantId = row['tenant_id'] as string;
    const patientId = row['patient_id'] as string;
    if (!passesFilter(filter, tenantId, patientId)) continue;
    const p = rowToProfile(tenantId, patientId, row as unknown as Record<string, unknown>);
    if (p) book.add(p);
    else stats.invalid++;
  }
  stats.versions = book.size;
  stats.patients = book.patients;
  ctx.progress.done(`${stats.patients} patients`);
  return { book, stats };
}

/** As the live scorer's store reads a `patients` row (apps/risk-scorer/src/scorer.store.ts getProfile). */
export function rowToProfile(tenantId: string, patientId: string, row: Record<string, unknown>): PatientProfile | null {
  const text = row['profile'] as string | null;
  if (text) {
    try {
      return JSON.parse(text) as PatientProfile;
    } catch {
      return null;
    }
  }
  return profileFromPatientColumns(tenantId, patientId, row);
}
