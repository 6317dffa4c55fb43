import { describe, expect, it } from "vitest";
import { daprValidators, modelClass } from "./schemas.js";
import { type Manifest, orchestratedEast, synthesise } from "./synth.js";

const regions = synthesise();
/** East orchestrated: its order-saga objects and actor state store go through the same schemas. */
const orchestrated = synthesise(orchestratedEast()).filter((r) => r.config.saga === "orchestration");
const dapr = daprValidators();

function daprErrors(m: Manifest): string[] {
  const [group, version] = m.apiVersion.split("/");
  const validate = dapr.get(`${group}/${version}/${m.kind}`);
  if (!validate) return [`no Dapr CRD for ${m.apiVersion} ${m.kind}`];
  return validate(m) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

async function kubernetesErrors(m: Manifest): Promise<string[]> {
  const Model = await modelClass(m);
  try {
    new Model(m).validate();
    return [];
  } catch (err) {
    return [String(err)];
  }
}

const isDapr = (m: Manifest): boolean => m.apiVersion.startsWith("dapr.io/");

describe.each([...regions, ...orchestrated].map((r) => [`${r.config.name} (${r.config.saga})`, r] as const))(
  "region %s manifests against the schemas",
  (_name, region) => {
    it("Kubernetes and prometheus-operator objects validate against the pinned OpenAPI schema", async () => {
      const builtins = region.all.filter((m) => !isDapr(m));
      expect(builtins.length).toBeGreaterThan(20);
      for (const m of builtins) expect(await kubernetesErrors(m), `${m.kind} ${m.metadata.name}`).toEqual([]);
    });

    it("Dapr objects validate against the CRD schemas of the pinned Dapr release", () => {
      const objects = region.all.filter(isDapr);
      expect(new Set(objects.map((m) => m.kind))).toEqual(new Set(["Component", "Configuration", "Resiliency", "Subscription"]));
      for (const m of objects) expect(daprErrors(m), `${m.kind} ${m.metadata.name}`).toEqual([]);
    });
  },
);

describe("the schema checks catch broken manifests", () => {
  const [region] = regions;
  if (!region) throw new Error("no region");
  const clone = (m: Manifest): Manifest => structuredClone(m);

  it("rejects a Deployment with a wrong type", async () => {
    const d = clone(region.ofKind("Deployment")[0] as Manifest);
    d["spec"].template.spec.containers[0].ports[0].containerPort = "http";
    expect(await kubernetesErrors(d)).not.toEqual([]);
  });

  it("rejects a NetworkPolicy without its required pod selector", async () => {
    const p = clone(region.find("NetworkPolicy", "default-deny"));
    delete p["spec"].podSelector;
    expect(await kubernetesErrors(p)).not.toEqual([]);
  });

  it("rejects a PodMonitor endpoint of the wrong shape", async () => {
    const p = clone(region.ofKind("PodMonitor")[0] as Manifest);
    p["spec"].podMetricsEndpoints = "http";
    expect(await kubernetesErrors(p)).not.toEqual([]);
  });

  it("rejects a Component missing its type, and a misspelt Subscription field", () => {
    const c = clone(region.find("Component", "pubsub"));
    delete c["spec"].type;
    expect(daprErrors(c)).not.toEqual([]);
    const s = clone(region.ofKind("Subscription")[0] as Manifest);
    s["spec"].deadLetterTopik = s["spec"].deadLetterTopic;
    expect(daprErrors(s)).not.toEqual([]);
  });
});
