import type { RegionConfig } from "../platform/regions.js";
import {
  type AppId,
  type WorkflowAppId,
  allApps,
  allWorkflowApps,
  apps,
  invocations,
  isWorkflowApp,
  regionComponentScopes,
  subscriptions,
  workflowApps,
} from "../platform/topology.js";

export { topicsPublishedBy } from "../platform/access.js";

/** Container resources as Kubernetes quantities. */
export interface Resources {
  readonly cpuRequest: string;
  readonly cpuLimit: string;
  readonly memoryRequest: string;
  readonly memoryLimit: string;
}

/**
 * What the manifests need to know about an app beyond platform/topology.ts, which already says
 * which components each app may use, what it subscribes to, what it publishes and whom it may
 * call (`invocations`); the helpers below join the two.
 */
export interface AppSpec {
  /** Port of the app's HTTP server: API, /healthz, /readyz and /metrics. */
  readonly port: number;
  /** Serves callers outside the cluster (the one public entry per region). */
  readonly public: boolean;
  /**
   * Operator endpoints on a port of their own, behind the operator's credential: reachable only
   * through the cluster-internal `<app>-admin` Service, from pods labelled as operators.
   */
  readonly adminPort?: number;
  /** The app container; the sidecar's resources are set once for all apps in workloads/. */
  readonly resources: Resources;
}

const small: Resources = { cpuRequest: "100m", cpuLimit: "500m", memoryRequest: "128Mi", memoryLimit: "256Mi" };

/** An app the manifests can deploy: every service, and the workflow apps where the saga is orchestrated. */
export type DeployedAppId = AppId | WorkflowAppId;

/**
 * One row per app. Typed by DeployedAppId, so an app added to topology.ts does not compile until
 * it has a row here: adding inventory, payments or replicator is one line each.
 */
export const appSpecs: Readonly<Record<DeployedAppId, AppSpec>> = {
  [apps.gateway]: { port: 8080, public: true, resources: small },
  [apps.operator]: { port: 8080, public: false, adminPort: 8081, resources: small },
  [apps.orders]: { port: 8080, public: false, resources: small },
  [apps.inventory]: { port: 8080, public: false, resources: small },
  [apps.payments]: { port: 8080, public: false, resources: small },
  [apps.orderView]: { port: 8080, public: false, resources: small },
  [apps.replicator]: { port: 8080, public: false, resources: small },
  [workflowApps.orderSaga]: { port: 8080, public: false, resources: small },
};

/** The apps a region runs: the workflow apps only where its saga is orchestrated (they would idle elsewhere). */
export function appsOf(region: Pick<RegionConfig, "saga">): DeployedAppId[] {
  return [...allApps, ...(region.saga === "orchestration" ? allWorkflowApps : [])];
}

/** A caller -> callee pair allowed through service invocation. */
export interface InvocationPair {
  readonly caller: DeployedAppId;
  readonly callee: DeployedAppId;
}

/** Pairs between the apps a region deploys (`appsOf`): orders -> order-saga and its commands only where it runs. */
export function invocationPairsOf(deployed: readonly DeployedAppId[]): InvocationPair[] {
  // A pair may have several entries (routes with different verbs): it is one pair.
  const pairs = new Map<string, InvocationPair>();
  for (const i of invocations)
    if (deployed.includes(i.from) && deployed.includes(i.to)) pairs.set(`${i.from}->${i.to}`, { caller: i.from, callee: i.to });
  return [...pairs.values()];
}

/** Components the app may load (its Dapr component scopes). */
export function componentsOf(app: DeployedAppId): string[] {
  return Object.entries(regionComponentScopes(true))
    .filter(([, scoped]) => (scoped as readonly string[]).includes(app))
    .map(([name]) => name);
}

export function subscriptionsOf(app: AppId): typeof subscriptions {
  return subscriptions.filter((s) => s.app === app);
}

/** Who the app calls, among the apps deployed in the region. */
export function calleesOf(app: DeployedAppId, deployed: readonly DeployedAppId[]): DeployedAppId[] {
  return invocationPairsOf(deployed)
    .filter((p) => p.caller === app)
    .map((p) => p.callee);
}

/** Who calls the app, among the apps deployed in the region. */
export function callersOf(app: DeployedAppId, deployed: readonly DeployedAppId[]): DeployedAppId[] {
  return invocationPairsOf(deployed)
    .filter((p) => p.callee === app)
    .map((p) => p.caller);
}

/**
 * Sidecars that talk to the app's own other replicas: a workflow app's, because its workflows are
 * actors that placement spreads over its replicas, and a sidecar hands a call for an actor it does
 * not host to the one that does (over the internal gRPC port, outside access control).
 */
export function talksToOwnReplicas(app: DeployedAppId): boolean {
  return isWorkflowApp(app);
}
