import { type Server, type Socket, connect, createServer } from "node:net";
import { freePort } from "./ports.js";

/**
 * A TCP relay standing for the network between two regions on one machine: each region reaches
 * its peer's broker only through one of these, so a drill can cut the link (partition) while
 * both regions stay up, and heal it again. With several targets it stands for a Kubernetes
 * Service in front of replicas: each new connection goes to the next target. Loopback only.
 */
export class LinkProxy {
  private readonly sockets = new Set<Socket>();
  private cutOff = false;
  private next = 0;

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Relays to `targets` (a port, or the ports of replicas, taken in turn), listening on `port` or a free one. */
  static async start(targets: number | readonly number[], port?: number): Promise<LinkProxy> {
    const ports = typeof targets === "number" ? [targets] : targets;
    const listenPort = port ?? (await freePort());
    const server = createServer();
    const proxy = new LinkProxy(server, listenPort);
    server.on("connection", (client) => proxy.relay(client, ports[proxy.next++ % ports.length]!));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(listenPort, "127.0.0.1", resolve);
    });
    return proxy;
  }

  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  private relay(client: Socket, targetPort: number): void {
    if (this.cutOff) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: "127.0.0.1", port: targetPort });
    for (const s of [client, upstream]) {
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  }

  /** Partition: drops every open connection and refuses new ones until healed. */
  cut(): void {
    this.cutOff = true;
    for (const s of this.sockets) s.destroy();
  }

  heal(): void {
    this.cutOff = false;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
