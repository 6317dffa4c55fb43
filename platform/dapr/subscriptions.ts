import { type SubscriptionSpec, subscriptionResourceSpec } from "../topology.js";

/** A declarative Subscription (dapr.io/v2alpha1) of platform/topology.ts, scoped to its app. */
export function subscriptionDoc(sub: SubscriptionSpec) {
  return {
    apiVersion: "dapr.io/v2alpha1",
    kind: "Subscription",
    metadata: { name: sub.name },
    spec: subscriptionResourceSpec(sub),
    scopes: [sub.app],
  } as const;
}
export type SubscriptionDoc = ReturnType<typeof subscriptionDoc>;
