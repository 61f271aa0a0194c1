#!/usr/bin/env node
// Compiles one Vigil app (and the libraries it may import) from TypeScript to CommonJS for the
// production image, so that the runtime stage needs no compiler, no register hook and no
// devDependencies at all.
//
//   node docker/build-app.js <app> <outDir>
//
// <app> is a directory under apps/ (ingest-api, care-api, timeseries-writer, risk-scorer, ...) or
// `migrate` (the Cassandra migration CLI in libs/storage). The output keeps the repository layout
// (outDir/apps/<app>/src/main.js, outDir/libs/<lib>/src/...), so that code which finds files relative
// to __dirname or to the working directory (CQL migrations, the dashboard's static files) finds them
// exactly as it does when run from source. outDir/main.js, a symlink to the entry, is the image's
// entry point.
//
// SWC does the work, with the repository's own .swcrc (legacy decorators and decorator metadata,
// which NestJS dependency injection needs) and the @vigil/* aliases of tsconfig.base.json rewritten
// to relative paths at compile time, so nothing resolves aliases at run time.
'use strict';

const fs = require('fs');
const path = require('path');
const swc = require('@swc/core');

const ROOT = path.resolve(__dirname, '..');

/** Apps that need another app's files at run time (care-api serves the dashboard). */
const EXTRA_APP_DIRS = { 'care-api': ['care-dashboard'] };
/** Libraries that are only for tests: never in an image. */
const TEST_ONLY_LIBS = new Set(['testing']);
/** Files that are never part of a runtime image. */
const SKIP_FILE =
  /(\.spec\.ts|\.int-spec\.ts|\.e2e-spec\.ts|\.d\.ts|\.test\.ts)$|^(project\.json|tsconfig.*\.json|jest\.config\.[cm]?[jt]s|\.eslintrc.*|eslint\.config\.[cm]?js|README\.md)$/;
const SKIP_DIR = new Set(['node_modules', 'dist', 'tmp', '__tests__', '__fixtures__', 'coverage']);

function entryFor(app) {
  if (app === 'migrate') return 'libs/storage/src/migrate.cli.js';
  return `apps/${app}/src/main.js`;
}

function swcOptions() {
  const swcrc = JSON.parse(fs.readFileSync(path.join(ROOT, '.swcrc'), 'utf8'));
  delete swcrc.$schema;
  const { compilerOptions } = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.base.json'), 'utf8'));
  return {
    ...swcrc,
    swcrc: false,
    sourceMaps: true,
    jsc: { ...swcrc.jsc, baseUrl: ROOT, paths: compilerOptions.paths },
  };
}

function* walk(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.isDirectory()) {
      if (!SKIP_DIR.has(entry.name)) yield* walk(path.join(dir, entry.name));
    } else if (entry.isFile()) {
      yield path.join(dir, entry.name);
    }
  }
}

function build(app, outDir) {
  const sourceDirs = [];
  if (app !== 'migrate') {
    const appDir = path.join(ROOT, 'apps', app);
    if (!fs.existsSync(path.join(appDir, 'src', 'main.ts'))) {
      throw new Error(`apps/${app}/src/main.ts does not exist: APP must name a service under apps/ or be "migrate"`);
    }
    sourceDirs.push(appDir, ...(EXTRA_APP_DIRS[app] ?? []).map((a) => path.join(ROOT, 'apps', a)));
  }
  for (const lib of fs.readdirSync(path.join(ROOT, 'libs'))) {
    if (!TEST_ONLY_LIBS.has(lib)) sourceDirs.push(path.join(ROOT, 'libs', lib));
  }

  const options = swcOptions();
  let compiled = 0;
  let copied = 0;
  for (const dir of sourceDirs) {
    if (!fs.existsSync(dir)) continue;
    for (const file of walk(dir)) {
      const base = path.basename(file);
      if (SKIP_FILE.test(base)) continue;
      const rel = path.relative(ROOT, file);
      const target = path.join(outDir, rel);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      if (file.endsWith('.ts')) {
        const out = swc.transformFileSync(file, { ...options, filename: file, sourceFileName: path.relative(path.dirname(target), file) });
        const jsTarget = target.replace(/\.ts$/, '.js');
        fs.writeFileSync(jsTarget, `${out.code}\n//# sourceMappingURL=${path.basename(jsTarget)}.map\n`);
        if (out.map) fs.writeFileSync(`${jsTarget}.map`, out.map);
        compiled++;
      } else {
        fs.copyFileSync(file, target);
        copied++;
      }
    }
  }

  const entry = entryFor(app);
  if (!fs.existsSync(path.join(outDir, entry))) throw new Error(`entry point ${entry} was not produced`);
  // A symlink, not a wrapper that requires the entry: node runs the real file as the main module,
  // so `require.main === module` guards in CLIs hold and __dirname is the file's own directory.
  const link = path.join(outDir, 'main.js');
  fs.rmSync(link, { force: true });
  fs.symlinkSync(entry, link);
  fs.writeFileSync(path.join(outDir, 'vigil-app.json'), `${JSON.stringify({ app, entry }, null, 2)}\n`);
  return { compiled, copied, entry };
}

if (require.main === module) {
  const [app, outDir] = process.argv.slice(2);
  if (!app || !outDir) {
    console.error('usage: node docker/build-app.js <app|migrate> <outDir>');
    process.exit(2);
  }
  try {
    const result = build(app, path.resolve(outDir));
    console.log(`built ${app}: ${result.compiled} modules compiled, ${result.copied} files copied, entry ${result.entry}`);
  } catch (err) {
    console.error(`build-app: ${err.message}`);
    process.exit(1);
  }
}

module.exports = { build, entryFor, EXTRA_APP_DIRS };
