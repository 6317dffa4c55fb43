import type { Construct } from "constructs";
import type { PubsubProfileName } from "../../platform/dapr/pubsub.js";
import { subscriptionDoc } from "../../platform/dapr/subscriptions.js";
import { regionSubscriptions, replicationSubscription } from "../../platform/topology.js";
import { SubscriptionV2Alpha1 } from "../imports/dapr-subscription-dapr.io.js";

/**
 * Declarative subscriptions from platform/topology.ts (the workflow app's only where it runs),
 * each with the dead-letter topic it names, plus
 * the replicator's subscription to each peer's change topic through that peer's link.
 */
export function addSubscriptions(scope: Construct, peers: readonly string[], workflows: boolean, broker: PubsubProfileName): void {
  for (const sub of [...regionSubscriptions(workflows), ...peers.map(replicationSubscription)]) {
    const { metadata, spec, scopes } = subscriptionDoc(sub, broker);
    new SubscriptionV2Alpha1(scope, sub.name, { metadata, spec, scopes: [...scopes] });
  }
}
