import { defineConfig, type Plugin } from 'vite';

// Built with `npm run build:dashboard` (from the repo root); care-api serves dist/ at /dashboard.
// Paths are relative to this file, whatever the working directory.
const root = __dirname;

/** The dashboard shares payload *types* with the services; their runtime code (Nest, class-validator) never ships to a browser. */
function typesOnlyFromLibs(): Plugin {
  return {
    name: 'vigil-types-only-from-libs',
    enforce: 'pre',
    resolveId(id, importer) {
      if (id.startsWith('@vigil/')) this.error(`${importer ?? '?'} imports ${id} at runtime: use \`import type\` (libs are server code)`);
      return null;
    },
  };
}

export default defineConfig({
  root,
  base: '/dashboard/',
  publicDir: false,
  logLevel: 'warn',
  plugins: [typesOnlyFromLibs()],
  build: {
    outDir: `${root}/dist`,
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: { port: 5173, strictPort: true },
});
