import type { EventRecord } from "../../services/shared/events/envelope.js";

/** One order's events as its writer stores them, for unit tests of what reads them. */
export const fixtureOrderId = "11111111-1111-4111-8111-111111111111";

export const placedFixture: EventRecord = {
  id: "00000000-0000-4000-8000-000000000001",
  type: "io.meridian.order.placed",
  schemaVersion: 1,
  subject: fixtureOrderId,
  aggregateVersion: 1,
  occurredAt: "2026-01-01T00:00:00.000Z",
  originRegion: "east",
  correlationId: "c",
  causationId: null,
  data: {
    orderId: fixtureOrderId,
    customerId: "c1",
    items: [{ sku: "a", quantity: 1, unitPrice: 1 }],
    total: 1,
    homeRegion: "east",
    requestHash: "a".repeat(64),
  },
};

export const confirmedFixture: EventRecord = {
  ...placedFixture,
  id: "00000000-0000-4000-8000-000000000002",
  type: "io.meridian.order.confirmed",
  aggregateVersion: 2,
  data: { orderId: fixtureOrderId },
};
