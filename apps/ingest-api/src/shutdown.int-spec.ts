import { ChildProcess, spawn } from 'child_process';
import path from 'path';
import { TOPICS } from '@vigil/contracts';
import { consumeAll, deleteRedisPrefix, deleteTestTopics, freePort, testKafka, testRedisUrl, waitFor } from '@vigil/testing';
import Redis from 'ioredis';
import { idempotencyKey } from './checkins/idempotency';
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
    env = testEnv('shutdown', { PORT: String(port), KAFKA_LINGER_MS: '400', SHUTDOWN_GRACE_MS: '15000', RATE_LIMIT_PER_MINUTE: '600', LOG_LEVEL: 'warn' });
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

    // A steady stream of check-ins (one every 20 ms; RATE_LIMIT_PER_MINUTE is 600). SIGTERM comes
    // when Redis shows one of them pending (reserved, waiting for its Kafka ack in the 400 ms
    // linger): that one was in flight in the server when the signal came, however slow the machine.
    const tok = await token('p-shutdown');
    const answers = new Map<string, number>();
    const fired: string[] = [];
    const inFlight: Promise<void>[] = [];
    const fire = () => {
      const body = checkIn();
      const id = body['checkInId'] as string;
      fired.push(id);
      inFlight.push(
        post(url, '/v1/check-ins', body, { token: tok }).then(
          (r) => void answers.set(id, r.status),
          () => void answers.set(id, 0), // refused: never reached the server
        ),
      );
    };
    const redis = new Redis(testRedisUrl());
    const pump = setInterval(fire, 20);
    let inFlightAtSigterm: string;
    let signalledAt = 0;
    try {
      inFlightAtSigterm = await waitFor(
        async () => {
          const open = fired.filter((id) => !answers.has(id));
          if (open.length === 0) return null;
          const values = await redis.mget(...open.map((id) => `${env['REDIS_KEY_PREFIX']}${idempotencyKey('org-1', 'p-shutdown', id)}`));
          const i = values.findIndex((v) => v?.startsWith('p|'));
          return i >= 0 ? open[i] : null;
        },
        30_000,
        { intervalMs: 10, what: 'a check-in waiting for its Kafka ack' },
      );
      signalledAt = Date.now();
      child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 300)); // and some more after it
    } finally {
      clearInterval(pump);
      redis.disconnect();
    }
    await Promise.all(inFlight);
    const code = await exited;
    expect({ code, output: code === 0 ? '' : output.slice(-2000) }).toEqual({ code: 0, output: '' });
    expect(Date.now() - signalledAt).toBeLessThan(15_000);
    // Never an error: accepted, or refused / 503 because it arrived after SIGTERM.
    for (const status of answers.values()) expect([202, 503, 0]).toContain(status);
    // The drain: the check-in in flight at SIGTERM was answered 202.
    expect(answers.get(inFlightAtSigterm)).toBe(202);
    const accepted = [...answers].filter(([, status]) => status === 202).map(([id]) => id);
    // Nothing new is accepted after it stopped.
    await expect(fetch(`${url}/health/live`)).rejects.toThrow();
    // Every accepted check-in is in Kafka.
    const recs = await consumeAll(testKafka('shutdown'), `${env['TOPIC_PREFIX']}${TOPICS.checkins}`);
    expect(recs.map((r) => r.event?.id).sort()).toEqual(expect.arrayContaining(accepted.sort()));
  }, 150_000);
});
