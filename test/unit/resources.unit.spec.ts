import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { configFileOf, localSecretStore, writeRegionResources } from "../../scripts/local/resources.js";
import {
  type AppId,
  type WorkflowAppId,
  allApps,
  apps,
  componentScopes,
  components,
  deadLetterTopicOf,
  deliveryRetry,
  regionSubscriptions,
  relayTopicOf,
  stores,
  topics,
  workflowApps,
} from "../../platform/topology.js";

type Doc = {
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown> & { metadata?: { name: string; value?: string; secretKeyRef?: { name: string; key: string } }[] };
  scopes?: string[];
  auth?: { secretStore: string };
};

function render(otlpEndpoint?: string, workflows = false) {
  const dir = mkdtempSync(join(tmpdir(), "resources-"));
  const ref = (key: string) => ({ name: key, key });
  const { resourcesDir } = writeRegionResources({
    dir,
    broker: { profile: "redis", address: { host: "127.0.0.1", port: 7000 }, password: ref("broker-east") },
    store: { profile: "redis", address: { host: "127.0.0.1", port: 7000 }, password: ref("store-east") },
    lock: { address: { host: "127.0.0.1", port: 7000 }, password: ref("lock-east") },
    nameResolutionDb: "/x/nr.db",
    otlpEndpoint,
    region: "east",
    peers: [{ name: "west", broker: { profile: "redis", address: { host: "127.0.0.1", port: 7001 }, password: ref("broker-west") } }],
    security: { secrets: { "broker-east": "pw-east", "store-east": "pw-east", "lock-east": "pw-east", "broker-west": "pw-west" } },
    workflows,
  });
  // One resource per file: daprd reads only the first document of a Resiliency file.
  const docs = readdirSync(resourcesDir).map((f) => parse(readFileSync(join(resourcesDir, f), "utf8")) as Doc);
  const configOf = (app: AppId | WorkflowAppId): Doc => parse(readFileSync(configFileOf(dir, app), "utf8")) as Doc;
  return { docs, dir, configOf, config: configOf(apps.orders) };
}

describe("local Dapr resources", () => {
  it("scopes every component to exactly the apps topology names", () => {
    const { docs } = render();
    const comps = docs.filter(
      (d) => d.kind === "Component" && !d.metadata.name.startsWith("peer-") && d.metadata.name !== localSecretStore,
    );
    expect(comps.map((c) => c.metadata.name).sort()).toEqual(Object.keys(componentScopes).sort());
    for (const c of comps) expect(c.scopes).toEqual(componentScopes[c.metadata.name]);
  });

  it("turns on the outbox only where topology asks for it", () => {
    const { docs } = render();
    const meta = (name: string) =>
      Object.fromEntries((docs.find((d) => d.metadata.name === name)?.spec.metadata ?? []).map((m) => [m.name, m.value]));
    expect(meta(components.ordersStore)).toMatchObject({
      outboxPublishPubsub: components.pubsub,
      outboxPublishTopic: relayTopicOf(topics.orders),
      outboxPubsub: components.outboxPubsub,
      redisHost: "127.0.0.1:7000",
    });
    expect(meta(components.viewStore)["outboxPublishTopic"]).toBeUndefined();
    expect(meta(components.inventoryStore)).toMatchObject({ outboxPublishTopic: relayTopicOf(topics.inventory) });
    expect(meta(components.paymentsStore)).toMatchObject({ outboxPublishTopic: relayTopicOf(topics.payments) });
    expect(stores.filter((s) => s.outboxTopic).map((s) => s.outboxTopic)).toEqual([topics.orders, topics.inventory, topics.payments]);
  });

  it("declares each subscription for its app", () => {
    const { docs } = render();
    const subs = docs.filter((d) => d.kind === "Subscription");
    // A region without workflows renders none of the workflow app's subscriptions; one peer link.
    expect(subs).toHaveLength(regionSubscriptions(false).length + 1);
    expect(subs.map((s) => s.scopes).flat()).not.toContain(workflowApps.orderSaga);
    expect(subs.find((s) => s.metadata.name === "order-view-orders")).toMatchObject({
      spec: { topic: topics.orders, routes: { default: "/events/orders" }, deadLetterTopic: deadLetterTopicOf("order-view") },
      scopes: ["order-view"],
    });
    // The dead-letter topic's own subscription must not dead-letter into itself.
    expect(subs.find((s) => s.metadata.name === "order-view-deadletter")?.spec["deadLetterTopic"]).toBeUndefined();
  });

  it("links to each peer's broker with this region's own consumer group, for the replicator only", () => {
    const { docs } = render();
    const link = docs.find((d) => d.metadata.name === "peer-west");
    const meta = Object.fromEntries((link?.spec.metadata ?? []).map((m) => [m.name, m.value]));
    expect(meta).toMatchObject({ redisHost: "127.0.0.1:7001", consumerID: "replicator-east" });
    expect(link?.scopes).toEqual(["replicator"]);
    expect(docs.find((d) => d.metadata.name === "replicator-from-west")).toMatchObject({
      spec: { pubsubname: "peer-west", topic: topics.orders, routes: { default: "/replicate/west" } },
      scopes: ["replicator"],
    });
    // Replication never dead-letters: a replica must not skip an event.
    expect(docs.find((d) => d.metadata.name === "replicator-from-west")?.spec["deadLetterTopic"]).toBeUndefined();
  });

  it("retries deliveries as topology says, from a Resiliency in a file of its own", () => {
    const { docs } = render();
    const resiliency = docs.find((d) => d.kind === "Resiliency");
    expect(resiliency?.spec).toMatchObject({
      policies: {
        retries: {
          delivery: { policy: "exponential", maxRetries: deliveryRetry.maxRetries, maxInterval: `${deliveryRetry.maxIntervalMs}ms` },
        },
      },
      targets: { components: { pubsub: { inbound: { retry: "delivery" } } } },
    });
  });

  it("gives an orchestrating region's workflow app a policy and a bound of its own: the sidecar never retries an activity's call", () => {
    expect(
      render()
        .docs.filter((d) => d.kind === "Resiliency")
        .map((d) => [d.metadata.name, d.scopes]),
    ).toEqual([["meridian", undefined]]);
    const { docs, configOf } = render(undefined, true);
    const policies = docs.filter((d) => d.kind === "Resiliency").sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
    expect(policies.map((d) => [d.metadata.name, d.scopes])).toEqual([
      ["meridian", [...allApps]],
      ["meridian-workflows", [workflowApps.orderSaga]],
    ]);
    const targets = (policies[1]?.spec["targets"] ?? {}) as { apps: Record<string, { timeout: string; retry?: string }> };
    expect(Object.values(targets.apps).map((t) => t.retry)).toEqual([undefined, undefined, undefined]);
    expect(configOf(workflowApps.orderSaga).spec["workflow"]).toMatchObject({ maxConcurrentActivityInvocations: expect.any(Number) });
    expect(configOf(apps.orders).spec["workflow"]).toBeUndefined();
  });

  it("takes every broker password from the local secret store, never literally", () => {
    const { docs, dir } = render();
    const secrets = JSON.parse(readFileSync(join(dir, "secrets.json"), "utf8")) as Record<string, string>;
    expect(secrets).toEqual({ "broker-east": "pw-east", "store-east": "pw-east", "lock-east": "pw-east", "broker-west": "pw-west" });
    const redis = docs.filter((d) => d.kind === "Component" && String(d.spec["type"]).includes("redis"));
    expect(redis.length).toBeGreaterThan(0);
    for (const c of redis) {
      const password = c.spec.metadata?.find((m) => m.name === "redisPassword");
      const type = String(c.spec["type"]);
      const key =
        c.metadata.name === "peer-west"
          ? "broker-west"
          : type.startsWith("state.")
            ? "store-east"
            : type.startsWith("lock.")
              ? "lock-east"
              : "broker-east";
      expect(password, c.metadata.name).toEqual({ name: "redisPassword", secretKeyRef: { name: key, key } });
      expect(c.auth).toEqual({ secretStore: localSecretStore });
    }
    expect(JSON.stringify(docs)).not.toContain("pw-east");
  });

  it("gives each app a Configuration that denies every caller the topology does not name", () => {
    const { configOf } = render();
    const acl = (app: AppId) => configOf(app).spec["accessControl"] as { defaultAction: string; policies: { appId: string }[] };
    expect(acl(apps.payments).defaultAction).toBe("deny");
    expect(acl(apps.payments).policies.map((p) => p.appId)).toEqual([apps.orderView]);
    expect(acl(apps.gateway).policies).toEqual([]);
    expect(configOf(apps.orders).spec["secrets"]).toEqual({ scopes: [{ storeName: localSecretStore, defaultAccess: "deny" }] });
  });

  it("lets each app publish only the topics it owns", () => {
    const { docs } = render();
    const pubsub = docs.find((d) => d.metadata.name === components.pubsub);
    const scopes = pubsub?.spec.metadata?.find((m) => m.name === "publishingScopes")?.value ?? "";
    expect(scopes).toContain(`${apps.payments}=${topics.payments},${relayTopicOf(topics.payments)},${topics.deadLetter}`);
    expect(scopes).toContain(`${apps.orderView}=${topics.deadLetter}`);
  });

  it("resolves names per region and traces only when a collector is configured", () => {
    expect(render().config.spec).toMatchObject({
      nameResolution: { component: "sqlite", configuration: { connectionString: "/x/nr.db" } },
    });
    expect(render().config.spec["tracing"]).toBeUndefined();
    expect(render("127.0.0.1:4318").config.spec["tracing"]).toMatchObject({
      samplingRate: "1",
      otel: { endpointAddress: "127.0.0.1:4318", protocol: "http", isSecure: false },
    });
  });
});
