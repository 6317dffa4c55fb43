/**
 * A short run of the system that gives every dashboard panel something to show: orders that
 * confirm, one rejected for stock, one declined by payment, one cancelled by the user, a
 * duplicate delivery, a malformed event (dead-lettered at once) and an event whose handler
 * keeps failing (retried, then dead-lettered).
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { expect } from "vitest";
import { apps, components, stores, topics } from "../../platform/topology.js";
import type { RegionHandle, SystemHandle } from "../../scripts/local/system.js";
import { assertPublishable, createEvent } from "../../services/shared/events/contracts.js";
import { inventoryEventTypes } from "../../services/shared/events/inventory-events.js";
import { orderEventTypes } from "../../services/shared/events/order-events.js";
import { adminCall, call } from "../support/http.js";
import { ordersApi } from "../support/orders-api.js";
import { eventually } from "../support/system.js";

const finalStatuses = ["confirmed", "rejected", "cancelled"];

/** Publishes through the sidecar of the topic's owner: topic scopes let no other app publish it. */
async function publishThroughSidecar(region: RegionHandle, topic: string, body: unknown): Promise<void> {
  const sidecar = region.apps[stores.find((s) => s.outboxTopic === topic)?.owner ?? apps.orders];
  const res = await call(`http://127.0.0.1:${sidecar.daprHttpPort}/v1.0/publish/${components.pubsub}/${topic}`, {
    method: "POST",
    headers: { "content-type": "application/json", "dapr-api-token": sidecar.daprApiToken },
    body: JSON.stringify(body),
  });
  expect(res.status, JSON.stringify(res.body)).toBe(204);
}

/** Delivers the first message of a topic a second time, exactly as the broker holds it. */
async function redeliverFirst(region: RegionHandle, topic: string): Promise<void> {
  const redis = new Redis(region.redis.port, "127.0.0.1", { password: region.redis.password, lazyConnect: true });
  await redis.connect();
  try {
    const [first] = await redis.xrange(topic, "-", "+", "COUNT", 1);
    expect(first, `no message on ${topic}`).toBeDefined();
    await redis.xadd(topic, "*", ...first![1]);
  } finally {
    redis.disconnect();
  }
}

async function failingHandlerEvent(region: RegionHandle): Promise<void> {
  // stock.rejected for an order this region never placed: orders fails it on every attempt.
  const orderId = randomUUID();
  const event = createEvent(
    inventoryEventTypes.rejected,
    orderId,
    1,
    {
      orderId,
      customerId: "ghost",
      total: 1,
      status: "rejected",
      lines: [{ sku: "ghost", quantity: 1 }],
      shortages: ["ghost"],
      processed: [],
    },
    { region: region.name, now: new Date(), newId: randomUUID, correlationId: orderId, causationId: null },
  );
  assertPublishable(event);
  await publishThroughSidecar(region, topics.inventory, event);
}

export async function driveScenario(system: SystemHandle, home: string, other: string): Promise<void> {
  const region = system.region(home);
  const api = ordersApi(region);
  const sku = `obs-${randomUUID().slice(0, 8)}`;
  const scarce = `${sku}-scarce`;
  await api.setStock(sku, 20);
  await api.setStock(scarce, 1);

  const confirmed = await Promise.all([1, 2, 3].map((i) => api.place(`obs-${i}`, [{ sku, quantity: 1, unitPrice: 10 }])));
  const rejected = await api.place("obs-short", [{ sku: scarce, quantity: 2, unitPrice: 10 }]);
  // Above the simulated provider's limit (5000): payment declined, order cancelled, stock released.
  const declined = await api.place("obs-rich", [{ sku, quantity: 1, unitPrice: 6000 }]);
  expect((await Promise.all(confirmed.map((id) => api.settled(id, finalStatuses)))).map((o) => o.status)).toEqual([
    "confirmed",
    "confirmed",
    "confirmed",
  ]);
  expect((await api.settled(rejected, finalStatuses)).status).toBe("rejected");
  expect((await api.settled(declined, finalStatuses)).status).toBe("cancelled");

  const cancelled = await api.cancel(confirmed[0]!);
  expect(cancelled.status).toBe(202);
  await api.settled(confirmed[0]!, ["cancelled"]);

  await redeliverFirst(region, topics.orders);
  await publishThroughSidecar(region, topics.orders, {
    id: randomUUID(),
    type: orderEventTypes.placed,
    schemaVersion: 1,
    data: { nonsense: true },
  });
  await failingHandlerEvent(region);
  const faults = async () => ((await adminCall(region, "/admin/dead-letters")).body as { faults?: { kind: string }[] }).faults ?? [];
  // A handler fault comes after the sidecar's exponential retries (up to 48 s, deliveryRetry).
  await eventually(faults, (f) => f.some((x) => x.kind === "contract") && f.some((x) => x.kind === "handler"), 90_000, 250);

  // The other region serves traffic too, so the region variable lists both.
  const elsewhere = ordersApi(system.region(other));
  await elsewhere.settled(await elsewhere.place("obs-other", [{ sku, quantity: 1, unitPrice: 10 }]), finalStatuses);
}
