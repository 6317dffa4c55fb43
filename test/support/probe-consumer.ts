import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inject } from "vitest";
import { stringify } from "yaml";
import { pubsubComponent } from "../../platform/dapr/pubsub.js";
import { resiliency } from "../../platform/dapr/resiliency.js";
import { withScopes } from "../../platform/dapr/resource.js";
import { components } from "../../platform/topology.js";
import { type LocalBroker, startBroker } from "../../scripts/local/brokers.js";
import { freePort, waitFor } from "../../scripts/local/ports.js";
import { ProcessGroup, type Spawned } from "../../scripts/local/processes.js";
import type { LocalPubsubProfile } from "../../scripts/local/profiles.js";
import { newRedisPassword, startRedis } from "../../scripts/local/redis.js";

export interface Delivery {
  readonly seq: number;
  readonly attempt: number;
}

/** The apps of a probe: `publisher` has no app; each consumer is its own durable consumer (app-id). */
export const probeApps = ["publisher", "first", "late"] as const;
type ProbeApp = (typeof probeApps)[number];

/** A consumer app: a tiny HTTP server in this process that records what its sidecar delivers. */
class ConsumerApp {
  readonly deliveries: Delivery[] = [];
  /** Sequence numbers whose first delivery the app fails (then accepts the redelivery). */
  readonly failFirst = new Set<number>();
  private readonly attempts = new Map<number, number>();
  readonly server: Server = createServer((req, res) => this.handle(req, res));

  private handle(req: IncomingMessage, res: ServerResponse): void {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString("utf8")));
    req.on("end", () => {
      if (req.method !== "POST") {
        res.writeHead(200, { "content-type": "application/json" }).end(req.url === "/dapr/subscribe" ? "[]" : "{}");
        return;
      }
      const seq = (JSON.parse(body) as { data: { seq: number } }).data.seq;
      const attempt = (this.attempts.get(seq) ?? 0) + 1;
      this.attempts.set(seq, attempt);
      this.deliveries.push({ seq, attempt });
      const fail = attempt === 1 && this.failFirst.has(seq);
      res.writeHead(fail ? 500 : 200, { "content-type": "application/json" }).end(JSON.stringify({ status: fail ? "RETRY" : "SUCCESS" }));
    });
  }

  /** Sequence numbers in the order they were first handled successfully. */
  get handled(): number[] {
    return this.deliveries.filter((d) => d.attempt === (this.failFirst.has(d.seq) ? 2 : 1)).map((d) => d.seq);
  }
}

/**
 * A real broker of a profile, read by real daprd sidecars with the project's own pub/sub
 * component and Resiliency policy, delivering one topic to small HTTP apps in this process: how
 * the broker behaves (ordering, redelivery, resumption, retention) as the services see it.
 */
export class BrokerProbe {
  readonly apps: Record<Exclude<ProbeApp, "publisher">, ConsumerApp> = { first: new ConsumerApp(), late: new ConsumerApp() };
  private readonly sidecars = new Map<ProbeApp, Spawned>();
  private readonly ports = new Map<ProbeApp, { app: number; http: number; grpc: number; metrics: number }>();

  private constructor(
    readonly group: ProcessGroup,
    readonly broker: LocalBroker,
    private readonly dir: string,
  ) {}

  static async start(profile: LocalPubsubProfile): Promise<BrokerProbe> {
    const group = new ProcessGroup();
    const dir = mkdtempSync(join(tmpdir(), `meridian-probe-${profile}-`));
    const redisDir = join(dir, "redis");
    const holder = { redis: await startRedis(group, "probe-redis", redisDir, newRedisPassword()) };
    const broker = await startBroker(profile, {
      group,
      region: "probe",
      runId: Math.random().toString(16).slice(2, 10),
      dir,
      redis: () => holder.redis,
      restartRedis: async () => {
        holder.redis = await startRedis(group, "probe-redis", redisDir, holder.redis.password, holder.redis.port);
      },
    });
    const probe = new BrokerProbe(group, broker, dir);
    for (const app of probeApps)
      probe.ports.set(app, { app: await freePort(), http: await freePort(), grpc: await freePort(), metrics: await freePort() });
    for (const app of ["first", "late"] as const) {
      await new Promise<void>((resolve) => probe.apps[app].server.listen(probe.ports.get(app)!.app, "127.0.0.1", resolve));
    }
    probe.writeResources();
    return probe;
  }

  /** The project's pub/sub component for this broker (each app its own consumer), one subscription, the Resiliency policy. */
  private writeResources(): void {
    const resources = join(this.dir, "resources");
    mkdirSync(resources, { recursive: true });
    const { connection, secrets } = this.broker.connect(this.broker.port);
    const secretsFile = join(this.dir, "secrets.json");
    writeFileSync(secretsFile, JSON.stringify(secrets), { mode: 0o600 });
    const docs = [
      {
        apiVersion: "dapr.io/v1alpha1",
        kind: "Component",
        metadata: { name: "probe-secrets" },
        spec: { type: "secretstores.local.file", version: "v1", metadata: [{ name: "secretsFile", value: secretsFile }] },
      },
      {
        ...withScopes(pubsubComponent(components.pubsub, connection, { role: "events" }), probeApps),
        auth: { secretStore: "probe-secrets" },
      },
      {
        apiVersion: "dapr.io/v2alpha1",
        kind: "Subscription",
        metadata: { name: "probe-orders" },
        spec: { pubsubname: components.pubsub, topic: "orders", routes: { default: "/events" } },
        scopes: ["first", "late"],
      },
      resiliency(),
    ];
    docs.forEach((d, i) => writeFileSync(join(resources, `${i}.yaml`), stringify(d)));
    writeFileSync(
      join(this.dir, "config.yaml"),
      stringify({
        apiVersion: "dapr.io/v1alpha1",
        kind: "Configuration",
        metadata: { name: "probe" },
        spec: { metric: { enabled: false } },
      }),
    );
  }

  /** Starts (or starts again) an app's sidecar and waits until it is healthy. */
  async startSidecar(app: ProbeApp): Promise<void> {
    const p = this.ports.get(app)!;
    const appArgs =
      app === "publisher" ? [] : ["--app-port", String(p.app), "--app-protocol", "http", "--app-channel-address", "127.0.0.1"];
    this.sidecars.set(
      app,
      this.group.spawn(
        `probe-${app}-daprd`,
        inject("daprd"),
        [
          ...["--app-id", app, ...appArgs, "--dapr-listen-addresses", "127.0.0.1", "--dapr-http-port", String(p.http)],
          ...["--dapr-grpc-port", String(p.grpc), "--metrics-port", String(p.metrics), "--metrics-listen-address", "127.0.0.1"],
          ...["--resources-path", join(this.dir, "resources"), "--config", join(this.dir, "config.yaml"), "--log-level", "warn"],
        ],
        { PATH: process.env["PATH"], HOME: process.env["HOME"] },
        join(this.dir, `${app}.daprd.log`),
      ),
    );
    await waitFor(
      `the probe's ${app} sidecar`,
      async () => (await fetch(`http://127.0.0.1:${p.http}/v1.0/healthz`)).status === 204,
      30_000,
      100,
    );
  }

  /** SIGKILL: no graceful shutdown, nothing acknowledged on the way out. */
  async killSidecar(app: ProbeApp): Promise<void> {
    const sidecar = this.sidecars.get(app);
    if (sidecar) await ProcessGroup.stop([sidecar], 0);
  }

  /** Publishes `{seq}` messages, one after the other, through the publisher's sidecar. */
  async publish(seqs: readonly number[]): Promise<void> {
    const http = this.ports.get("publisher")!.http;
    for (const seq of seqs) {
      const res = await fetch(`http://127.0.0.1:${http}/v1.0/publish/${components.pubsub}/orders`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ seq, order: "o-1" }),
      });
      if (res.status !== 204) throw new Error(`publish ${seq}: ${res.status} ${await res.text()}`);
    }
  }

  async stop(): Promise<void> {
    await this.group.stopAll((m) => (m.name.endsWith("-daprd") ? 0 : 1));
    await this.broker.dispose();
    for (const app of Object.values(this.apps)) await new Promise<void>((resolve) => app.server.close(() => resolve()));
  }
}
