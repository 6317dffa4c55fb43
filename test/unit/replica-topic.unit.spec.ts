import { describe, expect, it } from "vitest";
import { topicScopes } from "../../platform/access.js";
import { apps, components, regionSubscriptions, replicaTopicOf, topics } from "../../platform/topology.js";
import { CommitPublisher } from "../../services/shared/dapr/commit-publisher.js";
import type { Sidecar } from "../../services/shared/dapr/sidecar.js";
import { confirmedFixture, placedFixture } from "../support/order-fixtures.js";

const ordersReplicas = replicaTopicOf(topics.orders);

/** A sidecar that only records where it was asked to publish (unit test: no Dapr here). */
function recordingSidecar(): { sidecar: Sidecar; topics: string[] } {
  const published: string[] = [];
  const sidecar = {
    publish: (_pubsub: string, topic: string) => {
      published.push(topic);
      return Promise.resolve();
    },
  } as unknown as Sidecar;
  return { sidecar, topics: published };
}

describe("replicas on a topic of their own", () => {
  it("are read only by those who keep every region's orders: the read model and the lake", () => {
    const readers = regionSubscriptions(true)
      .filter((s) => s.topic === ordersReplicas)
      .map((s) => s.app);
    expect(readers.sort()).toEqual([apps.orderView, apps.replicator].sort());
  });

  it("may be published by the orders writer alone", () => {
    const publishing = topicScopes(components.pubsub)
      .find((m) => m.name === "publishingScopes")!
      .value.split(";");
    const holders = publishing.filter((entry) => entry.split("=")[1]!.split(",").includes(ordersReplicas));
    expect(holders.map((e) => e.split("=")[0])).toEqual([apps.orders]);
  });

  it("carry another region's events, whether published on commit or forwarded from the outbox relay", async () => {
    const { sidecar, topics: sent } = recordingSidecar();
    const inWest = new CommitPublisher(sidecar, components.ordersStore, "west", "orders/west", true);
    await inWest.committed([placedFixture]); // decided in east: a replica here
    await inWest.relayed({ ...confirmedFixture, id: "00000000-0000-4000-8000-000000000009" });
    await inWest.committed([{ ...placedFixture, id: "00000000-0000-4000-8000-000000000003", originRegion: "west" }]);
    expect(sent).toEqual([ordersReplicas, ordersReplicas, topics.orders]);
  });

  it("leaves regional topics alone: stock and payments have no replicas", () => {
    const { sidecar } = recordingSidecar();
    const inventory = new CommitPublisher(sidecar, components.inventoryStore, "west", "inventory/west", true);
    expect(inventory.topicOf(placedFixture)).toBe(topics.inventory);
  });
});
