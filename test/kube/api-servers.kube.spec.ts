/**
 * Both regions' manifests against real Kubernetes API servers, one per region, deployed with
 * exactly the README's commands (`npm run k8s:verify` runs this file alone).
 *
 * The clusters get what the README's prerequisites would install and a bare API server lacks:
 * the pinned Dapr CRDs (the Helm chart's) and the prometheus-operator CRDs (kube-prometheus-stack's).
 * There is no controller-manager, scheduler or kubelet, so objects are admitted and stored, and
 * nothing runs; pods are checked by creating them from the Deployments' templates.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { projectRoot } from "../../platform/paths.js";
import { defaultRegionConfigs } from "../../platform/regions.js";
import { apps, workflowApps, workflowStateStore } from "../../platform/topology.js";
import { type KubeApiServer, startKubeApiServer, writeKubeconfig } from "../support/kube-api-server.js";
import { daprCrdFiles, httpRouteCrdFile, monitoringCrdFiles } from "../support/kube-crds.js";
import { readmeDeployCommands } from "../support/readme-deploy.js";
import { type Manifest, synthesise } from "../k8s/synth.js";

const bins = inject("kube");
const regions = defaultRegionConfigs();
const work = mkdtempSync(join(tmpdir(), "meridian-kube-test-"));
const kubeconfig = join(work, "kubeconfig");
const servers: KubeApiServer[] = [];
const env = {
  ...process.env,
  KUBECONFIG: kubeconfig,
  // The README's `kubectl` is the one built at the pinned version.
  PATH: `${dirname(bins.kubectl)}${delimiter}${process.env["PATH"] ?? ""}`,
  ...Object.fromEntries(regions.map((r) => [`REDIS_PASSWORD_${r.name.toUpperCase()}`, `test-password-${r.name}`])),
};

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

function sh(command: string, input?: string, timeoutMs = 120_000): Run {
  const out = spawnSync("sh", ["-c", command], { cwd: projectRoot, env, encoding: "utf8", input, timeout: timeoutMs });
  return { status: out.status ?? -1, stdout: out.stdout, stderr: out.stderr };
}

function kubectl(context: string, args: string, input?: string): Run {
  return sh(`kubectl --context ${context} ${args}`, input);
}

function mustKubectl(context: string, args: string, input?: string): string {
  const out = kubectl(context, args, input);
  if (out.status !== 0) throw new Error(`kubectl --context ${context} ${args} failed: ${out.stderr}`);
  return out.stdout;
}

/** Every object of a folder with its resourceVersion: an apply that changes nothing keeps them all. */
function resourceVersions(context: string, dir: string): Record<string, string> {
  const list = JSON.parse(mustKubectl(context, `get -f ${dir} -o json`)) as { items: Manifest[] };
  return Object.fromEntries(
    list.items.map((o) => [
      `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`,
      (o.metadata as unknown as { resourceVersion: string }).resourceVersion,
    ]),
  );
}

let deployOutput: Run;

beforeAll(async () => {
  // Wait for every start to finish either way, so afterAll stops each server that did start.
  const started = await Promise.allSettled(regions.map((r) => startKubeApiServer(r.name, bins)));
  for (const s of started) if (s.status === "fulfilled") servers.push(s.value);
  for (const s of started) if (s.status === "rejected") throw s.reason;
  writeKubeconfig(kubeconfig, servers);
  for (const { name } of regions) {
    for (const file of [...daprCrdFiles(), ...monitoringCrdFiles(), httpRouteCrdFile()])
      mustKubectl(name, `apply --server-side -f ${file}`);
    mustKubectl(name, "wait --for condition=established --timeout=60s crd --all");
  }
  // `sh -e`: the first failing command ends the run, as it would for a user.
  deployOutput = sh(`set -e\n${readmeDeployCommands().join("\n")}`, undefined, 600_000);
}, 300_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  rmSync(work, { recursive: true, force: true });
}, 60_000);

describe("the README's deploy commands against real API servers, one per region", () => {
  it("run without an error or a warning", () => {
    expect(deployOutput.stderr).toBe("");
    expect(deployOutput.status).toBe(0);
  });

  it.each(regions.map((r) => r.name))("get every object of region %s accepted by server-side apply", (name) => {
    const [region] = synthesise(regions).filter((r) => r.config.name === name);
    const expected = region!.all.map((o) => `${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`).sort();
    // `get -f` asks the server for each object of each file.
    expect(Object.keys(resourceVersions(name, `k8s/dist/${name}`)).sort()).toEqual(expected);
    const applied = deployOutput.stdout.split("\n").filter((l) => l.endsWith(" serverside-applied"));
    expect(applied.length).toBeGreaterThanOrEqual(expected.length);
  });

  it.each(regions.map((r) => r.name))("admits region %s's pods under Pod Security restricted", (name) => {
    const [region] = synthesise(regions).filter((r) => r.config.name === name);
    const ns = region!.config.namespace;
    expect(mustKubectl(name, `get namespace ${ns} -o 'jsonpath={.metadata.labels.pod-security\\.kubernetes\\.io/enforce}'`)).toBe(
      "restricted",
    );
    for (const d of region!.ofKind("Deployment")) {
      // Without a controller-manager no ReplicaSet makes pods: create each from its template, as
      // the ReplicaSet controller would (without the sidecar the injector adds).
      const pod = {
        apiVersion: "v1",
        kind: "Pod",
        metadata: { ...d["spec"].template.metadata, name: `${d.metadata.name}-check`, namespace: ns },
        spec: d["spec"].template.spec,
      };
      const out = kubectl(name, "create --dry-run=server -o name -f -", JSON.stringify(pod));
      expect(out.stderr, d.metadata.name).toBe("");
      expect(out.status).toBe(0);
    }
  });

  it.each(regions.map((r) => r.name))("finds nothing to change when region %s is applied again", (name) => {
    const dir = `k8s/dist/${name}`;
    const before = resourceVersions(name, dir);
    const out = kubectl(name, `apply --server-side -f ${dir}`);
    expect(out.stderr).toBe("");
    expect(resourceVersions(name, dir)).toEqual(before);
  });
});

describe("region east with its saga orchestrated (region config `saga: orchestration`)", () => {
  // Dry runs on the deployed cluster: what changes (order-saga, its actor state store, policies) must be accepted.
  const [east] = synthesise(regions.map((r) => (r.name === "east" ? { ...r, saga: "orchestration" as const } : r)));
  const ctx = east!.config.name;
  const ns = east!.config.namespace;

  it("gets every object accepted by server-side apply, order-saga's and the workflow store included", () => {
    const file = join(work, "orchestrated-east.json");
    writeFileSync(file, JSON.stringify({ apiVersion: "v1", kind: "List", items: east!.all }));
    const out = kubectl(ctx, `apply --server-side --dry-run=server -f ${file}`);
    expect(out.stderr).toBe("");
    expect(out.status).toBe(0);
    for (const object of [`deployment.apps/${workflowApps.orderSaga}`, `component.dapr.io/${workflowStateStore}`]) {
      expect(out.stdout).toContain(`${object} serverside-applied (server dry run)`);
    }
  });

  it("admits order-saga's pods under Pod Security restricted", () => {
    const d = east!.find("Deployment", workflowApps.orderSaga);
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { ...d["spec"].template.metadata, name: `${d.metadata.name}-check`, namespace: ns },
      spec: d["spec"].template.spec,
    };
    // Admission looks the pod's ServiceAccount up: it must exist for real, for the length of the check.
    const account = JSON.stringify(east!.find("ServiceAccount", workflowApps.orderSaga));
    mustKubectl(ctx, "apply --server-side -f -", account);
    try {
      const out = kubectl(ctx, "create --dry-run=server -o name -f -", JSON.stringify(pod));
      expect(out.stderr).toBe("");
      expect(out.status).toBe(0);
    } finally {
      mustKubectl(ctx, "delete -f -", account);
    }
  });
});

describe("broken input is refused with the API server's message", () => {
  const [east] = regions;
  const ctx = east!.name;
  const ns = east!.namespace;

  it("a privileged container (Pod Security restricted)", () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "privileged", namespace: ns },
      spec: { serviceAccountName: apps.gateway, containers: [{ name: "x", image: "busybox", securityContext: { privileged: true } }] },
    };
    const out = kubectl(ctx, "apply --server-side -f -", JSON.stringify(pod));
    expect(out.status).not.toBe(0);
    expect(out.stderr).toMatch(/violates PodSecurity "restricted:v[\d.]+": privileged/);
  });

  it("a Dapr Component with a field its CRD does not know", () => {
    const component = {
      apiVersion: "dapr.io/v1alpha1",
      kind: "Component",
      metadata: { name: "broken", namespace: ns },
      spec: { type: "state.redis", version: "v1", metadata: [], colour: "blue" },
    };
    const out = kubectl(ctx, "apply --server-side -f -", JSON.stringify(component));
    expect(out.status).not.toBe(0);
    expect(out.stderr).toContain(".spec.colour: field not declared in schema");
  });

  it("a Subscription without a pub/sub; one naming a missing pub/sub is accepted, as the schema cannot see other objects", () => {
    const subscription = (spec: Record<string, unknown>) =>
      JSON.stringify({ apiVersion: "dapr.io/v2alpha1", kind: "Subscription", metadata: { name: "broken", namespace: ns }, spec });
    const missing = kubectl(ctx, "apply --server-side --dry-run=server -f -", subscription({ topic: "orders", routes: { default: "/x" } }));
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain("spec.pubsubname: Required value");
    const dangling = kubectl(
      ctx,
      "apply --server-side --dry-run=server -f -",
      subscription({ pubsubname: "nope", topic: "orders", routes: { default: "/x" } }),
    );
    expect(dangling.stderr).toBe("");
    expect(dangling.status).toBe(0);
  });

  it("a Deployment while a Secret it needs is missing (the namespace's secret policies)", () => {
    const secret = "redis";
    const saved = mustKubectl(ctx, `-n ${ns} get secret ${secret} -o json`);
    mustKubectl(ctx, `-n ${ns} delete secret ${secret}`);
    try {
      const out = kubectl(ctx, `apply --server-side --force-conflicts -f k8s/dist/${ctx}/0002-apps.k8s.yaml`);
      expect(out.status).not.toBe(0);
      expect(out.stderr).toContain(`requires-secret-${secret}`);
    } finally {
      const restored = JSON.parse(saved) as Manifest;
      delete (restored.metadata as Record<string, unknown>)["resourceVersion"];
      delete (restored.metadata as Record<string, unknown>)["uid"];
      mustKubectl(ctx, "create -f -", JSON.stringify(restored));
    }
  });
});

describe("the public route", () => {
  it("as a Gateway API HTTPRoute, is accepted by the HTTPRoute CRD", () => {
    const configs = regions.map((r) => ({
      ...r,
      exposure: { kind: "httproute" as const, host: `api.${r.name}.example.com`, gateway: { name: "public", namespace: "gateways" } },
    }));
    const [east] = synthesise(configs);
    const route = east!.find("HTTPRoute", apps.gateway);
    const file = join(work, "httproute.json");
    writeFileSync(file, JSON.stringify({ ...route, metadata: { ...route.metadata, namespace: east!.config.namespace } }));
    const out = kubectl(east!.config.name, `apply --server-side --dry-run=server -f ${file}`);
    expect(out.stderr).toBe("");
    expect(out.status).toBe(0);
  });
});
