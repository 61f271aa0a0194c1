/**
 * `--workers N`: the coordinator. It decides the source and plans the offsets once (so every shard
 * reads the same records), starts N shard processes (`replay <command> --shard i/N --plan FILE`) on
 * this machine, shows their progress, and merges their directories into --out. A failed shard stops
 * the others and fails the run naming itself; an interrupted run removes the shards' directory, so
 * nothing that looks finished is left.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { MultiBar, Presets, type SingleBar } from 'cli-progress';
import { InterruptedError } from '../cli/errors';
import { fmtRate, type ProgressEvent } from '../cli/progress';
import type { ReplayContext } from '../context';
import { writeFileAtomic } from '../io/ndjson';
import { planProfileRange, type ProfileSourceName } from '../rescore/profiles';
import { chooseSource, planKafkaRange } from '../sources/read';
import { mergeShards } from './merge';
import { shardLabel, type RunPlan } from './shard';
import { topicPartitionCount } from '@vigil/messaging';
import { TOPICS } from '@vigil/contracts';

const ROOT = path.resolve(__dirname, '../../../..');
const MAIN = path.join(ROOT, 'apps/replay/src/main.ts');
const REGISTER = path.join(ROOT, 'tools/register.js');

export interface WorkersRequest {
  command: 'rescore' | 'compare';
  /** The command's own arguments, less --workers, --out and --progress. */
  argv: string[];
  workers: number;
  outDir: string;
  readFrom: number;
  to: number;
  lateGraceMs: number;
  source: string;
  profiles: ProfileSourceName;
}

/** The plan every shard follows (see RunPlan). */
export async function planRun(ctx: ReplayContext, r: Pick<WorkersRequest, 'readFrom' | 'to' | 'lateGraceMs' | 'source' | 'profiles'>): Promise<RunPlan> {
  const { source, reason } = await chooseSource(ctx, 'checkins', r.readFrom, r.source);
  const checkins = source === 'kafka' ? await planKafkaRange(ctx, { kind: 'checkins', from: r.readFrom, to: r.to, lateGraceMs: r.lateGraceMs }) : null;
  const partitions = checkins?.partitions.length ?? (await topicPartitionCount(ctx.kafka(), ctx.topic(TOPICS.checkins))) ?? 1;
  const patients = r.profiles === 'kafka' ? await planProfileRange(ctx) : null;
  return { source, sourceReason: reason, partitions, checkins, patients };
}

interface Shard {
  index: number;
  label: string;
  dir: string;
  child: ChildProcess;
  stderr: string[];
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  bar: SingleBar | null;
  phase: string;
  count: number;
  total: number | undefined;
  unit: string;
  startedAt: number;
}

export async function runWorkers(ctx: ReplayContext, r: WorkersRequest): Promise<void> {
  const plan = await planRun(ctx, r);
  ctx.note(`source: ${plan.source} (${plan.sourceReason}); ${r.workers} workers, split by patient over ${plan.partitions} partition(s)`);
  await fs.mkdir(r.outDir, { recursive: true });
  const tmp = await fs.mkdtemp(path.join(r.outDir, '.replay-shards-'));
  const view = new ShardView(ctx, r.workers);
  const shards: Shard[] = [];
  try {
    const planFile = path.join(tmp, 'plan.json');
    await writeFileAtomic(planFile, JSON.stringify(plan));
    for (let i = 0; i < r.workers; i++) shards.push(startShard(ctx, r, i, tmp, planFile, view));
    view.start(shards);
    const failure = await waitAll(ctx, shards);
    view.stop();
    if (ctx.signal.aborted) throw new InterruptedError(`interrupted: ${r.workers} shards stopped; nothing written`);
    if (failure) throw new Error(failure);
    await mergeShards(
      ctx,
      shards.map((s) => s.dir),
      r.outDir,
    );
  } finally {
    view.stop();
    for (const s of shards) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGKILL');
    await fs.rm(tmp, { recursive: true, force: true });
  }
}

function startShard(ctx: ReplayContext, r: WorkersRequest, index: number, tmp: string, planFile: string, view: ShardView): Shard {
  const dir = path.join(tmp, `shard-${index}`);
  const label = shardLabel({ index, count: r.workers });
  const args = [...r.argv, '--shard', `${index}/${r.workers}`, '--plan', planFile, '--out', dir, '--progress', 'none'];
  const child = spawn(process.execPath, ['--max-semi-space-size=64', '-r', REGISTER, MAIN, r.command, ...args], {
    env: { ...ctx.io.env, REPLAY_PROGRESS_IPC: '1' },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const shard: Shard = {
    index,
    label,
    dir,
    child,
    stderr: [],
    exit: new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal }))),
    bar: null,
    phase: 'starting',
    count: 0,
    total: undefined,
    unit: '',
    startedAt: Date.now(),
  };
  child.once('error', (e) => shard.stderr.push(String(e)));
  child.stderr?.setEncoding('utf8');
  let partial = '';
  child.stderr?.on('data', (text: string) => {
    const lines = (partial + text).split('\n');
    partial = lines.pop() ?? '';
    for (const l of lines) if (l.trim()) shard.stderr.push(l);
    if (shard.stderr.length > 50) shard.stderr.splice(0, shard.stderr.length - 50);
  });
  child.on('message', (m: ProgressEvent) => view.update(shard, m));
  return shard;
}

/** Waits for every shard; on the first failure (or Ctrl-C) stops the rest. Returns the failure, if any. */
async function waitAll(ctx: ReplayContext, shards: Shard[]): Promise<string | null> {
  let failure: string | null = null;
  const stopOthers = () => {
    for (const s of shards) if (s.child.exitCode === null && s.child.signalCode === null) s.child.kill('SIGTERM');
  };
  const onAbort = () => stopOthers();
  ctx.signal.addEventListener('abort', onAbort, { once: true });
  try {
    await Promise.all(
      shards.map(async (s) => {
        const { code, signal } = await s.exit;
        if (code === 0 || failure !== null || ctx.signal.aborted) return;
        const why =
          s.stderr
            .filter((l) => !/^\s+at /.test(l))
            .slice(-2)
            .join(' | ') || 'no message';
        failure = `${s.label} failed (${signal ? `signal ${signal}` : `exit ${code}`}): ${why}`;
        stopOthers();
      }),
    );
  } finally {
    ctx.signal.removeEventListener('abort', onAbort);
  }
  return failure;
}

/** The shards' progress: one bar per shard on a terminal, a plain line for all of them every 5 s otherwise. */
class ShardView {
  private multi: MultiBar | null = null;
  private timer: NodeJS.Timeout | null = null;
  private shards: Shard[] = [];

  constructor(
    private readonly ctx: ReplayContext,
    private readonly count: number,
  ) {}

  start(shards: Shard[]): void {
    this.shards = shards;
    const mode = this.ctx.progress.mode;
    if (mode === 'bar') {
      this.multi = new MultiBar(
        {
          stream: this.ctx.io.stderr,
          format: '{label} {phase} [{bar}] {percentage}% | {value}/{total} {unit} | {rate}',
          barsize: 20,
          fps: 5,
          clearOnComplete: true,
          hideCursor: false,
          noTTYOutput: true,
          notTTYSchedule: 5000,
        },
        Presets.shades_classic,
      );
      for (const s of shards) s.bar = this.multi.create(1, 0, { label: s.label, phase: s.phase, unit: '', rate: '' });
    } else if (mode === 'lines') {
      this.timer = setInterval(() => this.line(), 5000);
      this.timer.unref();
    }
  }

  update(s: Shard, e: ProgressEvent): void {
    if (e.kind === 'start') {
      s.phase = e.phase;
      s.total = e.total;
      s.unit = e.unit;
      s.count = 0;
      s.startedAt = Date.now();
    } else s.count = e.count;
    if (s.bar) {
      const rate = fmtRate(s.count / Math.max(0.001, (Date.now() - s.startedAt) / 1000));
      s.bar.setTotal(s.total && s.total > 0 ? s.total : Math.max(1, s.count));
      s.bar.update(s.count, { phase: s.phase, unit: s.unit, rate });
    }
  }

  private line(): void {
    const parts = this.shards.map(
      (s) => `${s.label} ${s.phase} ${s.count.toLocaleString('en-US')}${s.total ? `/${s.total.toLocaleString('en-US')}` : ''} ${s.unit}`,
    );
    this.ctx.io.stderr.write(`${new Date().toISOString()} ${this.count} workers: ${parts.join('; ')}\n`);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const m = this.multi;
    this.multi = null;
    m?.stop();
  }
}
