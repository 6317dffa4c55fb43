import type { Construct } from "constructs";
import { subscriptionDoc } from "../../platform/dapr/subscriptions.js";
import { replicationSubscription, subscriptions } from "../../platform/topology.js";
import { SubscriptionV2Alpha1 } from "../imports/dapr-subscription-dapr.io.js";

/**
 * Declarative subscriptions from platform/topology.ts, with the dead-letter topic it names, plus
 * the replicator's subscription to each peer's change topic through that peer's link.
 */
export function addSubscriptions(scope: Construct, peers: readonly string[]): void {
  for (const sub of [...subscriptions, ...peers.map(replicationSubscription)]) {
    const { metadata, spec, scopes } = subscriptionDoc(sub);
    new SubscriptionV2Alpha1(scope, sub.name, { metadata, spec, scopes: [...scopes] });
  }
}
