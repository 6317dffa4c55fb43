/**
 * Dapr's placement and scheduler for one local region, as the Helm chart runs them in a cluster:
 * what Dapr Workflow needs beside the sidecars. Placement hands out the actor placement tables
 * (every workflow instance and activity is an actor); the scheduler keeps durable timers and
 * reminders in its embedded etcd. Each has its own data directory under the region's run
 * directory and its own loopback ports, and gets its mTLS certificate from the region's Sentry,
 * so a daprd reaches them only over mTLS and checks their identity (dapr-placement,
 * dapr-scheduler in the region's control-plane trust domain).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { freePort, isListening, waitFor } from "./ports.js";
import { ProcessGroup, type Spawned } from "./processes.js";
import type { SentryHandle } from "./sentry.js";

export interface WorkflowControlPlaneBinaries {
  readonly placement: string;
  readonly scheduler: string;
}

export interface WorkflowControlPlane {
  /** daprd's --placement-host-address. */
  readonly placementAddress: string;
  /** daprd's --scheduler-host-address. */
  readonly schedulerAddress: string;
  placement: Spawned;
  scheduler: Spawned;
  /** Starts both again on the same ports with the same data (after a region stop). */
  restart(): Promise<void>;
}

/** The Helm chart's scheduler id (its StatefulSet's first pod); etcd names its only member after it. */
const schedulerId = "dapr-scheduler-server-0";

export async function startWorkflowControlPlane(
  group: ProcessGroup,
  binaries: WorkflowControlPlaneBinaries,
  region: string,
  dir: string,
  sentry: SentryHandle,
): Promise<WorkflowControlPlane> {
  const placementDir = join(dir, "placement");
  const schedulerDir = join(dir, "scheduler");
  for (const d of [placementDir, schedulerDir]) mkdirSync(d, { recursive: true, mode: 0o700 });
  const ports = {
    placement: await freePort(),
    placementRaft: await freePort(),
    placementHealthz: await freePort(),
    scheduler: await freePort(),
    schedulerHealthz: await freePort(),
    etcdClient: await freePort(),
    etcdPeer: await freePort(),
  };
  // Both run with mTLS from the region's Sentry, under the control plane's identities.
  const tls = (identity: "dapr-placement" | "dapr-scheduler"): { args: string[]; env: NodeJS.ProcessEnv } => ({
    args: [
      "--mode",
      "standalone",
      "--tls-enabled",
      "--sentry-address",
      sentry.address,
      "--trust-domain",
      sentry.trustDomain,
      "--trust-anchors-file",
      sentry.trustAnchorsFile,
    ],
    env: { PATH: process.env["PATH"], HOME: process.env["HOME"], DAPR_SENTRY_TOKEN_FILE: sentry.controlPlaneTokenFileFor(identity) },
  });
  // Like Sentry, both ignore a healthz listen address (cmd/*/app passes only the port), so
  // their health endpoints listen on every interface; they serve only /healthz. Metrics would
  // too (no listen address at all): off.
  const common = ["--enable-metrics=false", "--log-level", "warn"];
  const launchPlacement = (): Spawned => {
    const t = tls("dapr-placement");
    // Named `<region>-placement`/`-scheduler`: the runner stops them with the brokers, after every sidecar.
    return group.spawn(
      `${region}-placement`,
      binaries.placement,
      [
        ...t.args,
        ...common,
        "--listen-address",
        "127.0.0.1",
        "--port",
        String(ports.placement),
        "--healthz-port",
        String(ports.placementHealthz),
        "--id",
        "dapr-placement-0",
        // Raft binds where its own peer entry says: loopback. The log on disk survives a restart.
        "--initial-cluster",
        `dapr-placement-0=127.0.0.1:${ports.placementRaft}`,
        "--raft-logstore-path",
        join(placementDir, "raft"),
      ],
      t.env,
      join(dir, "placement.log"),
    );
  };
  const launchScheduler = (): Spawned => {
    const t = tls("dapr-scheduler");
    return group.spawn(
      `${region}-scheduler`,
      binaries.scheduler,
      [
        ...t.args,
        ...common,
        // Also the address it tells each daprd to use for every scheduler (it broadcasts its host list).
        "--listen-address",
        "127.0.0.1",
        "--port",
        String(ports.scheduler),
        "--healthz-port",
        String(ports.schedulerHealthz),
        "--id",
        schedulerId,
        "--etcd-data-dir",
        join(schedulerDir, "etcd"),
        "--etcd-client-listen-address",
        "127.0.0.1",
        "--etcd-client-port",
        String(ports.etcdClient),
        "--etcd-initial-cluster",
        `${schedulerId}=http://127.0.0.1:${ports.etcdPeer}`,
        // Its own certificate files go here; the default (/tmp/secrets/dapr.io/tls) is shared by every region.
        "--identity-directory-write",
        join(schedulerDir, "identity"),
      ],
      t.env,
      join(dir, "scheduler.log"),
    );
  };
  const awaitHealthy = async (proc: Spawned, healthzPort: number, servingPort: number): Promise<void> => {
    let exited = false;
    void proc.exited.then(() => (exited = true));
    // Healthy means its certificate came from Sentry and its gRPC server is serving.
    await waitFor(
      `${proc.name} on port ${servingPort}`,
      async () =>
        (await fetch(`http://127.0.0.1:${healthzPort}/healthz`, { signal: AbortSignal.timeout(1000) })).ok &&
        (await isListening(servingPort)),
      30_000,
      100,
      () => exited,
    ).catch((err: unknown) => {
      throw exited ? new Error(`${proc.name} exited during start-up; see ${proc.logFile}`) : err;
    });
  };
  const handle: WorkflowControlPlane = {
    placementAddress: `127.0.0.1:${ports.placement}`,
    schedulerAddress: `127.0.0.1:${ports.scheduler}`,
    placement: launchPlacement(),
    scheduler: launchScheduler(),
    async restart(): Promise<void> {
      handle.placement = launchPlacement();
      handle.scheduler = launchScheduler();
      await ready();
    },
  };
  const ready = (): Promise<void> =>
    Promise.all([
      awaitHealthy(handle.placement, ports.placementHealthz, ports.placement),
      awaitHealthy(handle.scheduler, ports.schedulerHealthz, ports.scheduler),
    ]).then(() => undefined);
  try {
    await ready();
  } catch (err) {
    await ProcessGroup.stop([handle.placement, handle.scheduler], 2000);
    throw err;
  }
  return handle;
}
