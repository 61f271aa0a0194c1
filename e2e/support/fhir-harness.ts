/**
 * The HAPI FHIR harness (e2e/fhir-harness, a Maven module): compiled with Maven from the project's
 * own pom (the first run downloads HAPI from Maven Central into ~/.m2), run with `java`, small heaps.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { REPO_ROOT } from './service-process';

const MODULE = path.join(REPO_ROOT, 'e2e', 'fhir-harness');

function exec(cmd: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: MODULE, env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024, timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, output: `${stdout}${stderr}` });
    });
  });
}

/** `mvn compile` + the dependency classpath; returns the java classpath. */
export async function buildFhirHarness(): Promise<string> {
  const args = [
    '-q',
    '-B',
    ...(process.env['VIGIL_MVN_ARGS'] ?? '').split(' ').filter(Boolean),
    '-f',
    'pom.xml',
    'compile',
    'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:build-classpath',
    '-Dmdep.outputFile=target/classpath.txt',
  ];
  const r = await exec('mvn', args, { MAVEN_OPTS: '-Xmx256m' }, 600_000);
  if (r.code !== 0) throw new Error(`mvn could not build the FHIR harness:\n${r.output.slice(-4000)}`);
  const deps = (await readFile(path.join(MODULE, 'target', 'classpath.txt'), 'utf8')).trim();
  return `${path.join(MODULE, 'target', 'classes')}${path.delimiter}${deps}`;
}

export function runFhirHarness(classpath: string, env: Record<string, string>): Promise<{ code: number; output: string }> {
  return exec('java', ['-Xmx384m', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-cp', classpath, 'org.vigil.fhir.Harness'], env, 240_000);
}
