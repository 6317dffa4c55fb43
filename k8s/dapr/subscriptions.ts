import type { Construct } from "constructs";
import { subscriptions } from "../../platform/topology.js";
import { SubscriptionV2Alpha1 } from "../imports/dapr-subscription-dapr.io.js";

/** Declarative subscriptions from platform/topology.ts, with the dead-letter topic it names. */
export function addSubscriptions(scope: Construct): void {
  for (const sub of subscriptions) {
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
