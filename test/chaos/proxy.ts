import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP hop between a client and the stack that the network can fail on: `blackhole()` stops every
 * open connection passing bytes while leaving both ends open, as a dropped Wi-Fi or a NAT timeout
 * does (neither side hears a close). New connections pass again.
 */
export class CuttableProxy {
  private readonly pairs = new Set<[Socket, Socket]>();
  private target: URL;

  private constructor(
    private readonly server: Server,
    readonly url: string,
    target: string,
  ) {
    this.target = new URL(target);
  }

  static async start(target: string): Promise<CuttableProxy> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    const proxy = new CuttableProxy(server, `http://127.0.0.1:${port}`, target);
    server.on("connection", (client) => proxy.pass(client));
    return proxy;
  }

  /** The stack moved (a restart on new ports): later connections go there. */
  retarget(target: string): void {
    this.target = new URL(target);
  }

  private pass(client: Socket): void {
    const upstream = connect(Number(this.target.port), this.target.hostname);
    const pair: [Socket, Socket] = [client, upstream];
    this.pairs.add(pair);
    client.pipe(upstream).pipe(client);
    const drop = () => {
      this.pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on("error", drop).on("close", drop);
    upstream.on("error", drop).on("close", drop);
  }

  blackhole(): number {
    for (const [client, upstream] of this.pairs) {
      client.unpipe(upstream);
      upstream.unpipe(client);
      client.pause();
      upstream.pause();
    }
    return this.pairs.size;
  }

  async close(): Promise<void> {
    for (const [client, upstream] of this.pairs) {
      client.destroy();
      upstream.destroy();
    }
    await new Promise((resolve) => this.server.close(resolve));
  }
}
