/** Options and helpers shared by the commands. */
import { MODEL_VERSIONS, type ModelVersion } from '@vigil/risk-engine';
import type { OptionSpec, Opts } from '../cli/args';
import { formatDuration, parseDuration, parseInstant } from '../cli/time';
import { makeFilter, type EventFilter } from '../events/events';
import type { ScoringOptions } from '../rescore/pipeline';
import type { ProfileSourceName } from '../rescore/profiles';
import { DEFAULT_LATE_GRACE_MS } from '../sources/read';

export const RANGE_OPTIONS: OptionSpec[] = [
  {
    name: 'from',
    type: 'string',
    required: true,
    valueName: 'ISO',
    description: 'start of the range, inclusive: 2026-01-01 (UTC midnight) or ISO-8601 with offset',
  },
  { name: 'to', type: 'string', required: true, valueName: 'ISO', description: 'end of the range, exclusive (same forms as --from)' },
];

export const FILTER_OPTIONS: OptionSpec[] = [
  { name: 'tenant', type: 'string', multiple: true, valueName: 'ID', description: 'only these tenants (organisations)' },
  { name: 'patient', type: 'string', multiple: true, valueName: 'ID', description: 'only these patient ids' },
];

export const SOURCE_OPTIONS: OptionSpec[] = [
  {
    name: 'source',
    type: 'string',
    choices: ['auto', 'kafka', 'archive'],
    default: 'auto',
    description:
      'where check-ins come from: Kafka by timestamp, or the Cassandra archive (for data older than Kafka keeps); auto picks the archive when Kafka may no longer hold the start of the range',
  },
  {
    name: 'late-grace',
    type: 'string',
    default: formatDuration(DEFAULT_LATE_GRACE_MS),
    valueName: 'DURATION',
    description: 'Kafka: how long after --to an event of the range may still have arrived (phones upload late); "all" reads to the end of the topic',
  },
];

export interface Range {
  from: number;
  to: number;
}

export function parseRange(o: Opts): Range {
  const from = parseInstant(o.req('from'));
  if (from === null) throw o.usage('--from must be a date (2026-01-01) or an ISO-8601 instant with an offset (2026-01-01T08:00:00Z)');
  const to = parseInstant(o.req('to'));
  if (to === null) throw o.usage('--to must be a date (2026-01-01) or an ISO-8601 instant with an offset (2026-01-01T08:00:00Z)');
  if (to <= from) throw o.usage('--to must be after --from');
  return { from, to };
}

export function parseFilter(o: Opts): EventFilter & { tenantList: string[]; patientList: string[] } {
  const tenants = o.list('tenant');
  const patients = o.list('patient');
  return { ...makeFilter(tenants, patients), tenantList: tenants, patientList: patients };
}

export function parseLateGrace(o: Opts): number {
  const v = o.str('late-grace') ?? formatDuration(DEFAULT_LATE_GRACE_MS);
  if (v === 'all') return Infinity;
  const ms = parseDuration(v);
  if (ms === null) throw o.usage('--late-grace must be a duration (30d5m, 12h, 0) or "all"');
  return ms;
}

export function parseDurationOpt(o: Opts, name: string, fallback: number): number {
  const v = o.str(name);
  if (v === undefined) return fallback;
  const ms = parseDuration(v);
  if (ms === null) throw o.usage(`--${name} must be a duration (7d, 12h, 0)`);
  return ms;
}

export function parseModel(o: Opts, name: string): ModelVersion {
  const v = o.req(name);
  if (!(MODEL_VERSIONS as readonly string[]).includes(v)) throw o.usage(`--${name} must be one of ${MODEL_VERSIONS.join(', ')} (got ${JSON.stringify(v)})`);
  return v as ModelVersion;
}

export const PROFILE_OPTION: OptionSpec = {
  name: 'profiles',
  type: 'string',
  choices: ['kafka', 'cassandra'],
  default: 'kafka',
  description:
    'patient profiles: the compacted patients.v1 topic (every version it holds; each check-in uses the version in effect at its device time) or the Cassandra patients table (current version only)',
};

export const SCORING_OPTIONS: OptionSpec[] = [
  PROFILE_OPTION,
  {
    name: 'warmup',
    type: 'string',
    valueName: 'DURATION',
    default: '0',
    description: 'also read this long before --from to build baselines; only [from, to) is written',
  },
  {
    name: 'no-engagement',
    type: 'boolean',
    description: 'leave out missed-check-in alerts (the live scorer raises them on a clock; here at each check-in and at --to)',
  },
  {
    name: 'out',
    type: 'string',
    required: true,
    valueName: 'DIR',
    description: 'directory for the output files (created; existing files of the same names are replaced)',
  },
  { name: 'gzip', type: 'boolean', description: 'gzip the NDJSON files (.ndjson.gz)' },
];

/** What rescore and compare both read from their options: the scoring run (less its models) and the output. */
export interface ScoringRun extends Omit<ScoringOptions, 'models' | 'keepAlertEvents'> {
  filter: ReturnType<typeof parseFilter>;
  /** Output folder (--out). */
  dir: string;
  gzip: boolean;
  /** `.ndjson` or `.ndjson.gz`. */
  ext: string;
}

export function parseScoringRun(o: Opts): ScoringRun {
  const { from, to } = parseRange(o);
  const gzip = o.bool('gzip');
  return {
    from,
    to,
    filter: parseFilter(o),
    warmupMs: parseDurationOpt(o, 'warmup', 0),
    lateGraceMs: parseLateGrace(o),
    source: o.str('source') ?? 'auto',
    profiles: (o.str('profiles') ?? 'kafka') as ProfileSourceName,
    engagement: !o.bool('no-engagement'),
    dir: o.req('out'),
    gzip,
    ext: gzip ? '.ndjson.gz' : '.ndjson',
  };
}

/** summarise()'s context for a run whose check-ins came from `source`. */
export function summaryContext(run: ScoringRun, source: string) {
  return {
    from: run.from,
    to: run.to,
    warmupFrom: run.warmupMs ? run.from - run.warmupMs : null,
    source,
    profiles: run.profiles,
    tenants: run.filter.tenantList,
    patients: run.filter.patientList,
    engagement: run.engagement,
  };
}
