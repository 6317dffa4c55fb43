import { describe, expect, it } from "vitest";
import { type RegionConfig, defaultRegionConfigs, regionsSchema } from "../../platform/regions.js";
import { daprValidators } from "./schemas.js";
import { type Manifest, synthesise } from "./synth.js";

const dapr = daprValidators();
const meta = (c: Manifest, name: string) =>
  (c["spec"].metadata as { name: string; value?: string; secretKeyRef?: unknown }[]).find((m) => m.name === name);

/** Two regions of the given profiles, as a region config file would give them. */
function withProfiles(pubsub: (name: string, i: number) => unknown, state: (name: string) => unknown): RegionConfig[] {
  // Neither profile is Redis, so the writers' leases name a Redis of their own (replicas.max > 1).
  const lock = { endpoint: endpoint("redis.locks", 6379), password: { name: "redis-locks", key: "password" } };
  return regionsSchema.parse(defaultRegionConfigs().map((r, i) => ({ ...r, pubsub: pubsub(r.name, i), state: state(r.name), lock })));
}

const endpoint = (host: string, port: number) => ({ host, port, reach: { namespace: "brokers" } });
const cross = (name: string, port: number, i: number) => ({
  host: `${name}.example.net`,
  port,
  tls: true,
  reach: { cidr: `10.${100 + i}.0.0/16` },
});

const profiles: Record<string, RegionConfig[]> = {
  "jetstream + mysql": withProfiles(
    (name, i) => ({
      profile: "jetstream",
      endpoint: endpoint("nats.brokers", 4222),
      token: { name: "nats", key: "token" },
      crossRegionEndpoint: cross(name, 4223, i),
    }),
    (name) => ({
      profile: "mysql",
      endpoint: endpoint("mysql.db", 3306),
      connectionString: { name: "mysql", key: "dsn" },
      database: `meridian_${name}`,
    }),
  ),
  "rabbitmq + postgresql": withProfiles(
    (name, i) => ({
      profile: "rabbitmq",
      endpoint: endpoint("rabbitmq.brokers", 5672),
      connectionString: { name: "rabbitmq", key: "uri" },
      crossRegionEndpoint: cross(name, 5671, i),
    }),
    () => ({ profile: "postgresql", endpoint: endpoint("pg.db", 5432), connectionString: { name: "postgres", key: "connection-string" } }),
  ),
};

describe.each(Object.entries(profiles))("manifests on %s", (_label, configs) => {
  const regions = synthesise(configs);

  it("validate against the Dapr CRD schemas, with every credential a secret reference", () => {
    for (const region of regions) {
      for (const m of region.all.filter((x) => x.apiVersion.startsWith("dapr.io/"))) {
        const [group, version] = m.apiVersion.split("/");
        const validate = dapr.get(`${group}/${version}/${m.kind}`)!;
        expect(validate(m), `${m.kind} ${m.metadata.name}: ${JSON.stringify(validate.errors)}`).toBe(true);
      }
      for (const c of region.ofKind("Component")) {
        for (const secretish of ["token", "connectionString", "redisPassword"]) {
          const item = meta(c, secretish);
          if (item) expect(item.secretKeyRef, `${c.metadata.name} ${secretish}`).toBeDefined();
        }
      }
    }
  });

  it("link each region to its peer's broker with its own durable consumer, credentials from the peer's Secret", () => {
    const [east, west] = regions;
    const link = east!.find("Component", "peer-west");
    const profile = west!.config.pubsub.profile;
    expect(link["spec"].type).toBe(`pubsub.${profile}`);
    if (profile === "jetstream") {
      expect(meta(link, "natsURL")?.value).toBe("tls://west.example.net:4223");
      expect(meta(link, "durableName")?.value).toBe("replicator-east");
      expect(meta(link, "token")?.secretKeyRef).toEqual({ name: "peer-west-broker", key: "token" });
    } else {
      expect(meta(link, "consumerID")?.value).toBe("replicator-east");
      expect(meta(link, "connectionString")?.secretKeyRef).toEqual({ name: "peer-west-broker", key: "connectionString" });
    }
    expect(link["scopes"]).toEqual(["replicator"]);
  });

  it("keep the outbox on the state store of the profile", () => {
    const store = regions[0]!.find("Component", "orders-store");
    expect(store["spec"].type).toBe(`state.${regions[0]!.config.state.profile}`);
    expect(meta(store, "outboxPublishTopic")?.value).toBe("orders-relay");
  });
});
