/**
 * What each service really is, read from its source in apps/ (not from the manifests): the port it
 * listens on by default, the health paths it serves, its Kafka consumer group, its configuration
 * schema. When an app's source is not there (yet), the port comes from docs/DEVELOPING.md's port
 * table and the health paths from the convention written there, and `source` says so.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'fs';
import { join } from 'path';

export const ROOT = join(__dirname, '..', '..', '..');

/** The long-running services every deployment target must run. */
export const SERVICES = ['ingest-api', 'care-api', 'timeseries-writer', 'risk-scorer'] as const;
export type ServiceName = (typeof SERVICES)[number];

/** The HTTP APIs (scaled on CPU) and the Kafka consumers (scaled on lag). */
export const HTTP_APIS: readonly ServiceName[] = ['ingest-api', 'care-api'];
export const CONSUMERS: readonly ServiceName[] = ['timeseries-writer', 'risk-scorer'];

export const HEALTH_LIVE = '/health/live';
export const HEALTH_READY = '/health/ready';

export interface AppFacts {
  name: string;
  /** apps/<name>/src/main.ts exists. */
  exists: boolean;
  port: number;
  /** Where the port came from. */
  portSource: string;
  /** The health paths found in the app's source (or, failing that, its libraries), with a leading slash. */
  healthPaths: string[];
  healthSource: string;
  /** Default consumer group id, when the app declares one (`..._GROUP_ID ... .default('x')`). */
  consumerGroup?: string;
  /** The files of apps/<name>/src, minus tests. */
  sourceFiles: string[];
}

function tsFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...tsFiles(path));
    else if (entry.name.endsWith('.ts') && !/\.(spec|int-spec|e2e-spec)\.ts$/.test(entry.name)) out.push(path);
  }
  return out;
}

/** The port table of docs/DEVELOPING.md: `| ingest-api | :3000 (...) |`. */
export function documentedPorts(): Record<string, number> {
  const doc = readFileSync(join(ROOT, 'docs', 'DEVELOPING.md'), 'utf8');
  const ports: Record<string, number> = {};
  for (const m of doc.matchAll(/^\|\s*([a-z-]+)\s*\|\s*:(\d+)/gm)) ports[m[1]] = Number(m[2]);
  return ports;
}

function healthPathsIn(text: string): string[] {
  const found = new Set<string>();
  for (const m of text.matchAll(/['"`]\/?(health\/(?:live|ready))['"`]/g)) found.add(`/${m[1]}`);
  return [...found].sort();
}

export function appFacts(name: string): AppFacts {
  const srcDir = join(ROOT, 'apps', name, 'src');
  const exists = existsSync(join(srcDir, 'main.ts'));
  const sourceFiles = tsFiles(srcDir);
  const text = sourceFiles.map((f) => readFileSync(f, 'utf8')).join('\n');

  let port: number | undefined;
  let portSource = '';
  const portMatch = /\bPORT\s*:[^\n]*?\.default\(\s*(\d+)\s*\)/.exec(text);
  if (portMatch) {
    port = Number(portMatch[1]);
    portSource = `apps/${name}/src (PORT default)`;
  } else {
    port = documentedPorts()[name];
    portSource = 'docs/DEVELOPING.md port table';
  }
  if (port === undefined) throw new Error(`no port known for ${name}: neither apps/${name}/src nor docs/DEVELOPING.md names one`);

  let healthPaths = healthPathsIn(text);
  let healthSource = `apps/${name}/src`;
  if (healthPaths.length < 2) {
    // The app may mount a health controller from the shared library: count the library's paths
    // only when the app imports a name that the library file declaring those paths exports.
    const imported = new Set<string>();
    for (const m of text.matchAll(/import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*['"]@vigil\/observability['"]/g)) {
      for (const n of m[1].split(','))
        imported.add(
          n
            .replace(/^\s*type\s+/, '')
            .split(/\s+as\s+/)[0]
            .trim(),
        );
    }
    for (const file of tsFiles(join(ROOT, 'libs', 'observability', 'src'))) {
      const libText = readFileSync(file, 'utf8');
      const exported = [...libText.matchAll(/export\s+(?:abstract\s+)?(?:class|function|const)\s+(\w+)/g)].map((m) => m[1]);
      const paths = healthPathsIn(libText);
      if (paths.length && exported.some((n) => imported.has(n))) {
        healthPaths = [...new Set([...healthPaths, ...paths])].sort();
        healthSource = `apps/${name}/src + libs/observability/src/${file.split('/').pop()} (${exported.filter((n) => imported.has(n)).join(', ')})`;
      }
    }
  }
  if (!exists && healthPaths.length === 0) {
    healthPaths = [HEALTH_LIVE, HEALTH_READY];
    healthSource = 'docs/DEVELOPING.md convention (app source not present)';
  }

  const groupMatch = /GROUP_ID\s*:\s*z\s*\.string\(\)[^\n]*?\.default\(\s*['"]([^'"]+)['"]\s*\)/.exec(text);
  return {
    name,
    exists,
    port,
    portSource,
    healthPaths,
    healthSource,
    consumerGroup: groupMatch?.[1],
    sourceFiles,
  };
}

/** Directory names under apps/. */
export function appDirs(): string[] {
  return readdirSync(join(ROOT, 'apps')).filter((d) => statSync(join(ROOT, 'apps', d)).isDirectory());
}

/**
 * The app's own configuration schema (a zod object exported from apps/<name>/src/config.ts as
 * `<something>ConfigSchema`), or undefined when the app has none yet.
 */
export function appConfigSchema(
  name: string,
): { safeParse(env: Record<string, string>): { success: boolean; error?: { issues: { path: PropertyKey[]; message: string }[] } } } | undefined {
  const file = join(ROOT, 'apps', name, 'src', 'config.ts');
  if (!existsSync(file)) return undefined;
  const mod = require(file) as Record<string, unknown>;
  const key = Object.keys(mod).find((k) => /ConfigSchema$/.test(k) && typeof (mod[k] as { safeParse?: unknown })?.safeParse === 'function');
  return key ? (mod[key] as ReturnType<typeof appConfigSchema>) : undefined;
}
