/**
 * The local three-node cluster (`deploy/local/infra.sh --nodes 3`, drilled by `npm run drill -- --nodes 3`)
 * runs the Kubernetes base's replication and consistency settings, so what is drilled is what a
 * cluster runs. No servers: `env` only prints the apps' settings.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { ROOT } from './lib/app-facts';

function literals(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of readFileSync(file, 'utf8').matchAll(/^\s*- ([A-Z][A-Z0-9_]*)=(.*)$/gm)) out[m[1]] = m[2];
  return out;
}

describe('infra.sh --nodes 3: the settings of the Kubernetes base', () => {
  const dir = mkdtempSync(join(os.tmpdir(), 'vigil-cluster-env-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const env = Object.fromEntries(
    execFileSync('bash', [join(ROOT, 'deploy/local/infra.sh'), '--nodes', '3', 'env'], { env: { ...process.env, VIGIL_CLUSTER_DIR: dir }, encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  const base = literals(join(ROOT, 'deploy/k8s/base/kustomization.yaml'));

  it('three brokers and three Cassandra nodes on 127.0.0.2-4, not on the single node 127.0.0.1', () => {
    expect(env['KAFKA_BROKERS']).toBe('127.0.0.2:9092,127.0.0.3:9092,127.0.0.4:9092');
    expect(env['CASSANDRA_CONTACT_POINTS']).toBe('127.0.0.2:9042,127.0.0.3:9042,127.0.0.4:9042');
  });

  it('replication 3 and LOCAL_QUORUM, as the base (its datacenter is dc1, the local one datacenter1)', () => {
    expect(env['KAFKA_REPLICATION_FACTOR']).toBe(base['KAFKA_REPLICATION_FACTOR']);
    expect(env['CASSANDRA_READ_CONSISTENCY']).toBe(base['CASSANDRA_READ_CONSISTENCY']);
    expect(env['CASSANDRA_WRITE_CONSISTENCY']).toBe(base['CASSANDRA_WRITE_CONSISTENCY']);
    expect(JSON.parse(env['CASSANDRA_REPLICATION'])).toEqual({ class: 'NetworkTopologyStrategy', datacenter1: JSON.parse(base['CASSANDRA_REPLICATION']).dc1 });
  });

  it('the broker template takes its replication and min ISR from the node (3 / 2 in the cluster script)', () => {
    const tpl = readFileSync(join(ROOT, 'deploy/local/server.properties.template'), 'utf8');
    expect(tpl).toMatch(/^default\.replication\.factor=@KAFKA_REPLICATION@$/m);
    expect(tpl).toMatch(/^min\.insync\.replicas=@KAFKA_MIN_ISR@$/m);
    const script = readFileSync(join(ROOT, 'deploy/local/cluster.sh'), 'utf8');
    expect(script).toContain('REPLICATION="$((N < 3 ? N : 3))"');
    expect(script).toContain('MIN_ISR="$((REPLICATION > 1 ? REPLICATION - 1 : 1))"');
  });
});
