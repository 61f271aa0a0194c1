import type { CommandSpec, Opts } from '../cli/args';
import type { ReplayContext } from '../context';
import { mergeShards } from '../shards/merge';

export const mergeSpec: CommandSpec = {
  name: 'merge',
  summary: 'join the shard directories of one rescore or compare run (--shard i/N) into the usual files',
  description: `
Reads each --shards directory (the --out of a rescore or compare run with --shard i/N, with its
shard.json), checks that they are every shard 0..N-1 of one run (same command, options and N), and
writes to --out the files a single process would have written, byte for byte: the NDJSON files
merged by patient, summary.json from the shards' counts, and the summary tables.`,
  options: [
    { name: 'shards', type: 'string', multiple: true, required: true, valueName: 'DIR', description: 'the shard directories (repeat, or comma-separated)' },
    { name: 'out', type: 'string', required: true, valueName: 'DIR', description: 'directory for the merged files' },
  ],
  examples: [
    'replay merge --shards out/s0,out/s1,out/s2 --out out/v1-jan',
    'replay merge --shards "$(ls -d /shared/v1-jan/shard-* | paste -sd,)" --out /shared/v1-jan/all',
  ],
};

export async function runMerge(ctx: ReplayContext, o: Opts): Promise<void> {
  await mergeShards(ctx, o.list('shards'), o.req('out'));
}
