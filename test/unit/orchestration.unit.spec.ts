import { describe, expect, it } from "vitest";
import { defaultRegionConfigs, regionsSchema } from "../../platform/regions.js";
import { place, timeOut } from "../../services/orders/domain.js";
import { checkEvent, createEvent } from "../../services/shared/events/contracts.js";
import type { EventContext, EventRecord } from "../../services/shared/events/envelope.js";
import { orderEventTypes } from "../../services/shared/events/order-events.js";
import { fold } from "../../services/shared/orders/order-state.js";
import { choreographed } from "../../services/shared/saga/style.js";

const ctx: EventContext = {
  region: "east",
  now: new Date("2026-01-02T03:04:05.000Z"),
  newId: () => "00000000-0000-4000-8000-000000000002",
  correlationId: "corr-1",
  causationId: null,
};
const orderId = "11111111-1111-4111-8111-111111111111";
const placed = (() => {
  const d = place(
    undefined,
    { orderId, customerId: "c1", items: [{ sku: "a", quantity: 1, unitPrice: 1 }], requestHash: "f".repeat(64), currency: "EUR" },
    new Map([["a", 1]]),
    ctx,
  );
  if (d.kind !== "created") throw new Error("expected a new order");
  return d.event;
})();

describe("the orchestrated saga's deadline (orders' timeOut)", () => {
  it("cancels a pending order with reason payment-timeout, as a valid order.cancelled", () => {
    const event = timeOut(orderId, fold([placed]), ctx)!;
    expect(event).toMatchObject({ type: orderEventTypes.cancelled, aggregateVersion: 2, data: { orderId, reason: "payment-timeout" } });
    expect(() => checkEvent(event)).not.toThrow();
  });

  it("does nothing once the order is past pending (the payment answered, or the user cancelled)", () => {
    const confirmed = createEvent(orderEventTypes.confirmed, orderId, 2, { orderId }, ctx);
    expect(timeOut(orderId, fold([placed, confirmed]), ctx)).toBeUndefined();
    const cancelled = createEvent(orderEventTypes.cancelled, orderId, 2, { orderId, reason: "user" }, ctx);
    expect(timeOut(orderId, fold([placed, cancelled]), ctx)).toBeUndefined();
  });

  it("refuses an order that does not exist", () => {
    expect(() => timeOut(orderId, undefined, ctx)).toThrow(/does not exist/);
  });
});

describe("saga reactions by subscription, per region style", () => {
  const react = (_e: EventRecord) => Promise.resolve("applied" as const);
  it("are kept in a choreographed region", async () => {
    expect(await choreographed("choreography", react)(placed)).toBe("applied");
  });
  it("leave the event alone in an orchestrated region (the workflow calls the same reaction)", async () => {
    expect(await choreographed("orchestration", react)(placed)).toBe("ignored");
  });
});

describe("region config: saga", () => {
  it("defaults to choreography", () => {
    expect(regionsSchema.parse(defaultRegionConfigs()).map((r) => r.saga)).toEqual(["choreography", "choreography"]);
  });
  it("takes orchestration per region, now that the manifests deploy the workflow app (test/k8s/orchestration)", () => {
    const [east, west] = defaultRegionConfigs();
    const parsed = regionsSchema.parse([{ ...east, saga: "orchestration" }, west]);
    expect(parsed.map((r) => r.saga)).toEqual(["orchestration", "choreography"]);
  });
});
