/**
 * A region's pub/sub broker on this machine, per profile: Redis Streams in the region's own
 * redis-server, NATS JetStream in a nats-server of its own, or RabbitMQ in a virtual host of its
 * own on the machine's server (with a user allowed only there). Every broker takes credentials
 * made for the run, given to the sidecars through the local secret store.
 */
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { BrokerConnection } from "../../platform/dapr/pubsub.js";
import { brokerTopics } from "../../platform/topology.js";
import { type Command, ensureRabbitmq, hostServices, rabbitmqctl, rabbitmqctlCommand, run } from "./host-services.js";
import { LinkProxy } from "./link-proxy.js";
import { type NatsHandle, ensureStreams, newNatsToken, startNats } from "./nats.js";
import { ProcessGroup, type Spawned } from "./processes.js";
import type { LocalPubsubProfile } from "./profiles.js";
import type { RedisHandle } from "./redis.js";
import { localNamespace } from "./resources.js";

export interface Connected<C> {
  readonly connection: C;
  /** The values behind the connection's secret references, by local secret-store key. */
  readonly secrets: Readonly<Record<string, string>>;
}

export interface LocalBroker {
  readonly profile: LocalPubsubProfile;
  /** The loopback port its clients connect to; relays from other regions point here. */
  readonly port: number;
  /** How a sidecar that reaches this broker at `port` (its own, or a relay's) connects. */
  connect(port: number): Connected<BrokerConnection>;
  /** Its own process, if any, to stop after the apps. */
  process(): Spawned | undefined;
  /** Unreachable at once (SIGKILL, or every connection cut), back after `downMs` on the same port and data. */
  crash(downMs: number): Promise<void>;
  stop(graceMs: number): Promise<void>;
  start(): Promise<void>;
  /** Removes what it made on a shared server (virtual host, user). */
  dispose(): Promise<void>;
}

const secretKey = (region: string, what: string): string => `broker-${region}-${what}`;

export interface BrokerContext {
  readonly group: ProcessGroup;
  readonly region: string;
  readonly runId: string;
  readonly dir: string;
  /** The region's redis-server (the Redis profiles' home). */
  readonly redis: () => RedisHandle;
  readonly restartRedis: () => Promise<void>;
}

export async function startBroker(profile: LocalPubsubProfile, ctx: BrokerContext): Promise<LocalBroker> {
  switch (profile) {
    case "redis":
      return redisBroker(ctx);
    case "jetstream":
      return jetstreamBroker(ctx);
    case "rabbitmq":
      return rabbitmqBroker(ctx);
  }
}

function redisBroker(ctx: BrokerContext): LocalBroker {
  const key = secretKey(ctx.region, "password");
  return {
    profile: "redis",
    port: ctx.redis().port,
    connect: (port) => ({
      connection: { profile: "redis", address: { host: "127.0.0.1", port }, password: { name: key, key } },
      secrets: { [key]: ctx.redis().password },
    }),
    process: () => undefined,
    crash: async (downMs) => {
      await ProcessGroup.stop([ctx.redis().process], 0);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await ctx.restartRedis();
    },
    // The region's redis-server is stopped and started with the region itself.
    stop: async () => {},
    start: async () => {},
    dispose: async () => {},
  };
}

async function jetstreamBroker(ctx: BrokerContext): Promise<LocalBroker> {
  const token = newNatsToken();
  const dataDir = join(ctx.dir, "nats");
  const name = `${ctx.region}-nats`;
  let nats: NatsHandle = await startNats(ctx.group, name, dataDir, token);
  const port = nats.port;
  const start = async (): Promise<void> => {
    nats = await startNats(ctx.group, name, dataDir, token, port);
    await ensureStreams(port, token, brokerTopics(localNamespace));
  };
  await ensureStreams(port, token, brokerTopics(localNamespace));
  const key = secretKey(ctx.region, "token");
  return {
    profile: "jetstream",
    port,
    connect: (via) => ({
      connection: { profile: "jetstream", url: `nats://127.0.0.1:${via}`, token: { name: key, key } },
      secrets: { [key]: token },
    }),
    process: () => nats.process,
    crash: async (downMs) => {
      await ProcessGroup.stop([nats.process], 0);
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    stop: (graceMs) => ProcessGroup.stop([nats.process], graceMs),
    start,
    dispose: async () => {},
  };
}

/**
 * A region's virtual host, and its user allowed only there. The password goes on stdin, where
 * rabbitmqctl reads it when the argument is left out: not on its command line.
 */
export function rabbitmqRegionCommands(vhost: string, user: string, password: string): Command[] {
  return [
    rabbitmqctlCommand(["add_vhost", vhost]),
    rabbitmqctlCommand(["add_user", user], `${password}\n`),
    rabbitmqctlCommand(["set_permissions", "-p", vhost, user, ".*", ".*", ".*"]),
  ];
}

/**
 * RabbitMQ runs once per machine: the region's isolation is its virtual host, and a user of its
 * own allowed only there. Its sidecars reach the server through a relay of the region's own, so a
 * crash or a stopped region is every connection cut and refused, as when a broker dies.
 */
async function rabbitmqBroker(ctx: BrokerContext): Promise<LocalBroker> {
  await ensureRabbitmq();
  const vhost = `meridian-${ctx.runId}-${ctx.region}`;
  const user = vhost;
  const password = randomBytes(24).toString("hex");
  for (const command of rabbitmqRegionCommands(vhost, user, password)) run(command);
  const relay = await LinkProxy.start(hostServices.rabbitmq.port);
  return {
    profile: "rabbitmq",
    port: relay.port,
    connect: (via) => {
      const key = secretKey(ctx.region, `uri-${via}`);
      return {
        connection: { profile: "rabbitmq", connectionString: { name: key, key } },
        secrets: { [key]: `amqp://${user}:${password}@127.0.0.1:${via}/${encodeURIComponent(vhost)}` },
      };
    },
    process: () => undefined,
    crash: async (downMs) => {
      relay.cut();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      relay.heal();
    },
    stop: async () => relay.cut(),
    start: async () => relay.heal(),
    dispose: async () => {
      await relay.close();
      try {
        rabbitmqctl("delete_vhost", vhost);
        rabbitmqctl("delete_user", user);
      } catch (err) {
        process.stderr.write(`warning: could not remove RabbitMQ vhost ${vhost}: ${String(err)}\n`);
      }
    },
  };
}
