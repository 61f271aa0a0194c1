/**
 * deploy/local/infra.sh and Keycloak, without a Keycloak: a stand-in distribution (bin/kc.sh, a bash
 * script that "configures" for a moment, then serves the realm's discovery document and JWKS) in a
 * private cache, two private state dirs on free ports. Never touches the shared servers.
 *
 * - two concurrent `up keycloak` sharing one distribution do not configure it at the same time;
 * - plain `down` stops Keycloak too, and plain `status` lists it.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

const INFRA = path.resolve(__dirname, '../deploy/local/infra.sh');
const POM = path.resolve(__dirname, '../deploy/local/pom-keycloak.xml');

interface Run {
  code: number;
  out: string;
}

function infra(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile('bash', [INFRA, ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

// kc.sh stand-in: records when it configures (as the real first JVM may rewrite lib/quarkus/), then
// prints Quarkus's started line and serves what probe.js asks for, until signalled.
const FAKE_KC = `#!/usr/bin/env bash
port=
for a in "$@"; do case "$a" in --http-port=*) port="\${a#--http-port=}" ;; esac; done
echo "configure-start $$ $(date +%s%N)" >>"$KC_TRACE"
sleep 1
echo "configure-end $$ $(date +%s%N)" >>"$KC_TRACE"
echo "Keycloak stand-in (powered by nothing) started in 1.0s. Listening on: http://127.0.0.1:$port"
node -e '
const port = Number(process.argv[1]);
require("node:http").createServer((req, res) => {
  res.setHeader("content-type", "application/json");
  if (req.url.endsWith("/.well-known/openid-configuration"))
    return res.end(JSON.stringify({ issuer: "http://127.0.0.1:" + port + "/realms/vigil", jwks_uri: "http://127.0.0.1:" + port + "/certs" }));
  if (req.url === "/certs") return res.end(JSON.stringify({ keys: [{ kid: "k1" }] }));
  res.statusCode = 404; res.end("{}");
}).listen(port, "127.0.0.1");
' "$port" &
child=$!
trap 'kill $child 2>/dev/null; exit 143' TERM INT
wait $child
`;

describe('deploy/local/infra.sh with Keycloak (stand-in distribution)', () => {
  let root: string;
  let trace: string;
  const envs: Record<string, string>[] = [];

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'vigil-infra-kc-'));
    const cache = path.join(root, 'cache');
    const version = /<keycloak\.version>(.*)<\/keycloak\.version>/.exec(readFileSync(POM, 'utf8'))![1]!;
    const dist = path.join(cache, 'lib', `keycloak-${version}`);
    mkdirSync(path.join(dist, 'bin'), { recursive: true });
    writeFileSync(path.join(dist, 'bin', 'kc.sh'), FAKE_KC);
    chmodSync(path.join(dist, 'bin', 'kc.sh'), 0o755);
    writeFileSync(path.join(dist, '.complete'), `${createHash('sha256').update(readFileSync(POM)).digest('hex')}\n`);
    trace = path.join(root, 'trace');
    writeFileSync(trace, '');
    for (const name of ['a', 'b']) {
      envs.push({
        VIGIL_INFRA_DIR: path.join(root, name),
        VIGIL_INFRA_CACHE: cache,
        KC_TRACE: trace,
        KEYCLOAK_PORT: String(await freePort()),
        KEYCLOAK_MANAGEMENT_PORT: String(await freePort()),
        // Private ports for the others, so a plain `down` / `status` cannot reach a shared server.
        REDIS_PORT: String(await freePort()),
        KAFKA_PORT: String(await freePort()),
        CASSANDRA_PORT: String(await freePort()),
        KEYCLOAK_START_TIMEOUT: '60',
      });
    }
  });

  afterAll(async () => {
    for (const env of envs) await infra(env, 'kill', 'keycloak');
    rmSync(root, { recursive: true, force: true });
  });

  it('two concurrent first starts sharing one distribution configure it one after the other', async () => {
    const [a, b] = await Promise.all(envs.map((env) => infra(env, 'up', 'keycloak')));
    expect(a!.code).toBe(0);
    expect(b!.code).toBe(0);
    const events = readFileSync(trace, 'utf8')
      .trim()
      .split('\n')
      .map((l) => l.split(' '));
    expect(events.map((e) => e[0])).toEqual(['configure-start', 'configure-end', 'configure-start', 'configure-end']);
    // Each configuring phase ends before the other begins, and belongs to one process.
    expect(events[0]![1]).toBe(events[1]![1]);
    expect(events[2]![1]).toBe(events[3]![1]);
    expect(BigInt(events[2]![2]!)).toBeGreaterThanOrEqual(BigInt(events[1]![2]!));
    expect(`${a!.out}${b!.out}`).toContain('another start is configuring');
  });

  it('plain status lists Keycloak; plain down stops it; then status says down without failing on it', async () => {
    const env = envs[0]!;
    const pid = (await infra(env, 'pid', 'keycloak')).out.trim();
    expect(pid).toMatch(/^\d+$/);

    const status = await infra(env, 'status');
    expect(status.out).toMatch(new RegExp(`keycloak\\s+up\\s+pid ${pid}`));

    const down = await infra(env, 'down');
    expect(down.code).toBe(0);
    expect(down.out).toContain(`keycloak: stopped pid ${pid}`);
    expect((await infra(env, 'pid', 'keycloak')).code).not.toBe(0);

    const after = await infra(env, 'status', 'keycloak');
    expect(after.code).toBe(1); // asked for by name: down is a failure
    const plain = await infra(env, 'status');
    expect(plain.out).toMatch(/keycloak\s+down .*optional/);
  });
});
