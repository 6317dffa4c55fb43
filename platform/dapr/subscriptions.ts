import { type SubscriptionSpec, subscriptionResourceSpec } from "../topology.js";
import { type PubsubProfileName, deliversManyAtOnce } from "./pubsub.js";

/**
 * A declarative Subscription (dapr.io/v2alpha1) of platform/topology.ts, scoped to its app, on a
 * region's broker profile: a gathered subscription is delivered promptly where the profile's
 * component hands over one message at a time (deliversManyAtOnce).
 */
export function subscriptionDoc(sub: SubscriptionSpec, broker: PubsubProfileName) {
  const paced: SubscriptionSpec = sub.pace === "gathered" && !deliversManyAtOnce[broker] ? { ...sub, pace: "prompt" } : sub;
  return {
    apiVersion: "dapr.io/v2alpha1",
    kind: "Subscription",
    metadata: { name: sub.name },
    spec: subscriptionResourceSpec(paced),
    scopes: [sub.app],
  } as const;
}
export type SubscriptionDoc = ReturnType<typeof subscriptionDoc>;
