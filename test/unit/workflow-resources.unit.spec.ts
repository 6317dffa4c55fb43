import { existsSync, mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { allowedApis } from "../../platform/access.js";
import { allWorkflowApps, apps, workflowApps, workflowStateStore } from "../../platform/topology.js";
import { configFileOf, localSecretStore, writeRegionResources } from "../../scripts/local/resources.js";

type Doc = {
  kind: string;
  metadata: { name: string };
  spec: Record<string, unknown> & { metadata?: { name: string; value?: string; secretKeyRef?: { name: string; key: string } }[] };
  scopes?: string[];
  auth?: { secretStore: string };
};

function render(workflows: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "workflow-resources-"));
  const ref = (key: string) => ({ name: key, key });
  const { resourcesDir } = writeRegionResources({
    dir,
    broker: { profile: "redis", address: { host: "127.0.0.1", port: 7000 }, password: ref("broker-east") },
    store: { profile: "redis", address: { host: "127.0.0.1", port: 7000 }, password: ref("store-east") },
    nameResolutionDb: "/x/nr.db",
    region: "east",
    peers: [],
    security: { secrets: { "broker-east": "pw", "store-east": "pw" } },
    workflows,
  });
  const docs = readdirSync(resourcesDir).map((f) => parse(readFileSync(join(resourcesDir, f), "utf8")) as Doc);
  return { docs, dir };
}

const isActorStore = (d: Doc): boolean => (d.spec.metadata ?? []).some((m) => m.name === "actorStateStore" && m.value === "true");

describe("local resources of a region that runs workflows", () => {
  it("has one actor state store on the region's store, scoped to the workflow apps only", () => {
    const { docs } = render(true);
    const actorStores = docs.filter(isActorStore);
    // Dapr loads one actor state store per app; two would fail the sidecar's start.
    expect(actorStores.map((d) => d.metadata.name)).toEqual([workflowStateStore]);
    const [store] = actorStores as [Doc];
    expect(store.spec["type"]).toBe("state.redis");
    expect(store.scopes).toEqual([...allWorkflowApps]);
    const meta = Object.fromEntries((store.spec.metadata ?? []).map((m) => [m.name, m.value ?? m.secretKeyRef]));
    expect(meta).toMatchObject({
      redisHost: "127.0.0.1:7000",
      redisPassword: { name: "store-east", key: "store-east" },
    });
    expect(store.auth).toEqual({ secretStore: localSecretStore });
    // The password reaches the workflow app's sidecar only through the secret store scoped to it.
    expect(docs.find((d) => d.metadata.name === localSecretStore)?.scopes).toEqual(expect.arrayContaining([workflowApps.orderSaga]));
  });

  it("gives the workflow app a Configuration as locked down as the others: order-view only, redriving its dead letters; the same API allow-list", () => {
    const { dir } = render(true);
    const config = parse(readFileSync(configFileOf(dir, workflowApps.orderSaga), "utf8")) as Doc;
    const acl = config.spec["accessControl"] as { defaultAction: string; policies: { appId: string; operations: { name: string }[] }[] };
    expect(acl.defaultAction).toBe("deny");
    // Nothing starts a saga by invocation: it starts from its subscription to order events.
    expect(acl.policies.map((p) => [p.appId, p.operations.map((o) => o.name)])).toEqual([[apps.orderView, ["/events", "/events/**"]]]);
    // Only the workflow app may call the saga's commands, and only where it runs.
    const payments = parse(readFileSync(configFileOf(dir, apps.payments), "utf8")) as Doc;
    const paymentsAcl = payments.spec["accessControl"] as { policies: { appId: string }[] };
    expect(paymentsAcl.policies.map((p) => p.appId).sort()).toEqual([apps.orderView, workflowApps.orderSaga].sort());
    expect(config.spec["api"]).toEqual({ allowed: allowedApis });
    expect(config.spec["secrets"]).toEqual({ scopes: [{ storeName: localSecretStore, defaultAccess: "deny" }] });
  });

  it("renders nothing of it for a region that runs no workflows", () => {
    const { docs, dir } = render(false);
    expect(docs.filter(isActorStore)).toEqual([]);
    expect(docs.find((d) => d.metadata.name === localSecretStore)?.scopes).not.toContain(workflowApps.orderSaga);
    expect(existsSync(configFileOf(dir, workflowApps.orderSaga))).toBe(false);
    expect(existsSync(configFileOf(dir, apps.orders))).toBe(true);
  });
});
