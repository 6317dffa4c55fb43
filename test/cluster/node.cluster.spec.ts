/**
 * The single-node attempt (`npm run test:cluster`, not part of `npm test`): region east's API
 * server plus one real node (containerd, runc, CNI bridge, kubelet), deployed with the README's
 * commands for east. Without a scheduler, controller-manager or the Dapr control plane no
 * Deployment makes pods on its own, so the gateway's pod is created from its Deployment's template
 * and bound to the node by name; what this proves and what is left is in k8s/README.md.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectRoot } from "../../platform/paths.js";
import { defaultRegionConfigs } from "../../platform/regions.js";
import { apps } from "../../platform/topology.js";
import { type RunningNode, buildSandboxImage, loadImages, sandboxImage, startNode } from "../../scripts/cluster/node.js";
import { buildImages } from "../../scripts/images/build.js";
import { ensureKubeBinaries, ensureKubelet } from "../../scripts/kube/ensure-kube.js";
import { type KubeApiServer, startKubeApiServer, writeKubeconfig } from "../support/kube-api-server.js";
import { daprCrdFiles, monitoringCrdFiles } from "../support/kube-crds.js";
import { readmeDeployCommands } from "../support/readme-deploy.js";
import { synthesise } from "../k8s/synth.js";

const [east] = defaultRegionConfigs();
const region = east!.name;
const nodeName = "meridian-node-0";
const work = mkdtempSync(join(tmpdir(), "meridian-cluster-"));
const kubeconfig = join(work, "kubeconfig");
let server: KubeApiServer | undefined;
let node: RunningNode | undefined;
let env: NodeJS.ProcessEnv = {};

function kubectl(args: string, input?: string): { status: number; stdout: string; stderr: string } {
  const out = spawnSync("sh", ["-c", `kubectl --context ${region} ${args}`], {
    cwd: projectRoot,
    env,
    encoding: "utf8",
    input,
    timeout: 60_000,
  });
  return { status: out.status ?? -1, stdout: out.stdout, stderr: out.stderr };
}

async function eventually<T>(what: string, probe: () => T | undefined, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(
        `${what}: not after ${timeoutMs / 1000}s; node log tail:\n${node ? readFileSync(node.logs, "utf8").slice(-4000) : ""}`,
      );
    await new Promise((r) => setTimeout(r, 1000));
  }
}

beforeAll(async () => {
  const bins = await ensureKubeBinaries();
  const kubelet = await ensureKubelet();
  const image = buildImages({ quiet: true });
  buildSandboxImage(join(work, "pause"));
  env = {
    ...process.env,
    KUBECONFIG: kubeconfig,
    PATH: `${dirname(bins.kubectl)}${delimiter}${process.env["PATH"] ?? ""}`,
    REDIS_PASSWORD_EAST: "test",
    REDIS_PASSWORD_WEST: "test",
  };
  server = await startKubeApiServer(region, bins);
  writeKubeconfig(kubeconfig, [server]);
  for (const file of [...daprCrdFiles(), ...monitoringCrdFiles()]) expect(kubectl(`apply --server-side -f ${file}`).status).toBe(0);
  kubectl("wait --for condition=established --timeout=60s crd --all");
  const deploy = spawnSync(
    "sh",
    [
      "-c",
      readmeDeployCommands()
        .filter((c) => !c.includes("--context ") || c.includes(`--context ${region} `))
        .join("\n"),
    ],
    {
      cwd: projectRoot,
      env,
      encoding: "utf8",
    },
  );
  expect(deploy.stderr).toBe("");
  node = await startNode({
    name: nodeName,
    dir: join(work, "node"),
    kubelet,
    kubeconfig,
    podCidr: "10.244.0.0/24",
    log: (m) => process.stderr.write(`[node] ${m}\n`),
  });
  loadImages(node.containerdSocket, [sandboxImage, image.ref]);
}, 1_800_000);

afterAll(async () => {
  await node?.stop();
  await server?.stop();
  rmSync(work, { recursive: true, force: true });
}, 120_000);

describe("a real node", () => {
  it("registers with the region's API server and becomes Ready", async () => {
    const ready = await eventually(
      "node Ready",
      () => {
        const out = kubectl(`get node ${nodeName} -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}'`);
        return out.stdout === "True" ? out.stdout : undefined;
      },
      180_000,
    );
    expect(ready).toBe("True");
  }, 200_000);

  it("runs the gateway's pod, as its Deployment describes it, and it answers /healthz on its pod IP", async () => {
    const [synth] = synthesise([east!]);
    const d = synth!.find("Deployment", apps.gateway);
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { ...d["spec"].template.metadata, name: "gateway-0", namespace: east!.namespace },
      spec: { ...d["spec"].template.spec, nodeName },
    };
    const created = kubectl("create -f -", JSON.stringify(pod));
    expect(created.stderr).toBe("");
    const ip = await eventually(
      "pod Running",
      () => {
        const out = kubectl(`-n ${east!.namespace} get pod gateway-0 -o jsonpath={.status.phase}/{.status.podIP}`);
        const [phase, podIp] = out.stdout.split("/");
        return phase === "Running" && podIp ? podIp : undefined;
      },
      180_000,
    );
    const health = await eventually(
      "/healthz",
      () => {
        const out = spawnSync("curl", ["-s", "-m", "3", `http://${ip}:8080/healthz`], { encoding: "utf8" });
        return out.status === 0 && out.stdout ? out.stdout : undefined;
      },
      60_000,
    );
    expect(JSON.parse(health)).toEqual({ status: "ok" });
  }, 300_000);
});
