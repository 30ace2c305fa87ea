import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of a local port, for tests that cut connections the way
 * a flaky network does (both ends see the connection drop; clients reconnect through it).
 */
export class TcpProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private readonly server: Server;
  private listeningPort = 0;

  private constructor(private readonly targetPort: number) {
    this.server = createServer((client) => this.pipe(client));
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy = new TcpProxy(targetPort);
    await new Promise<void>((done) => proxy.server.listen(0, '127.0.0.1', done));
    proxy.listeningPort = (proxy.server.address() as AddressInfo).port;
    return proxy;
  }

  get port(): number {
    return this.listeningPort;
  }

  /** `http://127.0.0.1:<port>` */
  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Cuts every open connection; answers how many there were. */
  dropConnections(): number {
    const count = this.pairs.size;
    for (const [client, upstream] of [...this.pairs]) {
      client.destroy();
      upstream.destroy();
    }
    return count;
  }

  close(): Promise<void> {
    this.dropConnections();
    return new Promise((done) => this.server.close(() => done()));
  }

  private pipe(client: Socket): void {
    const upstream = connect(this.targetPort, '127.0.0.1');
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    const end = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  }
}
