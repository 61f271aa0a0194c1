/**
 * Building and running the Spark job (analytics/spark-replay) from node: for its test and the
 * benchmark. Maven resolves Spark from Maven Central into ~/.m2 on the first run.
 */
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '../../../..');
export const MODULE = path.join(REPO, 'analytics/spark-replay');

/** What Spark's own launcher adds on Java 17 (JavaModuleOptions); a plain `java -cp` needs them too. */
export const JAVA_17_OPTIONS = [
  '-XX:+IgnoreUnrecognizedVMOptions',
  ...[
    'java.lang',
    'java.lang.invoke',
    'java.lang.reflect',
    'java.io',
    'java.net',
    'java.nio',
    'java.util',
    'java.util.concurrent',
    'java.util.concurrent.atomic',
    'jdk.internal.ref',
    'sun.nio.ch',
    'sun.nio.cs',
    'sun.security.action',
    'sun.util.calendar',
  ].map((p) => `--add-opens=java.base/${p}=ALL-UNNAMED`),
  '-Djdk.reflect.useDirectMethodHandle=false',
  '-Dio.netty.tryReflectionSetAccessible=true',
];

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export function run(cmd: string, args: string[], opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd ?? REPO, env: { ...process.env, ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started }));
  });
}

/** Compiles the module and writes its classpath; returns how long Maven took. */
export async function buildSparkJob(): Promise<number> {
  const r = await run('mvn', [
    '-q',
    '-B',
    '-f',
    path.join(MODULE, 'pom.xml'),
    'compile',
    'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath',
    '-Dmdep.outputFile=target/classpath.txt',
  ]);
  if (r.code !== 0) throw new Error(`mvn exited ${r.code}: ${r.stdout.slice(-3000)}${r.stderr.slice(-3000)}`);
  return r.ms;
}

/** The replay CLI as the Spark job starts it (this node, the repo's sources). */
export function replayCommand(): string[] {
  return [process.execPath, '--max-semi-space-size=64', '-r', path.join(REPO, 'tools/register.js'), path.join(REPO, 'apps/replay/src/main.ts')];
}

export interface SparkJob {
  input: string;
  format: 'ndjson' | 'parquet';
  out: string;
  partitions: number;
  master: string;
  /** rescore's options: --model, --from, --to, ... */
  rescore: string[];
  env?: Record<string, string | undefined>;
}

/** Runs SparkReplay in a local JVM (`-Dspark.master`), heap 1 GiB. */
export async function runSparkJob(j: SparkJob): Promise<Run> {
  const classpath = (await fs.readFile(path.join(MODULE, 'target/classpath.txt'), 'utf8')).trim();
  return run(
    'java',
    [
      '-Xmx1g',
      ...JAVA_17_OPTIONS,
      `-Dspark.master=${j.master}`,
      '-Dspark.ui.enabled=false',
      '-Dspark.driver.host=127.0.0.1',
      '-Dspark.driver.bindAddress=127.0.0.1',
      '-Dspark.sql.shuffle.partitions=4',
      '-cp',
      `${path.join(MODULE, 'target/classes')}:${classpath}`,
      'org.vigil.replay.spark.SparkReplay',
      ...['--input', j.input, '--format', j.format, '--out', j.out, '--partitions', String(j.partitions)],
      '--',
      ...replayCommand(),
      '--',
      ...j.rescore,
    ],
    { env: j.env },
  );
}
