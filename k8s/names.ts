import type { ISecurityContext } from "kubernetes-models/v1/SecurityContext";
import { daprVersion } from "../platform/versions.js";

/** Names shared by several charts, so a Service, a policy and a monitor never disagree. */

export const partOf = "meridian";

/** A label value from any string: at most 63 of [A-Za-z0-9_.-], starting and ending alphanumeric. */
export function labelValue(raw: string): string {
  return raw
    .replace(/[^A-Za-z0-9_.-]/g, "-")
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

/** Labels on every pod of an app; NetworkPolicies, Services and PodMonitors select by these (stable, so selectors never change). */
export function appLabels(app: string): Record<string, string> {
  return { "app.kubernetes.io/name": app, "app.kubernetes.io/part-of": partOf };
}

/**
 * Kubernetes' recommended labels that every object of a region carries besides its own name:
 * which deployment of the system (`instance`), which release (`version`), which part
 * (`component`) and what made it (`managed-by`). Not in selectors: they change with releases.
 */
export function commonLabels(
  region: { readonly name: string; readonly images: { readonly tag: string } },
  component: string,
): Record<string, string> {
  return {
    "app.kubernetes.io/part-of": partOf,
    "app.kubernetes.io/instance": `${partOf}-${region.name}`,
    "app.kubernetes.io/version": labelValue(region.images.tag),
    "app.kubernetes.io/component": component,
    "app.kubernetes.io/managed-by": "cdk8s",
  };
}

/**
 * Secrets the operator creates once per cluster (k8s/README.md); the manifests only name them.
 * Two per app, so one app's token never opens another app's sidecar or app.
 */
export const secrets = {
  /** App -> its daprd (`DAPR_API_TOKEN`); Dapr reads key `token`. */
  daprApiToken: (app: string): string => `${app}-dapr-api-token`,
  /** daprd -> its app (`APP_API_TOKEN`); Dapr reads key `token`. */
  appApiToken: (app: string): string => `${app}-dapr-app-token`,
  tokenKey: "token",
  /** The operator's credential for the operator app's admin port (`ADMIN_TOKEN`), key `token`. */
  adminToken: "operator-admin-token",
} as const;

/** Pods with this label may reach admin ports (an operator's toolbox pod, a CI job). */
export const operatorLabel = { "meridian.io/operator": "true" } as const;

export const daprPorts = {
  http: 3500,
  /** The sidecar's gRPC API: where a workflow app's runtime gets its work items. */
  grpc: 50001,
  /** Sidecar-to-sidecar service invocation (mTLS); the only port one app's pod opens to another. */
  internalGrpc: 50002,
  metrics: 9090,
} as const;

/** Where daprd reaches the control plane installed by the Dapr Helm chart (pod ports, which NetworkPolicies match). */
export const daprControlPlane = {
  namespace: "dapr-system",
  sentryAddress: "dapr-sentry.dapr-system.svc.cluster.local:443",
  trustDomain: "cluster.local",
  /** operator, sentry, placement, scheduler. */
  ports: [6500, 50001, 50005, 50006],
} as const;

export const daprSidecarImage = `ghcr.io/dapr/daprd:${daprVersion}`;

/** Each app has its own Configuration: access policies are evaluated by the callee's sidecar. */
export function daprConfigName(app: string): string {
  return `${app}-dapr`;
}

export const collector = {
  name: "otel-collector",
  grpcPort: 4317,
  httpPort: 4318,
  metricsPort: 8888,
  healthPort: 13133,
} as const;

export function collectorHost(namespace: string): string {
  return `${collector.name}.${namespace}.svc.cluster.local`;
}

/**
 * The Kubernetes minor version the manifests target: the tests validate against its OpenAPI
 * schema (the `kubernetes-models` package pinned in package.json carries v1.33), and Pod Security
 * admission enforces that version's `restricted` profile.
 */
export const kubernetesVersion = "1.33";

/** Pod Security `restricted` for a container: non-root, read-only root filesystem, nothing extra. */
export const restrictedContainer: ISecurityContext = {
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  allowPrivilegeEscalation: false,
  capabilities: { drop: ["ALL"] },
  seccompProfile: { type: "RuntimeDefault" },
};
