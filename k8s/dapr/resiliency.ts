import type { Construct } from "constructs";
import { componentScopes } from "../../platform/topology.js";
import { resiliency } from "../../platform/dapr/resiliency.js";
import { Resiliency, type ResiliencySpecTargetsComponents } from "../imports/dapr-resiliency-dapr.io.js";

/**
 * The same policies and targets as the local runner (platform/dapr/resiliency.ts), so delivery
 * retries and dead-lettering behave alike everywhere; a cluster adds outbound policies for
 * brokers and stores that sit across a network, and for the peer links, where a dead peer should
 * trip a breaker rather than stall the replicator.
 */
export function addResiliency(scope: Construct, peerLinks: readonly string[]): void {
  const { metadata, spec } = resiliency();
  const outbound: ResiliencySpecTargetsComponents["outbound"] = { timeout: "component", retry: "component", circuitBreaker: "component" };
  const components: Record<string, ResiliencySpecTargetsComponents> = { ...spec.targets.components };
  for (const name of [...Object.keys(componentScopes), ...peerLinks]) components[name] = { ...components[name], outbound };
  new Resiliency(scope, "resiliency", {
    metadata,
    spec: {
      policies: {
        timeouts: { ...spec.policies.timeouts, component: "5s" },
        retries: { ...spec.policies.retries, component: { policy: "exponential", maxInterval: "5s", maxRetries: 5 } },
        circuitBreakers: {
          // Half-open after 30 s with one probe; ten failures in a row trip it.
          component: { maxRequests: 1, interval: "0s", timeout: "30s", trip: "consecutiveFailures >= 10" },
        },
      },
      targets: { ...spec.targets, components },
    },
  });
}
