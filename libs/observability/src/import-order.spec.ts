import { execFileSync } from 'node:child_process';
import * as path from 'node:path';

/**
 * startTracing() can only hook modules that are loaded after it runs. Services import
 * @vigil/observability first, so importing it must not load any instrumented module (nor the
 * heavy OpenTelemetry SDK, which startTracing loads on demand).
 */
describe('importing @vigil/observability', () => {
  it('loads none of the modules the instrumentations patch', () => {
    const root = path.resolve(__dirname, '../../..');
    const script = `
      require('./libs/observability/src/index.ts');
      const loaded = Object.keys(require.cache)
        .map((f) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(f))
        .filter(Boolean).map((m) => m[1]);
      process.stdout.write(JSON.stringify([...new Set(loaded)]));`;
    const out = execFileSync(process.execPath, ['-r', './tools/register.js', '-e', script], { cwd: root, encoding: 'utf8', timeout: 60_000 });
    const loaded = JSON.parse(out) as string[];
    for (const forbidden of ['@nestjs/core', 'fastify', 'kafkajs', 'ioredis', 'cassandra-driver', '@nestjs/terminus', '@opentelemetry/sdk-node']) {
      expect(loaded).not.toContain(forbidden);
    }
  }, 60_000);
});
