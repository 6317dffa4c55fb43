/**
 * One real Kubernetes node on this machine (the single-node attempt, `npm run test:cluster`):
 * containerd, runc and the CNI plugins from Debian, a kubelet built from the pinned module
 * (scripts/kube), and images loaded into containerd from podman, since no registry is reachable:
 * the apps' image and a pod sandbox ("pause") image built here from scratch.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { projectRoot } from "../../platform/paths.js";
import { goEnv, runGo } from "../daprd/go-build.js";
import { podmanGlobalFlags, podmanOk } from "../images/podman.js";
import { ensureDebianCommand } from "../local/install.js";

/** containerd's CRI plugin runs this image as each pod's sandbox; it is made locally (pause/). */
export const sandboxImage = "registry.k8s.io/pause:3.10";

/** The CNI bridge of the node's pods; removed when the node stops. */
const podBridge = "meridian0";

export interface NodeOptions {
  readonly name: string;
  /** A scratch directory for containerd's and the kubelet's state. */
  readonly dir: string;
  readonly kubelet: string;
  /** A kubeconfig whose current context is the API server to register with. */
  readonly kubeconfig: string;
  /** Pod network of this node (a bridge; the host reaches pods through it). */
  readonly podCidr: string;
  readonly log: (message: string) => void;
}

export interface RunningNode {
  readonly containerdSocket: string;
  readonly logs: string;
  stop(): Promise<void>;
}

function ensureNodePackages(): void {
  ensureDebianCommand("containerd", "containerd");
  ensureDebianCommand("runc", "runc");
  if (!existsSync("/usr/lib/cni/bridge")) ensureDebianCommand("/usr/lib/cni/bridge", "containernetworking-plugins");
}

function started(binary: string, args: string[], log: string): ChildProcess {
  const out = createWriteStream(log, { flags: "a" });
  const child = spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.pipe(out);
  child.stderr?.pipe(out);
  return child;
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(timer);
}

/** The sandbox image: a static Go program in an image from scratch, built with podman. */
export function buildSandboxImage(dir: string): void {
  const src = join(projectRoot, "scripts", "cluster", "pause");
  mkdirSync(dir, { recursive: true });
  runGo(["build", "-trimpath", "-ldflags", "-s -w", "-o", join(dir, "pause"), "."], src, goEnv());
  writeFileSync(join(dir, "Containerfile"), 'FROM scratch\nCOPY pause /pause\nUSER 65535:65535\nENTRYPOINT ["/pause"]\n');
  podmanOk(["build", "--pull=never", "--tag", sandboxImage, dir]);
}

/** Copies images from podman's store into containerd's `k8s.io` namespace (where the CRI looks). */
export function loadImages(socket: string, refs: readonly string[]): void {
  for (const ref of refs) {
    const podmanArgs = [...podmanGlobalFlags, "save", "--format", "oci-archive", ref].map((a) => `'${a}'`).join(" ");
    const out = spawnSync("sh", ["-c", `podman ${podmanArgs} | ctr --address '${socket}' -n k8s.io images import --all-platforms -`], {
      encoding: "utf8",
    });
    if (out.status !== 0) throw new Error(`loading ${ref} into containerd failed: ${out.stderr}`);
  }
}

/**
 * The kubelet makes its root directory a shared bind mount of itself (and pods' volumes are
 * mounts below it); they outlive it, so they are unmounted, deepest first, before the directory
 * can be removed.
 */
function unmountUnder(dir: string): void {
  const mounts = readFileSync("/proc/mounts", "utf8")
    .split("\n")
    .map((line) => line.split(" ")[1] ?? "")
    .filter((path) => path === dir || path.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const path of mounts) spawnSync("umount", [path]);
}

export async function startNode(opts: NodeOptions): Promise<RunningNode> {
  ensureNodePackages();
  const { dir } = opts;
  for (const d of ["containerd", "cni", "kubelet", "pod-logs", "manifests"]) mkdirSync(join(dir, d), { recursive: true });
  const socket = join(dir, "containerd", "containerd.sock");
  const logs = join(dir, "node.log");
  writeFileSync(
    join(dir, "containerd", "config.toml"),
    [
      "version = 2",
      `root = "${join(dir, "containerd", "root")}"`,
      `state = "${join(dir, "containerd", "state")}"`,
      "[grpc]",
      `  address = "${socket}"`,
      '[plugins."io.containerd.grpc.v1.cri"]',
      `  sandbox_image = "${sandboxImage}"`,
      // No CAP_SYS_RESOURCE here: runc cannot lower a container's oom_score_adj below
      // containerd's own (the sandbox asks for -998), and the sandbox's init then dies with
      // "can't get final child's PID from pipe: EOF". This caps it at containerd's value.
      "  restrict_oom_score_adj = true",
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]',
      '  runtime_type = "io.containerd.runc.v2"',
      // The machine's cgroups are v1 without systemd managing them (PLATFORM-NOTES.md).
      '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]',
      "  SystemdCgroup = false",
      '[plugins."io.containerd.grpc.v1.cri".cni]',
      '  bin_dir = "/usr/lib/cni"',
      `  conf_dir = "${join(dir, "cni")}"`,
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "cni", "10-meridian.conflist"),
    JSON.stringify({
      cniVersion: "1.0.0",
      name: "meridian",
      plugins: [
        {
          type: "bridge",
          bridge: podBridge,
          isGateway: true,
          ipMasq: true,
          ipam: {
            type: "host-local",
            ranges: [[{ subnet: opts.podCidr }]],
            routes: [{ dst: "0.0.0.0/0" }],
            dataDir: join(dir, "cni", "ipam"),
          },
        },
        { type: "portmap", capabilities: { portMappings: true } },
      ],
    }),
  );
  const containerd = started("containerd", ["--config", join(dir, "containerd", "config.toml")], logs);
  for (let i = 0; i < 60 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 250));
  if (!existsSync(socket)) {
    await stopProcess(containerd);
    throw new Error(`containerd did not start; see ${logs}`);
  }
  opts.log(`containerd up (${socket})`);

  writeFileSync(
    join(dir, "kubelet", "config.yaml"),
    JSON.stringify({
      apiVersion: "kubelet.config.k8s.io/v1beta1",
      kind: "KubeletConfiguration",
      containerRuntimeEndpoint: `unix://${socket}`,
      cgroupDriver: "cgroupfs",
      // This machine has cgroup v1 (PLATFORM-NOTES.md).
      failCgroupV1: false,
      failSwapOn: false,
      address: "127.0.0.1",
      port: 10250,
      readOnlyPort: 0,
      healthzBindAddress: "127.0.0.1",
      healthzPort: 10248,
      authentication: { anonymous: { enabled: false }, webhook: { enabled: false } },
      authorization: { mode: "AlwaysAllow" },
      staticPodPath: join(dir, "manifests"),
      podLogsDir: join(dir, "pod-logs"),
      podCIDR: opts.podCidr,
      resolvConf: "/etc/resolv.conf",
      // A shared development machine: do not evict or garbage-collect because its disk is busy.
      evictionHard: { "memory.available": "100Mi" },
      imageGCHighThresholdPercent: 100,
      imageGCLowThresholdPercent: 99,
      localStorageCapacityIsolation: false,
      protectKernelDefaults: false,
      makeIPTablesUtilChains: false,
    }),
  );
  const kubelet = started(
    opts.kubelet,
    [
      `--config=${join(dir, "kubelet", "config.yaml")}`,
      `--kubeconfig=${opts.kubeconfig}`,
      `--root-dir=${join(dir, "kubelet", "root")}`,
      `--cert-dir=${join(dir, "kubelet", "pki")}`,
      `--hostname-override=${opts.name}`,
      "--v=1",
    ],
    logs,
  );
  return {
    containerdSocket: socket,
    logs,
    stop: async () => {
      await stopProcess(kubelet);
      // Containers the kubelet started: stop their tasks so no shim or app process stays behind.
      const ctr = (args: string): string =>
        spawnSync("sh", ["-c", `ctr --address '${socket}' -n k8s.io ${args}`], { encoding: "utf8" }).stdout ?? "";
      for (const id of ctr("tasks ls -q").split("\n").filter(Boolean)) ctr(`tasks kill -s SIGKILL ${id}`);
      await new Promise((r) => setTimeout(r, 1000));
      for (const id of ctr("tasks ls -q").split("\n").filter(Boolean)) ctr(`tasks delete -f ${id}`);
      for (const id of ctr("containers ls -q").split("\n").filter(Boolean)) ctr(`containers delete ${id}`);
      await stopProcess(containerd);
      unmountUnder(dir);
      spawnSync("ip", ["link", "delete", podBridge]);
    },
  };
}
