import type { Construct } from "constructs";
import { replicationSubscription, subscriptions } from "../../platform/topology.js";
import { SubscriptionV2Alpha1 } from "../imports/dapr-subscription-dapr.io.js";

/**
 * Declarative subscriptions from platform/topology.ts, with the dead-letter topic it names, plus
 * the replicator's subscription to each peer's change topic through that peer's link.
 */
export function addSubscriptions(scope: Construct, peers: readonly string[]): void {
  for (const sub of [...subscriptions, ...peers.map(replicationSubscription)]) {
    new SubscriptionV2Alpha1(scope, sub.name, {
      metadata: { name: sub.name },
      spec: {
        pubsubname: sub.pubsub,
        topic: sub.topic,
        routes: { default: sub.route },
        ...(sub.deadLetterTopic ? { deadLetterTopic: sub.deadLetterTopic } : {}),
      },
      scopes: [sub.app],
    });
  }
}
