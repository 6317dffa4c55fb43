import { describe, expect, it } from "vitest";
import { ContractError, assertPublishable, checkEvent, createEvent } from "../../services/shared/events/contracts.js";
import type { EventRecord } from "../../services/shared/events/envelope.js";

const orderId = "11111111-1111-4111-8111-111111111111";
const v1Placed: EventRecord = {
  id: "00000000-0000-4000-8000-000000000001",
  type: "io.meridian.order.placed",
  schemaVersion: 1,
  subject: orderId,
  aggregateVersion: 1,
  occurredAt: "2025-01-01T00:00:00.000Z",
  originRegion: "east",
  correlationId: orderId,
  causationId: null,
  data: {
    orderId,
    customerId: "c1",
    items: [{ sku: "a", quantity: 1, unitPrice: 2 }],
    total: 2,
    homeRegion: "east",
    requestHash: "a".repeat(64),
  },
};

describe("event contracts", () => {
  it("upcasts a stored v1 order.placed to v2, adding the currency v1 orders were placed in", () => {
    const read = checkEvent(v1Placed);
    expect(read.schemaVersion).toBe(2);
    expect(read.data).toEqual({ ...(v1Placed.data as object), currency: "EUR" });
  });

  it("reads an event stored under the type name it had before the prefix as today's type", () => {
    const stored = { ...v1Placed, type: "order.placed" };
    expect(checkEvent(stored)).toMatchObject({ type: "io.meridian.order.placed", schemaVersion: 2 });
    expect(stored.type).toBe("order.placed");
  });

  it("reads a stored v1 order.cancelled as v2, and keeps v1 to the reasons it knew", () => {
    const cancelled = { ...v1Placed, type: "io.meridian.order.cancelled", aggregateVersion: 2, data: { orderId, reason: "user" } };
    expect(checkEvent(cancelled)).toMatchObject({ schemaVersion: 2, data: { orderId, reason: "user" } });
    expect(() => checkEvent({ ...cancelled, data: { orderId, reason: "payment-timeout" } })).toThrow(
      /order.cancelled v1 data invalid: .*reason/,
    );
    expect(checkEvent({ ...cancelled, schemaVersion: 2, data: { orderId, reason: "payment-timeout" } }).data).toMatchObject({
      reason: "payment-timeout",
    });
  });

  it("rejects data that breaks its schema, naming the field", () => {
    expect(() => checkEvent({ ...v1Placed, data: { ...(v1Placed.data as object), total: -1 } })).toThrow(
      /order\.placed v1 data invalid: total/,
    );
  });

  it("rejects unknown versions and types", () => {
    expect(() => checkEvent({ ...v1Placed, schemaVersion: 9 })).toThrow(ContractError);
    expect(() => checkEvent({ ...v1Placed, type: "order.teleported" })).toThrow(/no contract for event type io.meridian.order.teleported/);
    expect(() => checkEvent({ hello: "world" })).toThrow(/event envelope invalid/);
  });

  it("lets producers write only the newest version", () => {
    expect(() => assertPublishable(v1Placed)).toThrow(/must be written as v2/);
    const ctx = {
      region: "east",
      now: new Date(),
      newId: () => "00000000-0000-4000-8000-000000000002",
      correlationId: "c",
      causationId: null,
    };
    expect(() => assertPublishable(createEvent("io.meridian.order.confirmed", orderId, 2, { orderId }, ctx))).not.toThrow();
    expect(() => assertPublishable(createEvent("io.meridian.order.confirmed", orderId, 2, { orderId: "nope" }, ctx))).toThrow(
      ContractError,
    );
  });
});
