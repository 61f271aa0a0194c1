import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { startOtlpJsonReceiver } from './otlp-receiver';

/**
 * The OTLP exporter imports `http` dynamically, which jest's VM cannot do: the exporting side runs
 * in a child process, as a service under an e2e test would.
 */
describe('OTLP export configured by the standard variables', () => {
  it('sends spans (scrubbed) to OTEL_EXPORTER_OTLP_ENDPOINT, readable by the in-process receiver', async () => {
    const receiver = await startOtlpJsonReceiver();
    try {
      const script = `
        const o = require('./libs/observability/src/index.ts');
        const state = o.startTracing({ serviceName: 'otlp-child' });
        o.withSpan('exported', async (span) => {
          span.setAttribute('url.query', 'metric=LEAK');
          process.stdout.write(JSON.stringify({ state, tp: o.currentTraceparent() }));
        }).then(() => o.shutdownTracing());`;
      const { stdout } = await promisify(execFile)(process.execPath, ['-r', './tools/register.js', '-e', script], {
        cwd: path.resolve(__dirname, '../../..'),
        env: { ...process.env, ...receiver.env, JEST_WORKER_ID: '', NODE_ENV: 'test' },
        timeout: 60_000,
      });
      const child = JSON.parse(stdout) as { state: { exporter: string }; tp: string };
      expect(child.state.exporter).toBe('otlp');
      const spans = await receiver.waitFor((s) => s.some((x) => x.name === 'exported'), 5000);
      const span = spans.find((s) => s.name === 'exported')!;
      expect(span.serviceName).toBe('otlp-child');
      expect(`00-${span.traceId}-${span.spanId}-01`).toBe(child.tp);
      expect(span.attributes['url.query']).toBe('metric=REDACTED');
    } finally {
      await receiver.close();
    }
  }, 60_000);
});
