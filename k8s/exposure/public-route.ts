import { ApiObject } from "cdk8s";
import type { Construct } from "constructs";
import { Ingress } from "kubernetes-models/networking.k8s.io/v1/Ingress";
import type { RegionConfig } from "../../platform/regions.js";
import { apps, gatewayPublicPaths } from "../../platform/topology.js";
import { addModel } from "../kobj.js";
import { appLabels } from "../names.js";

/** The gateway Service's port the route targets (workloads/dapr-app.ts): its public HTTP port only. */
const gatewayServicePort = { name: "http", number: 80 } as const;

/**
 * Routes the region's public API from outside the cluster to the gateway Service: only the public
 * path prefixes, only its public port. Admin, metrics and probe paths are not routed, so they stay
 * reachable from inside the cluster alone.
 */
export function addPublicRoute(scope: Construct, region: RegionConfig): void {
  const exposure = region.exposure;
  const metadata = { name: apps.gateway, labels: appLabels(apps.gateway) };
  if (exposure.kind === "ingress") {
    addModel(
      scope,
      "ingress",
      new Ingress({
        metadata,
        spec: {
          ingressClassName: exposure.className,
          ...(exposure.tlsSecret ? { tls: [{ hosts: [exposure.host], secretName: exposure.tlsSecret }] } : {}),
          rules: [
            {
              host: exposure.host,
              http: {
                paths: gatewayPublicPaths.map((path) => ({
                  path,
                  // Prefix matches whole path segments: /orders and /orders/…, never /ordersx.
                  pathType: "Prefix",
                  backend: { service: { name: apps.gateway, port: { number: gatewayServicePort.number } } },
                })),
              },
            },
          ],
        },
      }),
    );
    return;
  }
  // Gateway API types are not in kubernetes-models; the tests validate this object against the
  // HTTPRoute CRD schema instead.
  new ApiObject(scope, "httproute", {
    apiVersion: "gateway.networking.k8s.io/v1",
    kind: "HTTPRoute",
    metadata,
    spec: {
      parentRefs: [
        {
          group: "gateway.networking.k8s.io",
          kind: "Gateway",
          name: exposure.gateway.name,
          namespace: exposure.gateway.namespace,
          ...(exposure.gateway.sectionName ? { sectionName: exposure.gateway.sectionName } : {}),
        },
      ],
      hostnames: [exposure.host],
      rules: [
        {
          matches: gatewayPublicPaths.map((value) => ({ path: { type: "PathPrefix", value } })),
          backendRefs: [{ name: apps.gateway, port: gatewayServicePort.number }],
        },
      ],
    },
  });
}
