import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { defaultRegionConfigs, peerLinkApp } from "../../platform/regions.js";
import { isWorkflowApp, regionSubscriptions, topics } from "../../platform/topology.js";
import { appsOf, invocationPairsOf } from "../../k8s/apps.js";
import { daprVersion } from "../../platform/versions.js";
import { writeRegionResources } from "../../scripts/local/resources.js";
import { type Manifest, type SynthesisedRegion, orchestratedEast, synthesise } from "./synth.js";

const regions = synthesise();
const [east, west] = regions as [SynthesisedRegion, SynthesisedRegion];
/** Regions of both saga styles side by side: east orchestrated (it runs order-saga), west choreographed. */
const mixed = synthesise(orchestratedEast());
const deployedIn = (region: SynthesisedRegion) => appsOf(region.config);
const declaredPairs = (region: SynthesisedRegion) =>
  invocationPairsOf(deployedIn(region))
    .map((i) => `${i.caller}->${i.callee}`)
    .sort();

/** Parses `app1=t1,t2;app2=` into app -> topics. */
function scopeMap(component: Manifest, key: string): Map<string, string[]> {
  const entry = (component["spec"].metadata as { name: string; value?: string }[]).find((m) => m.name === key);
  if (!entry?.value) throw new Error(`${component.metadata.name} has no ${key}`);
  return new Map(
    entry.value.split(";").map((part) => {
      const [app = "", topics = ""] = part.split("=");
      return [app, topics ? topics.split(",") : []];
    }),
  );
}

const meta = (c: Manifest, name: string): { name: string; value?: string; secretKeyRef?: unknown } | undefined =>
  (c["spec"].metadata as { name: string; value?: string }[]).find((m) => m.name === name);

const recommendedLabels = ["name", "instance", "version", "component", "part-of", "managed-by"].map((l) => `app.kubernetes.io/${l}`);

describe.each([...regions, ...mixed].map((r) => [`${r.config.name} (${r.config.saga})`, r] as const))("region %s", (_n, region) => {
  const realApps = new Set<string>(deployedIn(region));
  it("carries Kubernetes' recommended labels on every object and every pod, and selects pods by the stable ones only", () => {
    for (const object of region.all) {
      const missing = recommendedLabels.filter((l) => !object.metadata.labels?.[l]);
      expect(missing, `${object.kind} ${object.metadata.name}`).toEqual([]);
      expect(object.metadata.labels?.["app.kubernetes.io/instance"]).toBe(`meridian-${region.config.name}`);
    }
    for (const d of region.ofKind("Deployment")) {
      const pod = d["spec"].template.metadata.labels as Record<string, string>;
      expect(
        recommendedLabels.filter((l) => !pod[l]),
        `pods of ${d.metadata.name}`,
      ).toEqual([]);
      expect(Object.keys(d["spec"].selector.matchLabels).sort()).toEqual(["app.kubernetes.io/name", "app.kubernetes.io/part-of"]);
    }
  });

  it("gives every Dapr app a Deployment, a Service that selects its pods on a named container port, and the restricted pod settings", () => {
    const deployments = region.ofKind("Deployment").filter((d) => d["spec"].template.metadata.annotations?.["dapr.io/enabled"] === "true");
    expect(deployments.map((d) => d["spec"].template.metadata.annotations["dapr.io/app-id"]).sort()).toEqual([...realApps].sort());
    for (const d of deployments) {
      const pod = d["spec"].template;
      const service = region.find("Service", d.metadata.name);
      expect(Object.entries(service["spec"].selector).every(([k, v]) => pod.metadata.labels[k] === v)).toBe(true);
      const container = pod.spec.containers[0];
      expect(container.ports.map((p: { name: string }) => p.name)).toContain(service["spec"].ports[0].targetPort);
      expect(container.securityContext).toMatchObject({
        runAsNonRoot: true,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        capabilities: { drop: ["ALL"] },
      });
      expect(pod.spec.securityContext.seccompProfile.type).toBe("RuntimeDefault");
      expect(pod.metadata.annotations["dapr.io/sidecar-seccomp-profile-type"]).toBe("RuntimeDefault");
      expect(pod.metadata.annotations["dapr.io/sidecar-image"]).toBe(`ghcr.io/dapr/daprd:${daprVersion}`);
      expect(region.find("ServiceAccount", d.metadata.name)["automountServiceAccountToken"]).toBe(false);
      expect(region.find("HorizontalPodAutoscaler", d.metadata.name)["spec"].scaleTargetRef.name).toBe(d.metadata.name);
      expect(region.find("PodDisruptionBudget", d.metadata.name)["spec"].selector.matchLabels).toEqual(d["spec"].selector.matchLabels);
      const env = Object.fromEntries(container.env.map((e: { name: string; value?: string }) => [e.name, e.value]));
      expect(env).toMatchObject({ REGION: region.config.name, BIND_HOST: "0.0.0.0", DAPR_HTTP_PORT: "3500" });
    }
    expect(region.find("Namespace", region.config.namespace).metadata.labels?.["pod-security.kubernetes.io/enforce"]).toBe("restricted");
    // One API token and one app token per app: no app's token opens another app's sidecar.
    const tokenSecrets = deployments.flatMap((d) => {
      const a = d["spec"].template.metadata.annotations;
      return [a["dapr.io/api-token-secret"], a["dapr.io/app-token-secret"]];
    });
    expect(new Set(tokenSecrets).size).toBe(2 * realApps.size);
  });

  it("publishes every subscribed topic, and scopes topics to exactly what each app subscribes to", () => {
    const pubsub = region.find("Component", "pubsub");
    const publishing = scopeMap(pubsub, "publishingScopes");
    const subscribing = scopeMap(pubsub, "subscriptionScopes");
    const published = new Set([...publishing.values()].flat());
    for (const sub of region.ofKind("Subscription")) {
      if (sub["spec"].topic === topics.replicationAcks) {
        // Acknowledgements arrive from the peers' replicators, through their links to this broker;
        // this region's links are the mirror image and must allow the topic.
        for (const link of region.ofKind("Component").filter((c) => c.metadata.name.startsWith("peer-"))) {
          expect(String(meta(link, "allowedTopics")?.value).split(",")).toContain(topics.replicationAcks);
        }
        continue;
      }
      expect(published, `nobody publishes ${sub["spec"].topic}`).toContain(sub["spec"].topic);
      for (const app of sub["scopes"]) expect(subscribing.get(app)).toContain(sub["spec"].topic);
      if (sub["spec"].deadLetterTopic) for (const app of sub["scopes"]) expect(publishing.get(app)).toContain(sub["spec"].deadLetterTopic);
    }
    expect([...subscribing.values()].flat().length).toBe(regionSubscriptions(region.config.saga === "orchestration").length);
  });

  it("names only real app-ids in scopes and access policies, and allows exactly the declared invocations", () => {
    for (const c of [...region.ofKind("Component"), ...region.ofKind("Subscription")]) {
      const allowed = c.metadata.name.startsWith("peer-") ? new Set([peerLinkApp]) : realApps;
      for (const app of c["scopes"] ?? []) expect(allowed, `${c.metadata.name} scopes ${app}`).toContain(app);
      expect(c["scopes"]?.length, `${c.metadata.name} has no scopes`).toBeGreaterThan(0);
    }
    const pairs: string[] = [];
    for (const d of region.ofKind("Deployment").filter((x) => x["spec"].template.metadata.annotations?.["dapr.io/app-id"])) {
      const annotations = d["spec"].template.metadata.annotations;
      const config = region.find("Configuration", annotations["dapr.io/config"]);
      expect(config["spec"].accessControl.defaultAction).toBe("deny");
      expect(config["spec"].mtls.enabled).toBe(true);
      for (const p of config["spec"].accessControl.policies) {
        expect(realApps).toContain(p.appId);
        pairs.push(`${p.appId}->${annotations["dapr.io/app-id"]}`);
      }
    }
    expect(pairs.sort()).toEqual(declaredPairs(region));
  });

  it("opens the sidecars' internal gRPC port only between declared callers and callees (and a workflow app's own replicas)", () => {
    const flows: string[] = [];
    for (const app of realApps) {
      const policy = region.find("NetworkPolicy", app);
      for (const rule of policy["spec"].ingress ?? []) {
        if (!rule.ports.some((p: { port: number }) => p.port === 50002)) continue;
        for (const from of rule.from) flows.push(`${from.podSelector.matchLabels["app.kubernetes.io/name"]}->${app}`);
      }
    }
    // A workflow app's sidecars hand actor calls to each other: its workflows live on whichever replica placement picks.
    const actorFlows = [...realApps].filter(isWorkflowApp).map((app) => `${app}->${app}`);
    expect(flows.sort()).toEqual([...declaredPairs(region), ...actorFlows].sort());
    expect(region.find("NetworkPolicy", "default-deny")["spec"]).toEqual({ podSelector: {}, policyTypes: ["Ingress", "Egress"] });
  });

  it("renders the same components, subscriptions and resiliency as the local runner, but with addresses from config and passwords from secrets", () => {
    const dir = mkdtempSync(join(tmpdir(), "meridian-local-"));
    const redis = { host: "127.0.0.1", port: 6379 };
    writeRegionResources({
      dir,
      broker: { profile: "redis", address: redis },
      store: { profile: "redis", address: redis },
      nameResolutionDb: join(dir, "nr.db"),
      region: "east",
      peers: [],
      workflows: region.config.saga === "orchestration",
    });
    const local = readdirSync(join(dir, "resources")).flatMap((f) =>
      parseAllDocuments(readFileSync(join(dir, "resources", f), "utf8")).map((d) => d.toJS() as Manifest),
    );
    for (const l of local) {
      const k = region.find(l.kind, l.metadata.name);
      if (l.kind === "Component") {
        expect(k["spec"].type).toBe(l["spec"].type);
        expect(k["scopes"]).toEqual(l["scopes"]);
        for (const m of l["spec"].metadata as { name: string; value: string }[]) {
          if (m.name === "redisHost") expect(meta(k, m.name)?.value).not.toBe(m.value);
          else expect(meta(k, m.name), `${l.metadata.name} ${m.name}`).toEqual(m);
        }
        const state = region.config.state;
        expect(state.profile).toBe("redis");
        if (state.profile === "redis") expect(meta(k, "redisPassword")?.secretKeyRef).toEqual(state.password);
        expect(JSON.stringify(k)).not.toMatch(/"name":"redisPassword","value"/);
      } else if (l.kind === "Resiliency") {
        expect(k["spec"].policies).toMatchObject(l["spec"].policies);
        expect(k["spec"].targets).toMatchObject(l["spec"].targets);
      } else {
        expect(k["spec"]).toEqual(l["spec"]);
        expect(k["scopes"]).toEqual(l["scopes"]);
      }
    }
  });
});

describe("across regions", () => {
  it("points each region's peer link at the other region's cross-region broker, for the replicator only", () => {
    for (const [self, peer] of [
      [east, west],
      [west, east],
    ] as const) {
      const link = self.find("Component", `peer-${peer.config.name}`);
      if (peer.config.pubsub.profile !== "redis") throw new Error("default profile is redis");
      const e = peer.config.pubsub.crossRegionEndpoint;
      expect(meta(link, "redisHost")?.value).toBe(`${e.host}:${e.port}`);
      expect(meta(link, "consumerID")?.value).toBe(`${peerLinkApp}-${self.config.name}`);
      expect(link["scopes"]).toEqual([peerLinkApp]);
      expect(self.ofKind("Component").filter((c) => c.metadata.name.startsWith("peer-"))).toHaveLength(1);
    }
  });

  it("differ only in region-specific values", () => {
    const normalise = (r: SynthesisedRegion): string => {
      let text = JSON.stringify(r.all);
      for (const peer of regions.filter((p) => p !== r)) {
        if (peer.config.pubsub.profile === "redis") {
          text = text.replaceAll(peer.config.pubsub.crossRegionEndpoint.host, "<peer-host>");
          const reach = peer.config.pubsub.crossRegionEndpoint.reach;
          if ("cidr" in reach) text = text.replaceAll(reach.cidr, "<peer-cidr>");
        }
        text = text.replace(new RegExp(`\\b${peer.config.name}\\b`, "g"), "<peer>");
      }
      return text.replace(new RegExp(`\\b${r.config.name}\\b`, "g"), "<region>");
    };
    expect(normalise(west)).toEqual(normalise(east));
  });

  it("gives every region a link to each of its peers when there are more than two", () => {
    const three = synthesise(defaultRegionConfigs(["east", "west", "north"]));
    for (const r of three) {
      const links = r
        .ofKind("Component")
        .filter((c) => c.metadata.name.startsWith("peer-"))
        .map((c) => c.metadata.name)
        .sort();
      expect(links).toEqual(
        three
          .filter((p) => p !== r)
          .map((p) => `peer-${p.config.name}`)
          .sort(),
      );
    }
  });
});
