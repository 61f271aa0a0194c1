/**
 * The image recipe without a Docker engine: the Dockerfile's shape (LTS base, stages, non-root,
 * health check, production dependencies only), .dockerignore, the health-check script against a
 * real HTTP server, and the build step itself: docker/build-app.js compiles each app, the result
 * needs nothing but `dependencies` of package.json, and plain `node` loads it (no SWC at run time).
 */
import { spawn, spawnSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, symlinkSync } from 'fs';
import { createServer, type Server } from 'http';
import { builtinModules } from 'module';
import { tmpdir } from 'os';
import { dirname, join, resolve } from 'path';
import { appFacts, ROOT, SERVICES } from './lib/app-facts';

jest.setTimeout(120_000);

const dockerfile = readFileSync(join(ROOT, 'docker', 'Dockerfile'), 'utf8');
const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
};

interface Stage {
  from: string;
  name?: string;
  lines: string[];
}

/** Dockerfile instructions (continuation lines joined, comments dropped), by stage. */
function stages(): { args: Record<string, string>; stages: Stage[] } {
  const instructions = dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const args: Record<string, string> = {};
  const out: Stage[] = [];
  for (const line of instructions) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) out.push({ from: from[1], name: from[2], lines: [] });
    else if (out.length) out[out.length - 1].lines.push(line);
    else {
      const arg = /^ARG\s+(\w+)(?:=(.*))?$/.exec(line);
      if (arg) args[arg[1]] = arg[2] ?? '';
    }
  }
  return { args, stages: out };
}

describe('docker/Dockerfile', () => {
  const { args, stages: all } = stages();
  const runtime = all[all.length - 1];

  it('is multi-stage on a current Node.js LTS line (an even major >= 22), the same base everywhere', () => {
    expect(all.length).toBeGreaterThanOrEqual(3);
    const major = Number(args['NODE_VERSION']);
    expect(major % 2).toBe(0);
    expect(major).toBeGreaterThanOrEqual(22);
    for (const s of all) expect(s.from).toMatch(/^node:\$\{NODE_VERSION\}-(alpine|bookworm-slim|trixie-slim)$/);
  });

  it('is built per app with the APP build argument', () => {
    expect(dockerfile).toMatch(/ARG APP\b/);
    expect(dockerfile).toMatch(/node docker\/build-app\.js "\$APP" \/out/);
  });

  it('runs as a numeric non-root user, with a health check and node as the entry point', () => {
    const user = runtime.lines.find((l) => /^USER\s/.test(l));
    expect(user).toMatch(/^USER\s+[1-9]\d*(:[1-9]\d*)?$/);
    expect(runtime.lines.some((l) => /^HEALTHCHECK\s.*CMD\s+\["node",\s*"\/app\/healthcheck\.js"\]/.test(l))).toBe(true);
    expect(runtime.lines).toContain('ENTRYPOINT ["node"]');
    expect(runtime.lines).toContain('CMD ["/app/main.js"]');
  });

  it('ships production dependencies only: node_modules comes from a stage that ran npm ci --omit=dev', () => {
    const copies = runtime.lines.filter((l) => /^COPY\s+--from=/.test(l));
    const nodeModules = copies.filter((l) => /node_modules/.test(l));
    expect(nodeModules).toHaveLength(1);
    const fromStage = /--from=(\S+)/.exec(nodeModules[0])![1];
    const deps = all.find((s) => s.name === fromStage)!;
    expect(deps.lines.some((l) => /npm ci\b.*--omit=dev/.test(l))).toBe(true);
    // The runtime stage installs nothing and keeps no package manager.
    expect(runtime.lines.some((l) => /npm (ci|install)/.test(l))).toBe(false);
    // The compiled app comes from the build stage; no TypeScript source is copied into the runtime.
    expect(runtime.lines.filter((l) => /^COPY\s/.test(l) && /\b(apps|libs)\b/.test(l))).toEqual([]);
  });

  it('.dockerignore keeps the context small and secret-free', () => {
    const ignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim());
    for (const entry of ['**/node_modules', '.git', '.env', '**/dist', '**/*.spec.ts']) expect(ignore).toContain(entry);
    // What the build reads must not be ignored.
    for (const needed of ['apps', 'libs', 'docker', 'package.json', 'package-lock.json', '.swcrc', 'tsconfig.base.json']) {
      expect(ignore).not.toContain(needed);
    }
  });
});

describe('docker/healthcheck.js against a real HTTP server', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.statusCode = req.url === '/health/live' ? 200 : req.url === '/health/ready' ? 503 : 404;
      res.end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const run = (env: Record<string, string>, args: string[] = []) =>
    new Promise<number | null>((done) => {
      const child = spawn(process.execPath, [join(ROOT, 'docker', 'healthcheck.js'), ...args], { env: { PATH: process.env['PATH'] ?? '', ...env } });
      child.on('exit', (code) => done(code));
    });

  it('is healthy when /health/live answers 200', async () => {
    expect(await run({ PORT: String(port) })).toBe(0);
  });
  it('is unhealthy when the path given answers 503', async () => {
    expect(await run({ PORT: String(port) }, ['/health/ready'])).toBe(1);
  });
  it('falls back to the image default port, and passes when there is no HTTP server to probe (migrate)', async () => {
    expect(await run({ HEALTH_PORT: String(port) })).toBe(0);
    expect(await run({})).toBe(0);
  });
});

describe('docker/build-app.js: compiled images need production dependencies only', () => {
  const { build, entryFor } = require(join(ROOT, 'docker', 'build-app.js')) as {
    build(app: string, out: string): { compiled: number; entry: string };
    entryFor(app: string): string;
  };
  const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
  const targets = [...SERVICES.filter((s) => existsSync(join(ROOT, 'apps', s, 'src', 'main.ts'))), 'migrate'];
  let out: string;

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'vigil-build-app-'));
  });
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  /** Every module reachable from the entry by require(), and the bare package names it needs. */
  function reachable(root: string, entry: string): { files: string[]; packages: Set<string>; problems: string[] } {
    const files: string[] = [];
    const packages = new Set<string>();
    const problems: string[] = [];
    const seen = new Set<string>();
    const visit = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      files.push(file);
      if (!file.endsWith('.js')) return;
      const code = readFileSync(file, 'utf8');
      for (const m of code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)) {
        const spec = m[1];
        if (spec.startsWith('@vigil/')) problems.push(`${file}: alias ${spec} left unresolved`);
        else if (spec.startsWith('.')) {
          // Node's order: the file itself, then .js, .json, then the directory's index.js.
          const base = resolve(dirname(file), spec);
          const hit = [base, `${base}.js`, `${base}.json`, join(base, 'index.js')].find((p) => existsSync(p) && statSync(p).isFile());
          if (hit) visit(hit);
          else problems.push(`${file}: ${spec} does not resolve`);
        } else if (!builtins.has(spec)) {
          packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
        }
      }
    };
    visit(join(root, entry));
    return { files, packages, problems };
  }

  it.each(targets.map((t) => [t]))('%s: compiles, resolves every import, and needs only what npm ci --omit=dev installs', (app) => {
    const dir = join(out, app);
    const result = build(app, dir);
    expect(result.entry).toBe(entryFor(app));
    expect(readlinkSync(join(dir, 'main.js'))).toBe(result.entry);
    const { files, packages, problems } = reachable(dir, result.entry);
    expect(problems).toEqual([]);
    expect(files.length).toBeGreaterThan(3);
    // What `npm ci --omit=dev` installs: the lockfile's packages not marked dev (direct
    // dependencies and their dependencies).
    const installed = (p: string) => {
      const entry = lock.packages[`node_modules/${p}`];
      return !!entry && !entry.dev && !entry.devOptional;
    };
    const notProduction = [...packages].filter((p) => !installed(p));
    expect({ app, notProduction }).toEqual({ app, notProduction: [] });
    // No test code and no TypeScript in the output.
    expect(files.filter((f) => /\.(spec|int-spec)\.js$|\.ts$/.test(f))).toEqual([]);
  });

  it.each(targets.map((t) => [t]))('%s: plain node loads the compiled app and it validates its configuration at start', (app) => {
    const dir = join(out, `${app}-run`);
    build(app, dir);
    // Resolve packages from the repository's node_modules, as /app/node_modules in the image.
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const badSetting = app === 'migrate' ? { CASSANDRA_READ_CONSISTENCY: 'SOMETIMES' } : { PORT: 'not-a-port' };
    const run = spawnSync(process.execPath, ['--enable-source-maps', join(dir, 'main.js')], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', NODE_ENV: 'production', OTEL_SDK_DISABLED: 'true', ...badSetting },
      encoding: 'utf8',
      timeout: 60_000,
    });
    // Every module loaded (a missing module or a decorator problem would fail before this), then
    // the configuration check exited with EX_CONFIG naming the bad setting.
    expect({
      status: run.status,
      stderr: run.stderr
        .split('\n')
        .filter((l) => /not-a-port|SOMETIMES|PORT|CONSISTENCY|Cannot find|Error/.test(l))
        .slice(0, 5),
    }).toEqual({
      status: 78,
      stderr: expect.arrayContaining([expect.stringMatching(app === 'migrate' ? /CASSANDRA_READ_CONSISTENCY/ : /PORT/)]),
    });
  });

  it('care-api gets the dashboard it serves', () => {
    const facts = appFacts('care-api');
    const servesDashboard = facts.sourceFiles.some((f) => /care-dashboard/.test(readFileSync(f, 'utf8')));
    const { EXTRA_APP_DIRS } = require(join(ROOT, 'docker', 'build-app.js')) as { EXTRA_APP_DIRS: Record<string, string[]> };
    if (servesDashboard || !facts.exists) expect(EXTRA_APP_DIRS['care-api']).toContain('care-dashboard');
  });
});
