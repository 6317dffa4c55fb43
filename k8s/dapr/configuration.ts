import type { Construct } from "constructs";
import type { RegionConfig } from "../../platform/regions.js";
import { type AppId, allApps } from "../../platform/topology.js";
import { accessControlOf, allowedApis } from "../../platform/access.js";
import { Configuration } from "../imports/dapr-configuration-dapr.io.js";
import { collector, collectorHost, daprConfigName, daprControlPlane } from "../names.js";

/**
 * One Configuration per app, because access control is enforced by the callee's sidecar against
 * the callee's Configuration: each lists exactly the apps allowed to call that app.
 */
export function addConfigurations(scope: Construct, region: RegionConfig): void {
  for (const app of allApps) addConfiguration(scope, region, app);
}

function addConfiguration(scope: Construct, region: RegionConfig, app: AppId): void {
  const name = daprConfigName(app);
  new Configuration(scope, name, {
    metadata: { name },
    spec: {
      tracing: {
        samplingRate: region.tracing.samplingRate,
        otel: { endpointAddress: `${collectorHost(region.namespace)}:${collector.grpcPort}`, protocol: "grpc", isSecure: false },
      },
      // Path-level HTTP metrics would label by order id: unbounded cardinality (as locally).
      metric: { enabled: true, http: { increasedCardinality: false } },
      mtls: { enabled: true, sentryAddress: daprControlPlane.sentryAddress, controlPlaneTrustDomain: daprControlPlane.trustDomain },
      api: { allowed: [...allowedApis] },
      // No app reads secrets through Dapr; component secrets are resolved by the operator.
      secrets: { scopes: [{ storeName: "kubernetes", defaultAccess: "deny" }] },
      accessControl: accessControlOf(app, region.namespace),
    },
  });
}
