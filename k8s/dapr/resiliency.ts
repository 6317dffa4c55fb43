import type { Construct } from "constructs";
import { allApps, componentScopes, workflowComponentScopes } from "../../platform/topology.js";
import { type ResiliencyDoc, resiliency, workflowResiliency } from "../../platform/dapr/resiliency.js";
import { Resiliency, type ResiliencySpecTargetsComponents } from "../imports/dapr-resiliency-dapr.io.js";

/** Brokers and stores sit across a network in a cluster: each call is bounded, retried, and a dead one trips a breaker. */
const outbound: ResiliencySpecTargetsComponents["outbound"] = { timeout: "component", retry: "component", circuitBreaker: "component" };
const outboundPolicies = {
  timeouts: { component: "5s" },
  retries: { component: { policy: "exponential", maxInterval: "5s", maxRetries: 5 } },
  circuitBreakers: {
    // Half-open after 30 s with one probe; ten failures in a row trip it.
    component: { maxRequests: 1, interval: "0s", timeout: "30s", trip: "consecutiveFailures >= 10" },
  },
} as const;

/** A local policy with the outbound component policies added for `outboundTo`. */
function addWithOutbound(scope: Construct, id: string, doc: ResiliencyDoc, outboundTo: readonly string[]): void {
  const { metadata, scopes, spec } = doc;
  const components: Record<string, ResiliencySpecTargetsComponents> = { ...spec.targets.components };
  for (const name of outboundTo) components[name] = { ...components[name], outbound };
  new Resiliency(scope, id, {
    metadata,
    ...(scopes ? { scopes: [...scopes] } : {}),
    spec: {
      policies: {
        timeouts: { ...spec.policies.timeouts, ...outboundPolicies.timeouts },
        retries: { ...spec.policies.retries, ...outboundPolicies.retries },
        circuitBreakers: outboundPolicies.circuitBreakers,
      },
      targets: { ...spec.targets, components },
    },
  });
}

/**
 * The same policies and targets as the local runner (platform/dapr/resiliency.ts), so delivery
 * retries and dead-lettering behave alike everywhere; a cluster adds outbound policies for
 * brokers and stores that sit across a network, and for the peer links, where a dead peer should
 * trip a breaker rather than stall the replicator. Where the workflow app runs, it has a policy of
 * its own (its activities retry; its sidecar must not), and the services' one is scoped away from it.
 */
export function addResiliency(scope: Construct, peerLinks: readonly string[], workflows: boolean): void {
  addWithOutbound(scope, "resiliency", resiliency(workflows ? allApps : undefined), [...Object.keys(componentScopes), ...peerLinks]);
  if (workflows) addWithOutbound(scope, "workflow-resiliency", workflowResiliency(), Object.keys(workflowComponentScopes));
}
