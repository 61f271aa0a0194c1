/** The options of rescore and compare for running past one process (README "Past one machine"). */
import { promises as fs } from 'node:fs';
import { TOPICS } from '@vigil/contracts';
import { topicPartitionCount } from '@vigil/messaging';
import type { CommandSpec, OptionSpec, Opts } from '../cli/args';
import { COMMON_OPTIONS } from '../cli/args';
import type { ScoringRun } from '../commands/common';
import type { ReplayContext } from '../context';
import { readNdjsonLines } from '../io/ndjson';
import { parseShard, SHARD_BY, type RunPlan, type ShardSpec } from './shard';
import { runWorkers } from './workers';

export const PARALLEL_OPTIONS: OptionSpec[] = [
  {
    name: 'workers',
    type: 'string',
    valueName: 'N',
    default: '1',
    description: 'split the work by patient into N shard processes on this machine and merge their files (same bytes for any N)',
  },
  {
    name: 'shard',
    type: 'string',
    valueName: 'i/N',
    description: 'run only shard i of N (0-based), e.g. one pod of a Kubernetes indexed Job; `replay merge` joins the shards',
  },
  {
    name: 'shard-by',
    type: 'string',
    choices: SHARD_BY,
    default: 'partition',
    description:
      "partition: each shard reads only its Kafka partitions (fails if the topic's partition count changed); key: each reads all and keeps its patients",
  },
  { name: 'plan', type: 'string', valueName: 'FILE', hidden: true, description: 'the source and offsets the coordinator planned (set by --workers)' },
  {
    name: 'input',
    type: 'string',
    valueName: 'FILE',
    description: 'check-ins from an NDJSON export (- for standard input: the Spark job pipes into it) instead of Kafka or the archive',
  },
];

export interface Parallel {
  shard?: ShardSpec;
  plan?: RunPlan;
  input?: { name: string; lines: AsyncIterable<string> };
  /**
   * `--shard i/N` with `--input`: the input already is shard i's patients (the Spark job partitions
   * by patient and pipes partition i here), so nothing is filtered; the shard only labels shard.json.
   */
  inputShard?: { index: number; count: number };
}

async function* stdinLines(ctx: ReplayContext): AsyncGenerator<string> {
  const { createInterface } = await import('node:readline');
  const rl = createInterface({ input: ctx.io.stdin, crlfDelay: Infinity });
  for await (const line of rl) if (line.trim()) yield line;
}

/**
 * Reads the options. With `--workers N` (N > 1) it runs the whole command as N shards and returns
 * null (done); otherwise what runScoring needs for this process.
 */
export async function parallelRun(ctx: ReplayContext, o: Opts, spec: CommandSpec, command: 'rescore' | 'compare', run: ScoringRun): Promise<Parallel | null> {
  const workers = o.int('workers', 1, 64) ?? 1;
  const shardText = o.str('shard');
  const inputName = o.str('input');
  const shard = shardText === undefined ? null : parseShard(shardText);
  if (shardText !== undefined && shard === null) throw o.usage('--shard must be i/N with 0 <= i < N (e.g. 0/4)');
  if (shard && workers > 1) throw o.usage('--shard and --workers exclude each other (--workers starts its own shards)');
  if (inputName !== undefined && workers > 1) throw o.usage('--input is one process; for files past one machine use the Spark job (README)');
  if (inputName === '-' && run.dir !== '-') throw o.usage('--input - (standard input) writes to standard output: give --out -');
  if (run.dir === '-' && inputName !== '-') throw o.usage('--out - (tagged lines on standard output) is for --input - (the Spark job)');
  const by = (o.str('shard-by') ?? 'partition') as ShardSpec['by'];

  if (workers > 1) {
    const skip = ['workers', 'out', 'progress', 'shard', 'plan'];
    await runWorkers(ctx, {
      command,
      argv: o.argv([...spec.options, ...COMMON_OPTIONS], skip),
      workers,
      outDir: run.dir,
      readFrom: run.from - run.warmupMs,
      to: run.to,
      lateGraceMs: run.lateGraceMs,
      source: run.source,
      profiles: run.profiles,
    });
    return null;
  }
  const out: Parallel = {};
  if (inputName !== undefined) {
    out.input = { name: inputName === '-' ? 'standard input' : inputName, lines: inputName === '-' ? stdinLines(ctx) : readNdjsonLines(inputName) };
  }
  if (shard && inputName !== undefined) {
    out.inputShard = shard;
  } else if (shard) {
    const planFile = o.str('plan');
    if (planFile) out.plan = JSON.parse(await fs.readFile(planFile, 'utf8')) as RunPlan;
    const partitions = out.plan?.partitions ?? (await topicPartitionCount(ctx.kafka(), ctx.topic(TOPICS.checkins))) ?? shard.count;
    out.shard = { ...shard, partitions, by };
  }
  return out;
}
