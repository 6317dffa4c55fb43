import { describe, expect, it } from "vitest";
import { decide } from "../../services/order-view/projection.js";
import type { EventRecord } from "../../services/shared/events/envelope.js";
import { fold } from "../../services/shared/orders/order-state.js";

const placed: EventRecord = {
  id: "00000000-0000-4000-8000-000000000001",
  type: "io.meridian.order.placed",
  schemaVersion: 1,
  subject: "11111111-1111-4111-8111-111111111111",
  aggregateVersion: 1,
  occurredAt: "2026-01-01T00:00:00.000Z",
  originRegion: "east",
  correlationId: "c",
  causationId: null,
  data: {
    orderId: "11111111-1111-4111-8111-111111111111",
    customerId: "c1",
    items: [{ sku: "a", quantity: 1, unitPrice: 1 }],
    total: 1,
    homeRegion: "east",
    requestHash: "a".repeat(64),
  },
};

describe("order-view projection", () => {
  it("applies the next version", () => {
    expect(decide(undefined, placed)).toMatchObject({ kind: "apply", next: { version: 1, status: "pending" } });
  });

  it("ignores a redelivered event", () => {
    expect(decide(fold([placed]), placed)).toEqual({ kind: "duplicate" });
  });

  it("detects an event that overtook an earlier one", () => {
    expect(decide(undefined, { ...placed, aggregateVersion: 3 })).toEqual({ kind: "gap", have: 0, got: 3 });
  });
});
