import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import net from 'node:net';
import { jsonLogCreator } from '../log';

export type FaultMode = 'up' | 'down' | 'blackhole';

/**
 * Puts a switchable TCP proxy between a kafkajs client and the real broker, so tests can take
 * "the broker" away in milliseconds (the shared broker itself is never touched):
 *   down      - every connection is reset and new ones are dropped at once (a crashed broker)
 *   blackhole - connections stay open but nothing gets through (a partition / a hung broker)
 */
export class FaultyNetwork {
  mode: FaultMode = 'up';
  private readonly servers = new Map<string, Promise<number>>();
  private readonly pairs = new Set<{ client: net.Socket; upstream: net.Socket }>();
  private readonly clients = new Set<net.Socket>();
  private readonly listeners: net.Server[] = [];

  /** A kafkajs client whose every broker connection goes through this network. */
  kafka(brokers: string[], clientId = 'fault-test'): Kafka {
    const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
      const socket = new net.Socket();
      void this.proxyPort(host, port).then((p) => socket.connect({ host: '127.0.0.1', port: p }, onConnect));
      socket.setKeepAlive(true, 1000);
      return socket;
    };
    return new Kafka({
      clientId,
      brokers,
      socketFactory,
      connectionTimeout: 1000,
      requestTimeout: 3000,
      logLevel: logLevel.NOTHING,
      logCreator: jsonLogCreator(),
    });
  }

  set(mode: FaultMode): void {
    this.mode = mode;
    if (mode === 'down') {
      for (const p of this.pairs) p.upstream.destroy();
      for (const c of this.clients) c.destroy();
      this.pairs.clear();
      this.clients.clear();
    }
  }

  async close(): Promise<void> {
    this.set('down');
    await Promise.all(this.listeners.map((s) => new Promise((r) => s.close(() => r(undefined)))));
  }

  private proxyPort(host: string, port: number): Promise<number> {
    const key = `${host}:${port}`;
    let p = this.servers.get(key);
    if (!p) {
      p = new Promise<number>((resolve) => {
        const server = net.createServer((client) => this.accept(client, host, port));
        this.listeners.push(server);
        server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
      });
      this.servers.set(key, p);
    }
    return p;
  }

  private accept(client: net.Socket, host: string, port: number): void {
    client.on('error', () => undefined);
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    if (this.mode === 'down') {
      client.destroy();
      return;
    }
    if (this.mode === 'blackhole') {
      client.on('data', () => undefined); // swallowed
      return;
    }
    const upstream = net.connect({ host, port });
    upstream.on('error', () => client.destroy());
    const pair = { client, upstream };
    this.pairs.add(pair);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', drop);
    upstream.on('close', drop);
    client.on('data', (d) => {
      if (this.mode === 'up') upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (this.mode === 'up') client.write(d);
    });
  }
}
