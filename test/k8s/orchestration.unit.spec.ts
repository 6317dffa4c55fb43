import { describe, expect, it } from "vitest";
import { requiredSecrets } from "../../k8s/secrets/required-secrets.js";
import { regionsSchema } from "../../platform/regions.js";
import {
  allApps,
  apps,
  components,
  deadLetterTopicOf,
  orderSaga,
  topics,
  workflowApps,
  workflowStateStore,
} from "../../platform/topology.js";
import { type Manifest, type SynthesisedRegion, orchestratedEast, synthesise } from "./synth.js";
import { offRedis } from "./off-redis.js";

/** East runs its saga orchestrated, west choreographed: regions may differ (they replicate the same order events). */
const [east, west] = synthesise(orchestratedEast()) as [SynthesisedRegion, SynthesisedRegion];
const saga = workflowApps.orderSaga;

const envOf = (d: Manifest): Record<string, string | undefined> =>
  Object.fromEntries(
    (d["spec"].template.spec.containers[0].env as { name: string; value?: string }[]).map((e) => [e.name, e.value] as const),
  );
const meta = (c: Manifest, name: string) => (c["spec"].metadata as { name: string; value?: string }[]).find((m) => m.name === name);
const policyCallers = (region: SynthesisedRegion, app: string): Record<string, string[]> =>
  Object.fromEntries(
    (region.find("Configuration", `${app}-dapr`)["spec"].accessControl.policies as { appId: string; operations: { name: string }[] }[]).map(
      (p) => [p.appId, p.operations.map((o) => o.name)],
    ),
  );
const mentions = (region: SynthesisedRegion, text: string): string[] =>
  region.all.filter((m) => JSON.stringify(m).includes(text)).map((m) => `${m.kind}/${m.metadata.name}`);

describe("an orchestrated region (east) beside a choreographed one (west)", () => {
  it("deploys order-saga in east as the other apps are deployed, with its own tokens and the sidecar's gRPC port", () => {
    const d = east.find("Deployment", saga);
    const annotations = d["spec"].template.metadata.annotations as Record<string, string>;
    expect(annotations).toMatchObject({
      "dapr.io/app-id": saga,
      "dapr.io/config": `${saga}-dapr`,
      "dapr.io/api-token-secret": `${saga}-dapr-api-token`,
      "dapr.io/app-token-secret": `${saga}-dapr-app-token`,
    });
    expect(d["spec"].template.spec.containers[0].args).toEqual([`dist/services/${saga}/main.js`]);
    expect(envOf(d)).toMatchObject({ SAGA: "orchestration", DAPR_GRPC_PORT: "50001", REGION: "east" });
    for (const kind of ["Service", "ServiceAccount", "PodDisruptionBudget", "HorizontalPodAutoscaler", "NetworkPolicy"]) {
      expect(() => east.find(kind, saga)).not.toThrow();
    }
    // Several replicas are fine: each workflow is an actor, which placement gives to one replica at a time.
    expect(east.find("HorizontalPodAutoscaler", saga)["spec"].maxReplicas).toBe(east.config.replicas.max);
    expect(requiredSecrets(east.all).map((s) => s.name)).toEqual(
      expect.arrayContaining([`${saga}-dapr-api-token`, `${saga}-dapr-app-token`]),
    );
  });

  it("tells every east service to run orchestrated and every west service choreographed", () => {
    for (const [region, style] of [
      [east, "orchestration"],
      [west, "choreography"],
    ] as const) {
      for (const d of region.ofKind("Deployment").filter((x) => x["spec"].template.metadata.annotations?.["dapr.io/app-id"])) {
        expect(envOf(d)["SAGA"], `${region.config.name} ${d.metadata.name}`).toBe(style);
      }
    }
  });

  it("gives east an actor state store on the region's store, for order-saga only; order-saga loads only it and the pub/sub", () => {
    const store = east.find("Component", workflowStateStore);
    expect(meta(store, "actorStateStore")?.value).toBe("true");
    expect(store["spec"].type).toBe(east.find("Component", components.ordersStore)["spec"].type);
    expect(store["scopes"]).toEqual([saga]);
    expect(JSON.stringify(store)).not.toMatch(/"name":"redisPassword","value"/);
    // Only one actor state store per app is allowed, and no other app gets one.
    expect(east.ofKind("Component").filter((c) => meta(c, "actorStateStore"))).toHaveLength(1);
    const others = east.ofKind("Component").filter((c) => c.metadata.name !== workflowStateStore && c.metadata.name !== components.pubsub);
    for (const c of others) expect(c["scopes"], c.metadata.name).not.toContain(saga);
    // It starts sagas from the order events and publishes only its own faults.
    const pubsub = east.find("Component", components.pubsub);
    expect(pubsub["scopes"]).toContain(saga);
    const topicScope = (key: string) =>
      String(meta(pubsub, key)?.value)
        .split(";")
        .find((e) => e.startsWith(`${saga}=`));
    expect(topicScope("subscriptionScopes")).toBe(`${saga}=${topics.orders}`);
    expect(topicScope("publishingScopes")).toBe(`${saga}=${deadLetterTopicOf(saga)}`);
    expect(east.find("Subscription", `${saga}-${topics.orders}`)["scopes"]).toEqual([saga]);
  });

  it("lets only order-view redrive the saga's dead letters, and only order-saga call the services' commands, in east", () => {
    // Orders no longer calls it: the saga starts from the committed order.placed, off the POST path.
    expect(policyCallers(east, saga)).toEqual({ [apps.orderView]: ["/events", "/events/**"] });
    for (const callee of [apps.inventory, apps.payments, apps.orders]) {
      expect(policyCallers(east, callee)[saga], callee).toEqual(["/commands", "/commands/**"]);
    }
  });

  it("opens the network to what order-saga needs: its callers and callees, its own replicas, the state store, the control plane", () => {
    const policy = east.find("NetworkPolicy", saga)["spec"];
    const peers = (rules: { from?: unknown[]; to?: unknown[]; ports: { port: number }[] }[], side: "from" | "to", port: number) =>
      rules
        .filter((r) => r.ports.some((p) => p.port === port))
        .flatMap((r) => (r[side] ?? []) as { podSelector?: { matchLabels: Record<string, string> } }[])
        .map((p) => p.podSelector?.matchLabels["app.kubernetes.io/name"])
        .sort();
    expect(peers(policy.ingress, "from", 50002)).toEqual([apps.orderView, saga].sort());
    expect(peers(policy.egress, "to", 50002)).toEqual([apps.inventory, apps.orders, apps.payments, saga].sort());
    const state = east.config.state.endpoint;
    const egressPorts = (policy.egress as { ports: { port: number }[] }[]).flatMap((r) => r.ports.map((p) => p.port));
    // The actor state store; placement (50005) and scheduler (50006) of the Helm-installed control plane.
    expect(egressPorts).toEqual(expect.arrayContaining([state.port, 50005, 50006]));
    const ordersEgress = east.find("NetworkPolicy", apps.orders)["spec"].egress as {
      to?: { podSelector?: { matchLabels: Record<string, string> } }[];
    }[];
    expect(ordersEgress.flatMap((r) => r.to ?? []).map((p) => p.podSelector?.matchLabels["app.kubernetes.io/name"])).not.toContain(saga);
  });

  it("gives order-saga's sidecar a policy of its own: long command calls it never retries, and a bound on activities in flight", () => {
    // Its activities retry themselves; a sidecar retry under each attempt multiplied the commands a
    // busy service already held, and confirmations stopped at full load.
    expect(east.find("Resiliency", "meridian")["scopes"]).toEqual([...allApps]);
    const own = east.find("Resiliency", "meridian-workflows");
    expect(own["scopes"]).toEqual([saga]);
    const targets = own["spec"].targets as {
      apps: Record<string, { timeout: string; retry?: string }>;
      components: Record<string, unknown>;
    };
    expect(Object.keys(targets.apps).sort()).toEqual([apps.inventory, apps.orders, apps.payments].sort());
    for (const target of Object.values(targets.apps)) {
      expect(target.retry).toBeUndefined();
      expect(own["spec"].policies.timeouts[target.timeout]).toBe(orderSaga.commandTimeout);
    }
    // Its store and broker sit across the network like every other; its deliveries retry as everyone's.
    expect(Object.keys(targets.components).sort()).toEqual([components.pubsub, workflowStateStore].sort());
    expect(targets.components[components.pubsub]).toMatchObject({ inbound: { timeout: "delivery", retry: "delivery" } });
    expect(own["spec"].policies.retries.delivery).toEqual(east.find("Resiliency", "meridian")["spec"].policies.retries.delivery);
    expect(east.find("Configuration", `${saga}-dapr`)["spec"].workflow).toEqual({
      maxConcurrentActivityInvocations: orderSaga.concurrency.activities,
      maxConcurrentWorkflowInvocations: orderSaga.concurrency.workflows,
    });
    // West has one policy, for every sidecar.
    expect(west.ofKind("Resiliency").map((r) => [r.metadata.name, r["scopes"]])).toEqual([["meridian", undefined]]);
  });

  it("renders nothing of it in west", () => {
    expect(mentions(west, `"${saga}"`).filter((m) => m !== "Resiliency/meridian")).toEqual([]);
    expect(mentions(west, workflowStateStore)).toEqual([]);
    expect(requiredSecrets(west.all).map((s) => s.name)).not.toContain(`${saga}-dapr-api-token`);
  });

  it("keeps both regions' peer links, so the two styles replicate to each other as before", () => {
    expect(east.find("Component", "peer-west")["scopes"]).toEqual([apps.replicator]);
    expect(west.find("Component", "peer-east")["scopes"]).toEqual([apps.replicator]);
  });

  it("adds no rule of its own to region config: the lease rule applies as in a choreographed region", () => {
    const withoutRedis = offRedis(orchestratedEast());
    const single = regionsSchema.safeParse(withoutRedis.map((r) => ({ ...r, replicas: { min: 1, max: 1 } })));
    expect(single.success).toBe(true);
    const replicated = regionsSchema.safeParse(withoutRedis);
    expect(replicated.error?.issues.map((i) => i.path.at(-1))).toEqual(["lock", "lock"]);
  });
});
