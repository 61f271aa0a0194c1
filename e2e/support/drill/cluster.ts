/**
 * The drill's handle on the local cluster of `deploy/local/infra.sh --nodes N` (Kafka and Cassandra
 * on 127.0.0.2..): its settings for the apps, and one node killed or started again. The script
 * signals only the pid in that node's state dir; the shared single-node servers are not touched.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { REPO_ROOT } from '../service-process';

const INFRA = path.join(REPO_ROOT, 'deploy/local/infra.sh');

export type ClusterNode = `kafka-${number}` | `cassandra-${number}`;

export class DrillCluster {
  constructor(readonly nodes: number) {}

  /** Starts what is not running (idempotent) and waits until every node answers. */
  async up(node?: ClusterNode): Promise<void> {
    await this.run(['up', ...(node ? [node] : ['kafka', 'cassandra'])]);
  }

  /** SIGKILL of one node: a crash; its data stays, up(node) brings it back. */
  async kill(node: ClusterNode): Promise<void> {
    await this.run(['kill', node]);
  }

  /** KAFKA_BROKERS, CASSANDRA_CONTACT_POINTS, the replication factors and LOCAL_QUORUM. */
  async env(): Promise<Record<string, string>> {
    const out = await this.run(['env']);
    return Object.fromEntries(
      out
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
    );
  }

  private run(args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile('bash', [INFRA, '--nodes', String(this.nodes), ...args], { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
        err ? reject(new Error(`infra.sh --nodes ${this.nodes} ${args.join(' ')}: ${err.message}\n${stderr.slice(-3000)}`)) : resolve(stdout),
      );
    });
  }
}
