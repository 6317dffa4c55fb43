import { type SubscriptionSpec, subscriptionResourceSpec } from "../topology.js";
import type { PubsubProfileName } from "./pubsub.js";

/**
 * Whether a broker profile's component hands a subscription several messages at once. Dapr's
 * bulk subscriber (for every component but Kafka's) holds each message's delivery until its batch
 * is flushed, so a component that delivers one message at a time (JetStream here: `concurrency:
 * single`, see jetstreamPubsub) gets batches of one, each held for the whole pace: a gathered
 * subscription would move two messages a second. Such a profile delivers every subscription
 * promptly, one event per request.
 */
const deliversManyAtOnce: Readonly<Record<PubsubProfileName, boolean>> = {
  redis: true,
  jetstream: false,
  rabbitmq: true,
  kafka: true,
};

/** A declarative Subscription (dapr.io/v2alpha1) of platform/topology.ts, scoped to its app, on a region's broker profile. */
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
