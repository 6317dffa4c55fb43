import { type AppId, allApps, apps, componentScopes, invocations, subscriptions } from "../platform/topology.js";

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

/**
 * One row per app. Typed by AppId, so an app added to topology.ts does not compile until it has
 * a row here: adding inventory, payments or replicator is one line each.
 */
export const appSpecs: Readonly<Record<AppId, AppSpec>> = {
  [apps.gateway]: { port: 8080, public: true, adminPort: 8081, resources: small },
  [apps.orders]: { port: 8080, public: false, resources: small },
  [apps.inventory]: { port: 8080, public: false, resources: small },
  [apps.payments]: { port: 8080, public: false, resources: small },
  [apps.orderView]: { port: 8080, public: false, resources: small },
  [apps.replicator]: { port: 8080, public: false, resources: small },
};

/** A caller -> callee pair allowed through service invocation. */
export interface InvocationPair {
  readonly caller: AppId;
  readonly callee: AppId;
}

const isDeployed = (app: string): app is AppId => (allApps as readonly string[]).includes(app);

/** Pairs between the apps deployed here; the workflow app (order-saga) is not in the manifests yet. */
export const invocationPairs: readonly InvocationPair[] = invocations.flatMap((i) =>
  isDeployed(i.from) && isDeployed(i.to) ? [{ caller: i.from, callee: i.to }] : [],
);

/** Components the app may load (its Dapr component scopes). */
export function componentsOf(app: AppId): string[] {
  return Object.entries(componentScopes)
    .filter(([, scoped]) => scoped.includes(app))
    .map(([name]) => name);
}

export function subscriptionsOf(app: AppId): typeof subscriptions {
  return subscriptions.filter((s) => s.app === app);
}

/** Who the app calls, among the apps deployed here. */
export function calleesOf(app: AppId): AppId[] {
  return invocationPairs.filter((p) => p.caller === app).map((p) => p.callee);
}

/** Who calls the app, among the apps deployed here. */
export function callersOf(app: AppId): AppId[] {
  return invocationPairs.filter((p) => p.callee === app).map((p) => p.caller);
}
