import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

/**
 * A private Kafka, Cassandra or Redis for fault tests (stop / kill / restart mid-test), started
 * through deploy/local/infra.sh with its own state dir and free ports. The shared servers
 * (9092, 9042, 6379) are never touched: the script only signals the pid recorded in this
 * instance's state dir, and so does the exit hook below.
 *
 *   const kafka = await startPrivateServer('kafka');      // ~5-15 s
 *   ... KAFKA_BROKERS: kafka.address ...
 *   await kafka.kill();  await kafka.up();                // data kept: same cluster comes back
 *   kafka.pause();  kafka.resume();                       // SIGSTOP / SIGCONT: a hung server, back at once
 *   await kafka.remove();                                 // kill + delete the state dir
 */
export type PrivateServerKind = 'kafka' | 'cassandra' | 'redis';

const REPO_ROOT = path.resolve(__dirname, '../../..');
const INFRA_SCRIPT = path.join(REPO_ROOT, 'deploy/local/infra.sh');

const PORT_VARS: Record<PrivateServerKind, string[]> = {
  kafka: ['KAFKA_PORT', 'KAFKA_CONTROLLER_PORT'],
  cassandra: ['CASSANDRA_PORT', 'CASSANDRA_STORAGE_PORT', 'CASSANDRA_JMX_PORT'],
  redis: ['REDIS_PORT'],
};

export interface PrivateServerOptions {
  /** State dir root. Default `<repo>/.infra/private` (git-ignored, and on an exec mount, which Cassandra needs). */
  root?: string;
  /** Extra environment for the script (e.g. KAFKA_HEAP_OPTS). */
  env?: Record<string, string>;
  /** Start it at once (default true). */
  start?: boolean;
}

export interface PrivateServer {
  readonly kind: PrivateServerKind;
  readonly dir: string;
  /** The client port. */
  readonly port: number;
  /** `127.0.0.1:<port>`. */
  readonly address: string;
  /** What an app needs to reach it: KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS or REDIS_URL. */
  readonly env: Record<string, string>;
  /** Starts (or restarts on the same data) and waits until it answers. */
  up(): Promise<void>;
  /** SIGTERM, then SIGKILL after STOP_GRACE (10 s). */
  stop(): Promise<void>;
  /** SIGKILL at once: a crash. */
  kill(): Promise<void>;
  /** SIGSTOP: the process is frozen (open connections, no answers: a hung broker). Resume with resume(). */
  pause(): void;
  /** SIGCONT after pause(). */
  resume(): void;
  /** The pid while running, else undefined. */
  pid(): number | undefined;
  /** Kills it and deletes its state dir. */
  remove(): Promise<void>;
}

/** Below Linux's ephemeral range (32768-60999 by default): see freePort. */
const SERVER_PORTS = { from: 20_000, to: 32_000 };
/** Handed out by this process already (several may be picked before any server binds). */
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/**
 * A TCP port nobody listens on right now (on 127.0.0.1), for a server a test starts and may stop and
 * start again. Chosen below the ephemeral range on purpose: a port from that range can be taken
 * while its server is down, by any outgoing connection, or by a client retrying that very port
 * (TCP self-connect), and then the server cannot come back.
 */
export async function freePort(): Promise<number> {
  const span = SERVER_PORTS.to - SERVER_PORTS.from;
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = SERVER_PORTS.from + (randomBytes(2).readUInt16BE(0) % span);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port in ${SERVER_PORTS.from}-${SERVER_PORTS.to}`);
}

function runScript(args: string[], env: Record<string, string>): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [INFRA_SCRIPT, ...args], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`infra.sh ${args.join(' ')} failed: ${err.message}\n${stderr.slice(-4000)}`));
      else resolve(stdout);
    });
  });
}

/** Every private server this process started, killed on exit so none outlives a crashed test run. */
const live = new Set<{ pidFile: string }>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const s of live) {
      try {
        const pid = Number(readFileSync(s.pidFile, 'utf8').trim());
        if (pid > 0) {
          process.kill(pid, 'SIGCONT');
          process.kill(pid, 'SIGKILL');
        }
      } catch {
        // not running
      }
    }
  });
}

export async function startPrivateServer(kind: PrivateServerKind, options: PrivateServerOptions = {}): Promise<PrivateServer> {
  const root = options.root ?? path.join(REPO_ROOT, '.infra', 'private');
  const dir = path.join(root, `${kind}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(dir, { recursive: true });
  const ports: Record<string, string> = {};
  for (const v of PORT_VARS[kind]) ports[v] = String(await freePort());
  const env = { ...options.env, ...ports, VIGIL_INFRA_DIR: dir };
  const port = Number(ports[PORT_VARS[kind][0]]);
  const address = `127.0.0.1:${port}`;
  const pidFile = path.join(dir, 'run', `${kind}.pid`);
  const handle = { pidFile };
  installExitHook();

  const server: PrivateServer = {
    kind,
    dir,
    port,
    address,
    env:
      kind === 'kafka'
        ? { KAFKA_BROKERS: address }
        : kind === 'cassandra'
          ? { CASSANDRA_CONTACT_POINTS: address, CASSANDRA_LOCAL_DC: 'datacenter1' }
          : { REDIS_URL: `redis://${address}` },
    async up() {
      live.add(handle);
      await runScript(['up', kind], env);
    },
    async stop() {
      await runScript(['stop', kind], env);
    },
    async kill() {
      await runScript(['kill', kind], env);
    },
    pause() {
      const pid = server.pid();
      if (!pid) throw new Error(`${kind} (${dir}) is not running`);
      process.kill(pid, 'SIGSTOP');
    },
    resume() {
      const pid = server.pid();
      if (pid) process.kill(pid, 'SIGCONT');
    },
    pid() {
      try {
        const pid = Number(readFileSync(pidFile, 'utf8').trim());
        if (!(pid > 0)) return undefined;
        process.kill(pid, 0);
        return pid;
      } catch {
        return undefined;
      }
    },
    async remove() {
      try {
        server.resume();
        if (existsSync(dir)) await runScript(['kill', kind], env);
      } finally {
        live.delete(handle);
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  if (options.start !== false) {
    try {
      await server.up();
    } catch (e) {
      await server.remove().catch(() => undefined);
      throw e;
    }
  }
  return server;
}
