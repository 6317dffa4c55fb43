/**
 * The Configuration of one app's sidecar: allowed APIs, access control (who may invoke it),
 * secret scopes, metrics and tracing. Locally each region also resolves names in its own SQLite
 * file; in a cluster, DNS does that and the Sentry address comes from the control plane.
 */
import { accessControlOf, allowedApis } from "../access.js";
import { type AppId, type WorkflowAppId, isWorkflowApp, orderSaga } from "../topology.js";

export interface ConfigurationOptions {
  /** The Configuration's name. */
  readonly name: string;
  readonly app: AppId | WorkflowAppId;
  /** The namespace of the callers' identities (access control); none disables access control. */
  readonly accessControlNamespace?: string;
  /** The apps deployed beside this one: policies name only those callers (default: every caller in the topology). */
  readonly accessControlCallers?: readonly string[];
  /** The secret store the components use: no app may read it through the secrets API. */
  readonly secretStore?: string;
  /** A SQLite file for name resolution (local regions on one machine). */
  readonly nameResolutionDb?: string;
  readonly tracing?: { readonly samplingRate: string; readonly endpointAddress: string; readonly protocol: "http" | "grpc" };
  readonly mtls?: { readonly sentryAddress: string; readonly controlPlaneTrustDomain: string };
}

/** The lock API's routes as `dapr_http_server_request_count` labels them (`path`). */
export const lockApiPaths = ["/v1.0-alpha1/lock/{store}", "/v1.0-alpha1/unlock/{store}"] as const;

export function configurationDoc(o: ConfigurationOptions) {
  return {
    apiVersion: "dapr.io/v1alpha1",
    kind: "Configuration",
    metadata: { name: o.name },
    spec: {
      // Each local region resolves app-ids in its own SQLite file, so east's "orders" never
      // answers west's calls; in Kubernetes each cluster's DNS does this.
      ...(o.nameResolutionDb
        ? { nameResolution: { component: "sqlite", version: "v1", configuration: { connectionString: o.nameResolutionDb } } }
        : {}),
      ...(o.tracing
        ? {
            tracing: {
              samplingRate: o.tracing.samplingRate,
              otel: { endpointAddress: o.tracing.endpointAddress, protocol: o.tracing.protocol, isSecure: false },
            },
          }
        : {}),
      // Path-level HTTP metrics would label by order id: unbounded cardinality. The lock API
      // alone is matched to a fixed pattern (every other path stays unlabelled): Dapr counts
      // state, pub/sub and invocations per component, but lock calls only here.
      metric: { enabled: true, http: { increasedCardinality: false, pathMatching: [...lockApiPaths] } },
      ...(o.mtls ? { mtls: { enabled: true, ...o.mtls } } : {}),
      // Backpressure on the workflow engine: the saga's commands wait in its durable queue, not in the services (topology's orderSaga).
      ...(isWorkflowApp(o.app)
        ? {
            workflow: {
              maxConcurrentActivityInvocations: orderSaga.concurrency.activities,
              maxConcurrentWorkflowInvocations: orderSaga.concurrency.workflows,
            },
          }
        : {}),
      api: { allowed: [...allowedApis] },
      ...(o.secretStore ? { secrets: { scopes: [{ storeName: o.secretStore, defaultAccess: "deny" }] } } : {}),
      // Enforced by this app's sidecar against each caller's mTLS identity.
      ...(o.accessControlNamespace ? { accessControl: accessControlOf(o.app, o.accessControlNamespace, o.accessControlCallers) } : {}),
    },
  };
}
export type ConfigurationDoc = ReturnType<typeof configurationDoc>;
