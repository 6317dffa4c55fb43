/**
 * Starts whole regions on one machine: a redis-server per region, the region's broker and stores
 * of the chosen profiles, then each app with its own daprd. Used by `npm start`, by the tests,
 * the drills and the benchmark, so all of them run the same thing.
 */
import { type IssuerHandle, startIssuer } from "./issuer-process.js";
import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { distDir } from "../../platform/paths.js";
import { serviceNodeFlags } from "../../platform/process-tuning.js";
import {
  type AppId,
  type SagaStyle,
  type WorkflowAppId,
  allApps,
  allWorkflowApps,
  apps,
  defaultSagaStyle,
  isWorkflowApp,
  peerLinkName,
} from "../../platform/topology.js";
import { LinkProxy } from "./link-proxy.js";
import { freePort, waitFor } from "./ports.js";
import { ProcessGroup, type Spawned } from "./processes.js";
import { type LocalBroker, startBroker } from "./brokers.js";
import { type LocalProfiles, defaultProfiles } from "./profiles.js";
import { type RedisHandle, newRedisPassword, startRedis } from "./redis.js";
import { configFileOf, writeRegionResources } from "./resources.js";
import { type LocalStore, startStore } from "./stores.js";
import { type SentryHandle, startSentry } from "./sentry.js";
import { type WorkflowControlPlane, type WorkflowControlPlaneBinaries, startWorkflowControlPlane } from "./workflow-control-plane.js";

export interface AppProcess {
  readonly app: AppId | WorkflowAppId;
  readonly appPort: number;
  readonly daprHttpPort: number;
  readonly daprGrpcPort: number;
  readonly metricsPort: number;
  /** daprd's pprof port, when the system was started with `profiling`. */
  readonly profilePort?: number;
  /** Where the service writes its V8 CPU profile at exit, when the system was started with `profiling`. */
  readonly cpuProfileDir?: string;
  /** daprd's sidecar-to-sidecar port (mTLS only). */
  readonly internalGrpcPort: number;
  /** The gateway replica's own operator port. */
  readonly adminPort?: number;
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
  /** The region's own redis-server: broker and stores on the Redis profiles, idle otherwise. */
  redis: RedisHandle;
  /** The region's pub/sub broker, of the system's pub/sub profile. */
  readonly broker: LocalBroker;
  readonly store: LocalStore;
  /** Each app's first replica (the only one unless `replicas` says more). */
  readonly apps: Readonly<Record<AppId, AppProcess>>;
  /** Every replica of each app: the same app-id, each with its own daprd and ports. */
  readonly replicas: Readonly<Record<AppId, readonly AppProcess[]>>;
  readonly runDir: string;
  /** The operator app's port (loopback only): /admin/*, with `adminToken` as bearer. */
  readonly adminUrl: string;
  /** The system's OpenID Connect issuer, shared by every region: customers' tokens come from it. */
  readonly issuer: IssuerHandle;
  /** The operator's credential (also in `<runDir>/admin-token`, readable by its owner only). */
  readonly adminToken: string;
  /** The region's certificate authority: every sidecar's mTLS identity comes from it. */
  readonly sentry: SentryHandle;
  /** The apps that run Dapr Workflows (one instance each), when the system was started with `workflows`. */
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
  /** Which broker carries the events and which store keeps the state (default: Redis for both). */
  readonly profiles?: LocalProfiles;
  /** Extra environment for every service (e.g. PAYMENT_LIMIT). */
  readonly serviceEnv?: Readonly<Record<string, string>>;
  /** Instances of each app per region (default 1); see replicasFromEnv. */
  readonly replicas?: Readonly<Partial<Record<AppId, number>>>;
  /**
   * Dapr's placement and scheduler binaries (scripts/daprd/ensure-control-plane.ts). When given,
   * each region also runs them and the workflow apps (platform/topology.ts `workflowApps`).
   */
  readonly workflows?: WorkflowControlPlaneBinaries;
  /** How each region runs its saga (default choreography); `orchestration` needs `workflows`. */
  readonly saga?: Readonly<Record<string, SagaStyle>>;
  /** CPU profiling for `npm run bench -- --profile` (default off); see ProfilingOptions. */
  readonly profiling?: ProfilingOptions;
  /**
   * Node's arguments for each app's process in place of the service (its flags, instrumentation
   * and main module): the benchmark's Dapr floor (scripts/bench/floor/) runs minimal apps under
   * the same app-ids, sidecars, resources, tokens and mTLS. Each gets the service's environment.
   */
  readonly appCommand?: (app: AppId | WorkflowAppId) => readonly string[];
}

/**
 * Every daprd serves Go's pprof on a port of its own (loopback, `profilePort` of its AppProcess);
 * every Node service writes a V8 CPU profile (`--cpu-prof`) into `<nodeProfileDir>/<region>-<instance>/`
 * when it exits through its shutdown path (a SIGKILLed service writes none).
 */
export interface ProfilingOptions {
  readonly nodeProfileDir: string;
}

export interface SystemHandle {
  readonly regions: readonly RegionHandle[];
  /** The issuer customers sign in with (one for every region, as in the clusters). */
  readonly issuer: IssuerHandle;
  readonly profiles: LocalProfiles;
  readonly group: ProcessGroup;
  region(name: string): RegionHandle;
  /** Kills one replica's service, sidecar or both (SIGKILL: no graceful shutdown), then starts them again. */
  restart(region: string, app: AppId | WorkflowAppId, part: "service" | "sidecar" | "both", replica?: number): Promise<void>;
  /** Kills one replica's service, sidecar or both (SIGKILL) and leaves them down: an outage. */
  kill(region: string, app: AppId | WorkflowAppId, part: "service" | "sidecar" | "both", replica?: number): Promise<void>;
  /** Starts again what `kill` stopped, with the same ports and settings, and waits until ready. */
  revive(region: string, app: AppId | WorkflowAppId, part: "service" | "sidecar" | "both", replica?: number): Promise<void>;
  /** Kills a region's broker (SIGKILL, or every connection cut) and brings it back on the same port and data after `downMs`. */
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
const stopRank = (m: Spawned): number => (/(-(redis|nats|sentry|placement|scheduler)|^issuer)$/.test(m.name) ? 1 : 0);

/** Every app process of a region: each replica, and the workflow apps. */
/** A region's apps, each as its replicas (a workflow app has one). */
export function appReplicas(r: RegionHandle): (readonly AppProcess[])[] {
  return [...Object.values(r.replicas), ...Object.values(r.workflowApps).map((a) => [a])];
}

function everyApp(r: RegionHandle): AppProcess[] {
  return appReplicas(r).flat();
}

/** What a region runs besides its apps: its redis-server, broker and stores. */
interface RegionInfra {
  redis: RedisHandle;
  readonly broker: LocalBroker;
  readonly store: LocalStore;
}

export async function startSystem(opts: SystemOptions): Promise<SystemHandle> {
  const group = new ProcessGroup();
  const links = new Map<string, LinkProxy>();
  const infra = new Map<string, RegionInfra>();
  const profiles = opts.profiles ?? defaultProfiles;
  // Names of databases, users and virtual hosts on the machine's shared servers: one set per run.
  const runId = randomBytes(4).toString("hex");
  // Relays standing for the Services in front of replicated gateways.
  const balancers: LinkProxy[] = [];
  const stopEverything = async (): Promise<void> => {
    await group.stopAll(stopRank);
    await Promise.all([...links.values(), ...balancers].map((l) => l.close()));
    for (const i of infra.values()) {
      await i.broker.dispose();
      i.store.dispose();
    }
  };
  try {
    // Brokers first: every region's resources name its peers' brokers (through the link relays).
    for (const name of opts.regions) infra.set(name, await startInfra(group, name, join(opts.runDir, name), runId, profiles));
    for (const from of opts.regions) {
      for (const to of opts.regions) if (from !== to) links.set(`${from}->${to}`, await LinkProxy.start(infra.get(to)!.broker.port));
    }
    const issuer = await startIssuer(group, join(opts.runDir, "issuer"));
    const regions = await Promise.all(
      opts.regions.map((name) =>
        startRegion(
          group,
          name,
          opts,
          infra.get(name)!,
          opts.regions
            .filter((p) => p !== name)
            .map((p) => ({ name: p, broker: infra.get(p)!.broker, viaPort: links.get(`${name}->${p}`)!.port })),
          balancers,
          issuer,
        ),
      ),
    );
    const region = (name: string): RegionHandle => {
      const found = regions.find((r) => r.name === name);
      if (!found) throw new Error(`no region ${name}`);
      return found;
    };
    const timeout = opts.readyTimeoutMs ?? 60_000;
    const replicaOf = (regionName: string, app: AppId | WorkflowAppId, replica: number): AppProcess => {
      const r = region(regionName);
      const a = isWorkflowApp(app) ? (replica === 0 ? r.workflowApps[app] : undefined) : r.replicas[app][replica];
      if (!a) throw new Error(`${regionName}/${app} has no replica ${replica}`);
      return a;
    };
    const kill = async (
      regionName: string,
      app: AppId | WorkflowAppId,
      part: "service" | "sidecar" | "both",
      replica = 0,
    ): Promise<void> => {
      const a = replicaOf(regionName, app, replica);
      if (part !== "sidecar") await ProcessGroup.stop([a.service], 0);
      if (part !== "service") await ProcessGroup.stop([a.sidecar], 0);
    };
    const revive = async (
      regionName: string,
      app: AppId | WorkflowAppId,
      part: "service" | "sidecar" | "both",
      replica = 0,
    ): Promise<void> => {
      const a = replicaOf(regionName, app, replica);
      if (part !== "sidecar") a.service = a.launchService();
      if (part !== "service") a.sidecar = a.launchSidecar();
      await awaitReady(regionName, a, timeout);
    };
    return {
      regions,
      issuer,
      profiles,
      group,
      region,
      restart: async (regionName, app, part, replica = 0) => {
        await kill(regionName, app, part, replica);
        await revive(regionName, app, part, replica);
      },
      kill,
      revive,
      crashBroker: (name, downMs) => region(name).broker.crash(downMs),
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
        await r.broker.stop(grace);
        const controlPlane = r.workflowControlPlane ? [r.workflowControlPlane.placement, r.workflowControlPlane.scheduler] : [];
        await ProcessGroup.stop([r.redis.process, r.sentry.process, ...controlPlane], grace);
      },
      startRegion: async (name) => {
        const r = region(name);
        const i = infra.get(name)!;
        i.redis = await startRedis(group, `${name}-redis`, join(r.runDir, "redis"), i.redis.password, i.redis.port);
        await r.broker.start();
        await r.sentry.restart();
        await r.workflowControlPlane?.restart();
        const all = everyApp(r);
        for (const a of all) {
          a.service = a.launchService();
          a.sidecar = a.launchSidecar();
        }
        await Promise.all(all.map((a) => awaitReady(name, a, timeout)));
      },
      stop: stopEverything,
    };
  } catch (err) {
    await stopEverything();
    throw err;
  }
}

/** A region's redis-server, broker and stores, of the system's profiles. */
async function startInfra(group: ProcessGroup, name: string, dir: string, runId: string, profiles: LocalProfiles): Promise<RegionInfra> {
  const redisDir = join(dir, "redis");
  const holder = { redis: await startRedis(group, `${name}-redis`, redisDir, newRedisPassword()) };
  const broker = await startBroker(profiles.pubsub, {
    group,
    region: name,
    runId,
    dir,
    redis: () => holder.redis,
    restartRedis: async () => {
      holder.redis = await startRedis(group, `${name}-redis`, redisDir, holder.redis.password, holder.redis.port);
    },
  });
  const store = await startStore(profiles.state, name, runId, () => holder.redis);
  return {
    get redis() {
      return holder.redis;
    },
    set redis(r: RedisHandle) {
      holder.redis = r;
    },
    broker,
    store,
  };
}

async function startRegion(
  group: ProcessGroup,
  name: string,
  opts: SystemOptions,
  infra: RegionInfra,
  peers: { name: string; broker: LocalBroker; viaPort: number }[],
  balancers: LinkProxy[],
  issuer: IssuerHandle,
): Promise<RegionHandle> {
  const runDir = join(opts.runDir, name);
  mkdirSync(runDir, { recursive: true });
  const sentry = await startSentry(group, opts.sentry, `${name}-sentry`, join(runDir, "sentry"), name);
  const saga = opts.saga?.[name] ?? defaultSagaStyle;
  if (saga === "orchestration" && !opts.workflows) {
    throw new Error(`region ${name} is orchestrated (saga) but the system was started without the workflow control plane (workflows)`);
  }
  const workflowControlPlane = opts.workflows
    ? await startWorkflowControlPlane(group, opts.workflows, name, join(runDir, "workflow"), sentry)
    : undefined;
  const own = infra.broker.connect(infra.broker.port);
  const store = infra.store.connect();
  const links = peers.map((p) => ({ name: p.name, ...p.broker.connect(p.viaPort) }));
  // The leases live in the region's own redis-server, whatever the profiles.
  const lockKey = `lock-${name}`;
  const lock = { address: { host: "127.0.0.1", port: infra.redis.port }, password: { name: lockKey, key: lockKey } };
  const { resourcesDir } = writeRegionResources({
    region: name,
    broker: own.connection,
    store: store.connection,
    lock,
    peers: links.map((l) => ({ name: l.name, broker: l.connection })),
    dir: runDir,
    nameResolutionDb: join(runDir, "name-resolution.db"),
    otlpEndpoint: opts.otlpEndpoint,
    workflows: workflowControlPlane !== undefined,
    security: {
      secrets: Object.assign({ [lockKey]: infra.redis.password }, own.secrets, store.secrets, ...links.map((l) => l.secrets)) as Record<
        string,
        string
      >,
    },
  });
  const adminToken = randomBytes(24).toString("hex");
  const adminPort = opts.adminPorts?.[name] ?? (await freePort());
  writeFileSync(join(runDir, "admin-token"), `${adminToken}\n`, { mode: 0o600 });

  const publicPort = opts.gatewayPorts?.[name] ?? (await freePort());
  const timeout = opts.readyTimeoutMs ?? 60_000;
  const countOf = (app: AppId): number => opts.replicas?.[app] ?? 1;
  const started = Object.fromEntries(allApps.map((app) => [app, [] as AppProcess[]])) as Record<AppId, AppProcess[]>;
  // One instance each: a workflow app's instances share its actors through placement, which a
  // second replica would exercise; the saga of phase 2 decides whether it runs more.
  const startedWorkflowApps: Partial<Record<WorkflowAppId, AppProcess>> = {};
  // Started in waves, each ready before the next: the first sidecar creates the region's name
  // resolution tables, each app's first one its stores' tables; sidecars that initialise the same
  // SQLite file or SQL tables at the same moment fail ("database is locked", "type already exists").
  const waves: (readonly [AppId | WorkflowAppId, number])[][] = [
    [[apps.orders, 0]],
    [
      ...allApps.filter((app) => app !== apps.orders).map((app) => [app, 0] as const),
      ...(workflowControlPlane ? allWorkflowApps : []).map((app) => [app, 0] as const),
    ],
    allApps.flatMap((app) => Array.from({ length: countOf(app) - 1 }, (_, i) => [app, i + 1] as const)),
  ];
  for (const wave of waves) {
    const launched: AppProcess[] = [];
    for (const [app, replica] of wave) {
      const a = isWorkflowApp(app) ? await launchReplica(app, 0, 1) : await launchReplica(app, replica, countOf(app));
      if (isWorkflowApp(app)) startedWorkflowApps[app] = a;
      else started[app][replica] = a;
      launched.push(a);
    }
    await Promise.all(launched.map((a) => awaitReady(name, a, timeout)));
  }
  // Replicated gateways sit behind one public port, replicated operator apps behind one operator
  // port, as behind a Service.
  const gateways = started[apps.gateway];
  if (gateways.length > 1)
    balancers.push(
      await LinkProxy.start(
        gateways.map((g) => g.appPort),
        publicPort,
      ),
    );
  const operators = started[apps.operator];
  if (operators.length > 1)
    balancers.push(
      await LinkProxy.start(
        operators.map((o) => o.adminPort!),
        adminPort,
      ),
    );

  async function launchReplica(app: AppId | WorkflowAppId, replica: number, count: number): Promise<AppProcess> {
    const alone = count === 1;
    const instance = alone ? app : `${app}-${replica}`;
    const ports = {
      appPort: app === apps.gateway && alone ? publicPort : await freePort(),
      daprHttpPort: await freePort(),
      daprGrpcPort: await freePort(),
      metricsPort: await freePort(),
    };
    const internalGrpcPort = await freePort();
    const profilePort = opts.profiling ? await freePort() : undefined;
    const cpuProfileDir = opts.profiling ? join(opts.profiling.nodeProfileDir, `${name}-${instance}`) : undefined;
    // Each app and its sidecar share two tokens no other app has: one token can never open another app's sidecar.
    const daprApiToken = randomBytes(16).toString("hex");
    const appApiToken = randomBytes(16).toString("hex");
    const sentryTokenFile = sentry.tokenFileFor(app);
    const replicaAdminPort = app === apps.operator ? (alone ? adminPort : await freePort()) : undefined;
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
      SERVICE_INSTANCE_ID: `${name}-${instance}`,
      // Replicas of a writer must take turns on the keys they decide about (see lease.ts).
      WRITE_LEASE: alone ? "process" : "distributed",
      ...opts.serviceEnv,
      SAGA: saga,
      ...(app === apps.replicator ? { PEER_REGIONS: peers.map((p) => p.name).join(",") } : {}),
      // The workflow runtime of @dapr/dapr talks to its sidecar over gRPC.
      ...(isWorkflowApp(app) ? { DAPR_GRPC_PORT: String(ports.daprGrpcPort) } : {}),
      // The gateway is the public entry: callers are users, not daprd, so it takes no app token.
      ...(app === apps.gateway ? { OIDC_ISSUER: issuer.url, OIDC_AUDIENCE: issuer.audience } : { APP_API_TOKEN: appApiToken }),
      // The operator app serves the operator API on a port of its own, behind the operator's credential.
      ...(app === apps.operator ? { ADMIN_PORT: String(replicaAdminPort), ADMIN_TOKEN: adminToken } : {}),
      ...(opts.otlpEndpoint ? { OTEL_EXPORTER_OTLP_ENDPOINT: `http://${opts.otlpEndpoint}` } : {}),
    };
    const launchService = () =>
      group.spawn(
        `${name}-${instance}`,
        process.execPath,
        opts.appCommand?.(app) ?? [
          ...serviceNodeFlags,
          ...(cpuProfileDir === undefined ? [] : ["--cpu-prof", "--cpu-prof-dir", cpuProfileDir]),
          "--enable-source-maps",
          "--import",
          join(distDir, "services/shared/instrumentation.js"),
          join(distDir, `services/${app}/main.js`),
        ],
        serviceEnv,
        join(runDir, `${instance}.log`),
      );
    const launchSidecar = () =>
      group.spawn(
        `${name}-${instance}-daprd`,
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
          // otherwise open on every interface), metrics, and pprof when profiling (it listens on
          // the API addresses).
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
          ...(profilePort === undefined ? [] : ["--enable-profiling", "--profile-port", String(profilePort)]),
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
        join(runDir, `${instance}.daprd.log`),
      );
    return {
      app,
      ...ports,
      internalGrpcPort,
      ...(profilePort === undefined ? {} : { profilePort }),
      ...(cpuProfileDir === undefined ? {} : { cpuProfileDir }),
      ...(replicaAdminPort === undefined ? {} : { adminPort: replicaAdminPort }),
      daprApiToken,
      appApiToken,
      service: launchService(),
      sidecar: launchSidecar(),
      launchService,
      launchSidecar,
    };
  }

  for (const replicator of started[apps.replicator]) {
    await ensurePeerLinks(
      name,
      replicator,
      peers.map((p) => peerLinkName(p.name)),
      timeout,
    );
  }
  const first = Object.fromEntries(allApps.map((app) => [app, started[app][0]!])) as Record<AppId, AppProcess>;
  return {
    name,
    gatewayUrl: `http://127.0.0.1:${publicPort}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    adminToken,
    issuer,
    get redis() {
      return infra.redis;
    },
    set redis(r: RedisHandle) {
      infra.redis = r;
    },
    broker: infra.broker,
    store: infra.store,
    apps: first,
    replicas: started,
    runDir,
    sentry,
    workflowApps: startedWorkflowApps,
    ...(workflowControlPlane ? { workflowControlPlane } : {}),
  };
}

/**
 * A peer link that failed to load when its sidecar started stays unloaded for the sidecar's life
 * (it is `ignoreErrors`, so the region starts while a peer is down). At start-up every peer is up,
 * so a missing link is a connection that timed out on a loaded machine (measured: NATS clients give
 * up after 2 s, which no component setting changes): the replicator's sidecar is started again.
 */
async function ensurePeerLinks(region: string, replicator: AppProcess, links: readonly string[], timeoutMs: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(`http://127.0.0.1:${replicator.daprHttpPort}/v1.0/metadata`, {
      headers: { "dapr-api-token": replicator.daprApiToken },
      signal: AbortSignal.timeout(5000),
    });
    const loaded = new Set(((await res.json()) as { components?: { name: string }[] }).components?.map((c) => c.name));
    const missing = links.filter((l) => !loaded.has(l));
    if (missing.length === 0) return;
    if (attempt >= 3) throw new Error(`${region}/replicator could not load ${missing.join(", ")}; see ${replicator.sidecar.logFile}`);
    process.stderr.write(`[runner] ${region}/replicator did not load ${missing.join(", ")}; starting its sidecar again\n`);
    await ProcessGroup.stop([replicator.sidecar], 8000);
    replicator.sidecar = replicator.launchSidecar();
    await awaitReady(region, replicator, timeoutMs);
  }
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
