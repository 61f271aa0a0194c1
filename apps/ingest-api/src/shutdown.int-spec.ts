import { ChildProcess, spawn } from 'child_process';
import path from 'path';
import { TOPICS } from '@vigil/contracts';
import { consumeAll, deleteRedisPrefix, deleteTestTopics, freePort, testKafka, waitFor } from '@vigil/testing';
import { checkIn, post, testEnv, token } from './testing';

/**
 * SIGTERM on the real process: it stops accepting, finishes the requests in flight (each answered
 * 202 only after Kafka acknowledged it), flushes the producer and exits 0.
 */
// Real servers on a shared machine: generous per-test and hook timeouts.
jest.setTimeout(60_000);

describe('ingest-api process: graceful shutdown on SIGTERM', () => {
  const root = path.resolve(__dirname, '../../..');
  let child: ChildProcess | undefined;
  let env: Record<string, string>;

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    const kafka = testKafka('shutdown-cleanup');
    await deleteTestTopics(kafka, env['TOPIC_PREFIX']).catch(() => undefined);
    await deleteRedisPrefix(env['REDIS_KEY_PREFIX']).catch(() => undefined);
  });

  it('drains in-flight requests, then exits 0', async () => {
    const port = await freePort();
    // A long linger keeps the requests in flight when SIGTERM arrives.
    env = testEnv('shutdown', { PORT: String(port), KAFKA_LINGER_MS: '400', SHUTDOWN_GRACE_MS: '15000', LOG_LEVEL: 'warn' });
    child = spawn(process.execPath, ['-r', './tools/register.js', 'apps/ingest-api/src/main.ts'], {
      cwd: root,
      env: { PATH: process.env['PATH'] ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child!.on('exit', (code) => resolve(code)));
    const url = `http://127.0.0.1:${port}`;
    await waitFor(async () => (await fetch(`${url}/health/ready`)).status === 200, 90_000, { intervalMs: 250, what: 'ingest-api to be ready' });

    const tok = await token('p-shutdown');
    const bodies = Array.from({ length: 20 }, () => checkIn());
    const inFlight = bodies.map((b) =>
      post(url, '/v1/check-ins', b, { token: tok }).then(
        (r) => ({ id: b['checkInId'] as string, status: r.status }),
        () => ({ id: b['checkInId'] as string, status: 0 }), // refused: never reached the server
      ),
    );
    await new Promise((r) => setTimeout(r, 150));
    const signalledAt = Date.now();
    child.kill('SIGTERM');
    const answers = await Promise.all(inFlight);
    const code = await exited;
    expect({ code, output: code === 0 ? '' : output.slice(-2000) }).toEqual({ code: 0, output: '' });
    expect(Date.now() - signalledAt).toBeLessThan(15_000);
    // Never an error: accepted, or refused / 503 because it arrived after SIGTERM.
    for (const a of answers) expect([202, 503, 0]).toContain(a.status);
    const accepted = answers.filter((a) => a.status === 202).map((a) => a.id);
    expect(accepted.length).toBeGreaterThan(0);
    // Nothing new is accepted after it stopped.
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
    // Every accepted check-in is in Kafka.
    const recs = await consumeAll(testKafka('shutdown'), `${env['TOPIC_PREFIX']}${TOPICS.checkins}`);
    expect(recs.map((r) => r.event?.id).sort()).toEqual(expect.arrayContaining(accepted.sort()));
  }, 150_000);
});
