/**
 * Starts whole regions on one machine: a redis-server per region, then each app with its own
 * daprd. Used by `npm start`, by the tests and by the benchmark, so all three run the same thing.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { distDir } from "../../platform/paths.js";
import { serviceNodeFlags } from "../../platform/process-tuning.js";
import { type AppId, type WorkflowAppId, allApps, allWorkflowApps, apps } from "../../platform/topology.js";
import { LinkProxy } from "./link-proxy.js";
import { freePort, waitFor } from "./ports.js";
import { ProcessGroup, type Spawned } from "./processes.js";
import { type RedisHandle, newRedisPassword, startRedis } from "./redis.js";
import { type StateStoreProfile, configFileOf, writeRegionResources } from "./resources.js";
import { type SentryHandle, startSentry } from "./sentry.js";
import {
  type WorkflowControlPlane,
  type WorkflowControlPlaneBinaries,
  controlPlaneNameSuffixes,
  startWorkflowControlPlane,
} from "./workflow-control-plane.js";

export interface AppProcess {
  readonly app: AppId | WorkflowAppId;
  readonly appPort: number;
  readonly daprHttpPort: number;
  readonly daprGrpcPort: number;
  readonly metricsPort: number;
  /** daprd's sidecar-to-sidecar port (mTLS only). */
  readonly internalGrpcPort: number;
  /** Token this app presents to its own sidecar (`dapr-api-token`); no other sidecar takes it. */
  readonly daprApiToken: string;
  /** Token this app's sidecar presents to it; tests use it to call the app directly. */
  readonly appApiToken: string;
  service: Spawned;
  sidecar: Spawned;
  /** Starts the service (or its daprd) again with the same ports and settings. */
  readonly launchService: () => Spawned;
  readonly launchSidecar: () => Spawned;
}

export interface RegionHandle {
  readonly name: string;
  readonly gatewayUrl: string;
  redis: RedisHandle;
  readonly apps: Readonly<Record<AppId, AppProcess>>;
  readonly runDir: string;
  /** The gateway's operator port (loopback only): /admin/*, with `adminToken` as bearer. */
  readonly adminUrl: string;
  /** The operator's credential (also in `<runDir>/admin-token`, readable by its owner only). */
  readonly adminToken: string;
  /** The region's certificate authority: every sidecar's mTLS identity comes from it. */
  readonly sentry: SentryHandle;
  /** The apps that run Dapr Workflows, when the system was started with `workflows`. */
  readonly workflowApps: Readonly<Partial<Record<WorkflowAppId, AppProcess>>>;
  /** The region's placement and scheduler, when the system was started with `workflows`. */
  readonly workflowControlPlane?: WorkflowControlPlane;
}

export interface SystemOptions {
  readonly regions: readonly string[];
  /** Public gateway port per region; a free port when absent. */
  readonly gatewayPorts?: Readonly<Record<string, number>>;
  /** The gateway's operator port per region; a free port when absent. */
  readonly adminPorts?: Readonly<Record<string, number>>;
  readonly runDir: string;
  readonly daprd: string;
  /** Dapr's Sentry binary (scripts/daprd/ensure-sentry.ts): one runs per region. */
  readonly sentry: string;
  readonly otlpEndpoint?: string | undefined;
  readonly logLevel?: "debug" | "info" | "warn" | "error";
  readonly readyTimeoutMs?: number;
  /** Where the services keep their state; Redis (the region's own) unless told otherwise. */
  readonly stateStore?: StateStoreProfile;
  /** Extra environment for every service (e.g. PAYMENT_LIMIT). */
  readonly serviceEnv?: Readonly<Record<string, string>>;
  /**
   * Dapr's placement and scheduler binaries (scripts/daprd/ensure-control-plane.ts). When given,
   * each region also runs them and the workflow apps (platform/topology.ts `workflowApps`).
   */
  readonly workflows?: WorkflowControlPlaneBinaries;
}

export interface SystemHandle {
  readonly regions: readonly RegionHandle[];
  readonly group: ProcessGroup;
  region(name: string): RegionHandle;
  /** Kills one app's service, sidecar or both (SIGKILL: no graceful shutdown), then starts them again. */
  restart(region: string, app: AppId | WorkflowAppId, part: "service" | "sidecar" | "both"): Promise<void>;
  /** Kills one app's service, sidecar or both (SIGKILL) and leaves them down: an outage. */
  kill(region: string, app: AppId | WorkflowAppId, part: "service" | "sidecar" | "both"): Promise<void>;
  /** Starts again what `kill` stopped, with the same ports and settings, and waits until ready. */
  revive(region: string, app: AppId | WorkflowAppId, part: "service" | "sidecar" | "both"): Promise<void>;
  /** Kills a region's broker (SIGKILL) and starts it again on the same port and data after `downMs`. */
  crashBroker(region: string, downMs: number): Promise<void>;
  /** The relay through which region `from` reaches the broker of region `to`. */
  link(from: string, to: string): LinkProxy;
  /** Stops every process of a region, broker included: SIGTERM, or SIGKILL for a crash. */
  stopRegion(name: string, how?: "graceful" | "crash"): Promise<void>;
  /** Starts a stopped region again with the same ports and the same data directories. */
  startRegion(name: string): Promise<void>;
  stop(): Promise<void>;
}

/** Stop order: services and sidecars first, then brokers and the control plane, so nothing in flight loses its broker. */
const stopRank = (m: Spawned): number =>
  ["-redis", "-sentry", ...controlPlaneNameSuffixes].some((suffix) => m.name.endsWith(suffix)) ? 1 : 0;

/** Every app process of a region, the workflow apps included. */
function everyApp(r: RegionHandle): AppProcess[] {
  return [...Object.values(r.apps), ...Object.values(r.workflowApps)];
}

function appOf(r: RegionHandle, app: AppId | WorkflowAppId): AppProcess {
  const found = everyApp(r).find((a) => a.app === app);
  if (!found) throw new Error(`region ${r.name} runs no ${app}`);
  return found;
}

export async function startSystem(opts: SystemOptions): Promise<SystemHandle> {
  const group = new ProcessGroup();
  const links = new Map<string, LinkProxy>();
  const stopEverything = async (): Promise<void> => {
    await group.stopAll(stopRank);
    await Promise.all([...links.values()].map((l) => l.close()));
  };
  try {
    // Brokers first: every region's resources name its peers' brokers (through the link relays).
    const passwords = Object.fromEntries(opts.regions.map((name) => [name, newRedisPassword()]));
    const brokers = new Map(
      await Promise.all(
        opts.regions.map(
          async (name) => [name, await startRedis(group, `${name}-redis`, join(opts.runDir, name, "redis"), passwords[name]!)] as const,
        ),
      ),
    );
    for (const from of opts.regions) {
      for (const to of opts.regions) if (from !== to) links.set(`${from}->${to}`, await LinkProxy.start(brokers.get(to)!.port));
    }
    const regions = await Promise.all(
      opts.regions.map((name) =>
        startRegion(
          group,
          name,
          opts,
          brokers.get(name)!,
          opts.regions.filter((p) => p !== name).map((p) => ({ name: p, redisAddress: links.get(`${name}->${p}`)!.address })),
          passwords,
        ),
      ),
    );
    const region = (name: string): RegionHandle => {
      const found = regions.find((r) => r.name === name);
      if (!found) throw new Error(`no region ${name}`);
      return found;
    };
    const timeout = opts.readyTimeoutMs ?? 60_000;
    const kill = async (regionName: string, app: AppId | WorkflowAppId, part: "service" | "sidecar" | "both"): Promise<void> => {
      const a = appOf(region(regionName), app);
      if (part !== "sidecar") await ProcessGroup.stop([a.service], 0);
      if (part !== "service") await ProcessGroup.stop([a.sidecar], 0);
    };
    const revive = async (regionName: string, app: AppId | WorkflowAppId, part: "service" | "sidecar" | "both"): Promise<void> => {
      const a = appOf(region(regionName), app);
      if (part !== "sidecar") a.service = a.launchService();
      if (part !== "service") a.sidecar = a.launchSidecar();
      await awaitReady(regionName, a, timeout);
    };
    return {
      regions,
      group,
      region,
      restart: async (regionName, app, part) => {
        await kill(regionName, app, part);
        await revive(regionName, app, part);
      },
      kill,
      revive,
      crashBroker: async (name, downMs) => {
        const r = region(name);
        await ProcessGroup.stop([r.redis.process], 0);
        await new Promise((resolve) => setTimeout(resolve, downMs));
        r.redis = await startRedis(group, `${name}-redis`, join(r.runDir, "redis"), r.redis.password, r.redis.port);
      },
      link: (from, to) => {
        const found = links.get(`${from}->${to}`);
        if (!found) throw new Error(`no link ${from} -> ${to}`);
        return found;
      },
      stopRegion: async (name, how = "graceful") => {
        const r = region(name);
        const grace = how === "crash" ? 0 : 8000;
        await ProcessGroup.stop(
          everyApp(r).flatMap((a) => [a.service, a.sidecar]),
          grace,
        );
        const controlPlane = r.workflowControlPlane ? [r.workflowControlPlane.placement, r.workflowControlPlane.scheduler] : [];
        await ProcessGroup.stop([r.redis.process, r.sentry.process, ...controlPlane], grace);
      },
      startRegion: async (name) => {
        const r = region(name);
        r.redis = await startRedis(group, `${name}-redis`, join(r.runDir, "redis"), r.redis.password, r.redis.port);
        await r.sentry.restart();
        await r.workflowControlPlane?.restart();
        for (const a of everyApp(r)) {
          a.service = a.launchService();
          a.sidecar = a.launchSidecar();
        }
        await Promise.all(everyApp(r).map((a) => awaitReady(name, a, timeout)));
      },
      stop: stopEverything,
    };
  } catch (err) {
    await stopEverything();
    throw err;
  }
}

async function startRegion(
  group: ProcessGroup,
  name: string,
  opts: SystemOptions,
  redis: RedisHandle,
  peers: { name: string; redisAddress: string }[],
  redisPasswords: Readonly<Record<string, string>>,
): Promise<RegionHandle> {
  const runDir = join(opts.runDir, name);
  mkdirSync(runDir, { recursive: true });
  const sentry = await startSentry(group, opts.sentry, `${name}-sentry`, join(runDir, "sentry"), name);
  const workflowControlPlane = opts.workflows
    ? await startWorkflowControlPlane(group, opts.workflows, name, join(runDir, "workflow"), sentry)
    : undefined;
  const { resourcesDir } = writeRegionResources({
    region: name,
    peers,
    dir: runDir,
    redisAddress: redis.address,
    nameResolutionDb: join(runDir, "name-resolution.db"),
    otlpEndpoint: opts.otlpEndpoint,
    stateStore: opts.stateStore ?? { kind: "redis" },
    security: { redisPasswords },
    workflows: workflowControlPlane !== undefined,
  });
  const adminToken = randomBytes(24).toString("hex");
  const adminPort = opts.adminPorts?.[name] ?? (await freePort());
  writeFileSync(join(runDir, "admin-token"), `${adminToken}\n`, { mode: 0o600 });

  const started = {} as Record<AppId, AppProcess>;
  const startedWorkflowApps: Partial<Record<WorkflowAppId, AppProcess>> = {};
  for (const app of [...allApps, ...(workflowControlPlane ? allWorkflowApps : [])]) {
    const ports = {
      appPort: app === apps.gateway ? (opts.gatewayPorts?.[name] ?? (await freePort())) : await freePort(),
      daprHttpPort: await freePort(),
      daprGrpcPort: await freePort(),
      metricsPort: await freePort(),
    };
    const internalGrpcPort = await freePort();
    // Each app and its sidecar share two tokens no other app has: one token can never open another app's sidecar.
    const daprApiToken = randomBytes(16).toString("hex");
    const appApiToken = randomBytes(16).toString("hex");
    const sentryTokenFile = sentry.tokenFileFor(app);
    const serviceEnv: NodeJS.ProcessEnv = {
      PATH: process.env["PATH"],
      NODE_ENV: "production",
      REGION: name,
      APP_ID: app,
      OTEL_SERVICE_NAME: app,
      APP_PORT: String(ports.appPort),
      DAPR_HTTP_PORT: String(ports.daprHttpPort),
      DAPR_API_TOKEN: daprApiToken,
      LOG_LEVEL: opts.logLevel ?? "info",
      ...opts.serviceEnv,
      ...(app === apps.replicator ? { PEER_REGIONS: peers.map((p) => p.name).join(",") } : {}),
      // The workflow runtime of @dapr/dapr talks to its sidecar over gRPC.
      ...(isWorkflowApp(app) ? { DAPR_GRPC_PORT: String(ports.daprGrpcPort) } : {}),
      // The gateway is the public entry: callers are users, not daprd, so it takes no app token;
      // its operator endpoints are on a port of their own, behind the operator's credential.
      ...(app === apps.gateway ? { ADMIN_PORT: String(adminPort), ADMIN_TOKEN: adminToken } : { APP_API_TOKEN: appApiToken }),
      ...(opts.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://${opts.otlpEndpoint}` } : {}),
    };
    const launchService = () =>
      group.spawn(
        `${name}-${app}`,
        process.execPath,
        [
          ...serviceNodeFlags,
          "--enable-source-maps",
          "--import",
          join(distDir, "services/shared/instrumentation.js"),
          join(distDir, `services/${app}/main.js`),
        ],
        serviceEnv,
        join(runDir, `${app}.log`),
      );
    const launchSidecar = () =>
      group.spawn(
        `${name}-${app}-daprd`,
        opts.daprd,
        [
          "--app-id",
          app,
          "--app-port",
          String(ports.appPort),
          "--app-protocol",
          "http",
          "--app-channel-address",
          "127.0.0.1",
          // Every port on loopback: the API ports, the sidecar-to-sidecar port (which daprd would
          // otherwise open on every interface) and metrics. Profiling stays off.
          "--dapr-listen-addresses",
          "127.0.0.1",
          "--dapr-internal-grpc-listen-address",
          "127.0.0.1",
          "--metrics-listen-address",
          "127.0.0.1",
          // mTLS between sidecars with identities from the region's Sentry, as in the clusters.
          "--enable-mtls",
          "--sentry-address",
          sentry.address,
          "--control-plane-trust-domain",
          sentry.trustDomain,
          "--dapr-http-port",
          String(ports.daprHttpPort),
          "--dapr-grpc-port",
          String(ports.daprGrpcPort),
          "--dapr-internal-grpc-port",
          String(internalGrpcPort),
          "--metrics-port",
          String(ports.metricsPort),
          "--enable-metrics",
          // No daprd app health check (nor in Kubernetes, where the kubelet's probes decide). An
          // app it finds unhealthy has its subscriptions closed, and the benchmark found both
          // halves of that failing: a saturated service answers /healthz seconds late (requests
          // queue behind the work in hand), and in Dapr 1.16 the subscriptions did not come back
          // once the app answered again, so the region's saga stopped for good. Deliveries to an
          // app that is restarting are retried by the Resiliency policy, then by the broker.
          // Apps that run workflows join the region's placement and scheduler; the others stay off them.
          ...(workflowControlPlane && isWorkflowApp(app)
            ? [
                "--placement-host-address",
                workflowControlPlane.placementAddress,
                "--scheduler-host-address",
                workflowControlPlane.schedulerAddress,
              ]
            : []),
          "--resources-path",
          resourcesDir,
          "--config",
          configFileOf(runDir, app),
          "--log-level",
          "warn",
        ],
        {
          PATH: process.env["PATH"],
          HOME: process.env["HOME"],
          DAPR_API_TOKEN: daprApiToken,
          APP_API_TOKEN: appApiToken,
          DAPR_TRUST_ANCHORS: sentry.trustAnchors,
          DAPR_SENTRY_TOKEN_FILE: sentryTokenFile,
        },
        join(runDir, `${app}.daprd.log`),
      );
    const appProcess: AppProcess = {
      app,
      ...ports,
      internalGrpcPort,
      daprApiToken,
      appApiToken,
      service: launchService(),
      sidecar: launchSidecar(),
      launchService,
      launchSidecar,
    };
    if (isWorkflowApp(app)) startedWorkflowApps[app] = appProcess;
    else started[app] = appProcess;
  }

  const timeout = opts.readyTimeoutMs ?? 60_000;
  await Promise.all([...Object.values(started), ...Object.values(startedWorkflowApps)].map((a) => awaitReady(name, a, timeout)));
  return {
    name,
    gatewayUrl: `http://127.0.0.1:${started[apps.gateway].appPort}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    adminToken,
    redis,
    apps: started,
    runDir,
    sentry,
    workflowApps: startedWorkflowApps,
    ...(workflowControlPlane ? { workflowControlPlane } : {}),
  };
}

function isWorkflowApp(app: string): app is WorkflowAppId {
  return (allWorkflowApps as readonly string[]).includes(app);
}

/** Waits for an app and its sidecar; fails at once, naming the log, if either exits. */
async function awaitReady(region: string, a: AppProcess, timeoutMs: number): Promise<void> {
  let exitCode: number | string | undefined;
  void Promise.race([a.service.exited, a.sidecar.exited]).then((code) => (exitCode = code));
  try {
    await waitFor(
      `${region}/${a.app} to be ready`,
      () => isReady(a),
      timeoutMs,
      100,
      () => exitCode !== undefined,
    );
  } catch (err) {
    if (exitCode === undefined) throw err;
    throw new Error(`${region}/${a.app} exited (${exitCode}) during start-up; see ${a.service.logFile} and ${a.sidecar.logFile}`);
  }
}

/** The sidecar is healthy (it has reached the app and loaded its components) and the app says ready. */
async function isReady(a: AppProcess): Promise<boolean> {
  const dapr = await fetch(`http://127.0.0.1:${a.daprHttpPort}/v1.0/healthz`, { signal: AbortSignal.timeout(1000) });
  if (dapr.status !== 204) return false;
  const app = await fetch(`http://127.0.0.1:${a.appPort}/readyz`, { signal: AbortSignal.timeout(1000) });
  return app.status === 200;
}
