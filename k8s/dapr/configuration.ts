import type { Construct } from "constructs";
import { configurationDoc } from "../../platform/dapr/configuration.js";
import type { RegionConfig } from "../../platform/regions.js";
import { type DeployedAppId, appsOf } from "../apps.js";
import { Configuration, type ConfigurationProps } from "../imports/dapr-configuration-dapr.io.js";
import { collector, collectorHost, daprConfigName, daprControlPlane } from "../names.js";

/**
 * One Configuration per app, because access control is enforced by the callee's sidecar against
 * the callee's Configuration: each lists exactly the apps allowed to call that app.
 */
export function addConfigurations(scope: Construct, region: RegionConfig): void {
  for (const app of appsOf(region)) addConfiguration(scope, region, app);
}

function addConfiguration(scope: Construct, region: RegionConfig, app: DeployedAppId): void {
  const { metadata, spec } = configurationDoc({
    name: daprConfigName(app),
    app,
    tracing: {
      samplingRate: region.tracing.samplingRate,
      endpointAddress: `${collectorHost(region.namespace)}:${collector.grpcPort}`,
      protocol: "grpc",
    },
    mtls: { sentryAddress: daprControlPlane.sentryAddress, controlPlaneTrustDomain: daprControlPlane.trustDomain },
    // No app reads secrets through Dapr; component secrets are resolved by the operator.
    secretStore: "kubernetes",
    accessControlNamespace: region.namespace,
    // Callers deployed in this region only: orders' saga calls and order-saga's commands exist where it runs.
    accessControlCallers: appsOf(region),
  });
  new Configuration(scope, metadata.name, { metadata, spec } as ConfigurationProps);
}
