import { describe, expect, it } from "vitest";
import { subscriptionDoc } from "../../platform/dapr/subscriptions.js";
import { apps, gatheredDelivery, regionSubscriptions, relayTopicOf, topics } from "../../platform/topology.js";

const find = (app: string, topic: string) => {
  const sub = regionSubscriptions(false).find((s) => s.app === app && s.topic === topic);
  if (!sub) throw new Error(`no subscription of ${app} to ${topic}`);
  return sub;
};

describe("delivery pace", () => {
  it("delivers the saga's hops and the read model one event at a time as they arrive: no bulk ticker waking an idle sidecar", () => {
    for (const [app, topic] of [
      [apps.inventory, topics.orders],
      [apps.payments, topics.inventory],
      [apps.orders, topics.payments],
      [apps.orderView, topics.orders],
    ] as const)
      for (const broker of ["redis", "rabbitmq", "jetstream"] as const)
        expect(subscriptionDoc(find(app, topic), broker).spec).not.toHaveProperty("bulkSubscribe");
  });

  it("gathers what nobody waits on (the outbox relay, the lake) where the broker hands out many messages at once", () => {
    for (const [app, topic] of [
      [apps.orders, relayTopicOf(topics.orders)],
      [apps.replicator, topics.inventory],
      [apps.replicator, topics.replicationAcks],
    ] as const) {
      expect(subscriptionDoc(find(app, topic), "redis").spec.bulkSubscribe).toEqual({ enabled: true, ...gatheredDelivery });
      expect(subscriptionDoc(find(app, topic), "rabbitmq").spec.bulkSubscribe).toEqual({ enabled: true, ...gatheredDelivery });
      // JetStream delivers one message at a time here: a gathered batch would hold each for the whole pace.
      expect(subscriptionDoc(find(app, topic), "jetstream").spec).not.toHaveProperty("bulkSubscribe");
    }
  });
});
