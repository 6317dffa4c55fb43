import { describe, expect, it } from "vitest";
import { release, reserve } from "../../services/inventory/domain.js";
import { react } from "../../services/orders/domain.js";
import { authorize, refund } from "../../services/payments/domain.js";
import type { EventRecord } from "../../services/shared/events/envelope.js";
import type { StockLevel } from "../../services/shared/events/inventory-events.js";
import type { OrderPlaced } from "../../services/shared/events/order-events.js";
import type { OrderState } from "../../services/shared/orders/order-state.js";

const orderId = "11111111-1111-4111-8111-111111111111";
const order: OrderPlaced = {
  orderId,
  customerId: "c1",
  items: [
    { sku: "a", quantity: 2, unitPrice: 1 },
    { sku: "b", quantity: 1, unitPrice: 1 },
    { sku: "a", quantity: 1, unitPrice: 1 },
  ],
  total: 4,
  currency: "EUR",
  homeRegion: "east",
  requestHash: "a".repeat(64),
};
const levels = (a: number, b: number) =>
  new Map<string, StockLevel>([
    ["a", { sku: "a", available: a, reserved: 0 }],
    ["b", { sku: "b", available: b, reserved: 0 }],
  ]);

describe("inventory", () => {
  it("reserves every line at once, summing lines of the same SKU", () => {
    const d = reserve(order, undefined, levels(3, 1), "e1");
    expect(d).toMatchObject({
      kind: "write",
      reservation: {
        status: "reserved",
        lines: [
          { sku: "a", quantity: 3 },
          { sku: "b", quantity: 1 },
        ],
      },
    });
    if (d.kind === "write")
      expect(d.levels).toEqual([
        { sku: "a", available: 0, reserved: 3 },
        { sku: "b", available: 0, reserved: 1 },
      ]);
  });

  it("reserves nothing when one line lacks stock", () => {
    const d = reserve(order, undefined, levels(2, 1), "e1");
    expect(d).toMatchObject({ kind: "write", reservation: { status: "rejected", shortages: ["a"] }, levels: [] });
  });

  it("treats an unknown SKU as out of stock", () => {
    expect(reserve(order, undefined, new Map(), "e1")).toMatchObject({ reservation: { status: "rejected", shortages: ["a", "b"] } });
  });

  it("recognises a redelivery by event id, and any second order.placed as done", () => {
    const first = reserve(order, undefined, levels(3, 1), "e1");
    if (first.kind !== "write") throw new Error("expected write");
    expect(reserve(order, first.reservation, levels(0, 0), "e1")).toEqual({ kind: "duplicate" });
    expect(reserve(order, first.reservation, levels(0, 0), "e9")).toEqual({ kind: "noop" });
  });

  it("releases reserved stock once, and leaves a tombstone when the cancel comes first", () => {
    const first = reserve(order, undefined, levels(3, 1), "e1");
    if (first.kind !== "write") throw new Error("expected write");
    const after = new Map(first.levels.map((l) => [l.sku, l]));
    const released = release(orderId, first.reservation, after, "e2");
    expect(released).toMatchObject({ kind: "write", reservation: { status: "released" } });
    if (released.kind === "write") {
      expect(released.levels).toEqual([
        { sku: "a", available: 3, reserved: 0 },
        { sku: "b", available: 1, reserved: 0 },
      ]);
      expect(release(orderId, released.reservation, after, "e3")).toEqual({ kind: "noop" });
    }
    const tombstone = release(orderId, undefined, new Map(), "e4");
    expect(tombstone).toMatchObject({ kind: "write", reservation: { status: "voided" }, levels: [] });
    if (tombstone.kind === "write") expect(reserve(order, tombstone.reservation, levels(9, 9), "e1")).toEqual({ kind: "noop" });
  });
});

describe("payments", () => {
  it("authorises up to the limit and declines above it", () => {
    expect(authorize(orderId, 5000, undefined, 5000, "e1")).toMatchObject({ payment: { status: "authorized" } });
    expect(authorize(orderId, 5000.01, undefined, 5000, "e1")).toMatchObject({ payment: { status: "declined" } });
  });

  it("never charges twice or after a cancel", () => {
    const first = authorize(orderId, 10, undefined, 5000, "e1");
    if (first.kind !== "write") throw new Error("expected write");
    expect(authorize(orderId, 10, first.payment, 5000, "e1")).toEqual({ kind: "duplicate" });
    const voided = refund(orderId, undefined, "c1");
    if (voided.kind !== "write") throw new Error("expected write");
    expect(voided.payment.status).toBe("voided");
    expect(authorize(orderId, 10, voided.payment, 5000, "e1")).toEqual({ kind: "noop" });
  });

  it("refunds an authorised payment once", () => {
    const first = authorize(orderId, 10, undefined, 5000, "e1");
    if (first.kind !== "write") throw new Error("expected write");
    const refunded = refund(orderId, first.payment, "c1");
    expect(refunded).toMatchObject({ kind: "write", payment: { status: "refunded", amount: 10 } });
    if (refunded.kind === "write") expect(refund(orderId, refunded.payment, "c2")).toEqual({ kind: "noop" });
  });
});

describe("orders react to the saga", () => {
  const pending = { orderId, status: "pending", version: 1 } as OrderState;
  const ctx = {
    region: "east",
    now: new Date(),
    newId: () => "00000000-0000-4000-8000-000000000009",
    correlationId: orderId,
    causationId: "x",
  };
  const incoming = (type: string, data: unknown = {}) => ({ type, data, subject: orderId }) as EventRecord;

  const reactTo = (state: OrderState, event: EventRecord, history: readonly EventRecord[] = []) =>
    react(orderId, history, state, { ...event, id: "00000000-0000-4000-8000-00000000000a" }, ctx);
  const written = (decision: ReturnType<typeof react>) => (decision.kind === "write" ? decision.event : decision);

  it("confirms on authorisation, rejects on missing stock, cancels on decline", () => {
    expect(written(reactTo(pending, incoming("io.meridian.payment.authorized")))).toMatchObject({
      type: "io.meridian.order.confirmed",
      aggregateVersion: 2,
    });
    expect(written(reactTo(pending, incoming("io.meridian.stock.rejected", { shortages: ["a"] })))).toMatchObject({
      type: "io.meridian.order.rejected",
      data: { skus: ["a"] },
    });
    expect(written(reactTo(pending, incoming("io.meridian.payment.declined")))).toMatchObject({
      type: "io.meridian.order.cancelled",
      data: { reason: "payment-declined" },
    });
  });

  it("ignores saga events once the order has moved on", () => {
    expect(reactTo({ ...pending, status: "cancelled" }, incoming("io.meridian.payment.authorized"))).toEqual({ kind: "noop" });
    expect(reactTo(pending, incoming("io.meridian.stock.reserved"))).toEqual({ kind: "noop" });
  });

  it("recognises a redelivered event by the causation it left in the stream", () => {
    const caused = { causationId: "00000000-0000-4000-8000-00000000000a" } as EventRecord;
    expect(reactTo(pending, incoming("io.meridian.payment.authorized"), [caused])).toEqual({ kind: "duplicate" });
  });

  it("refuses a reaction for an order that does not exist", () => {
    expect(() => react(orderId, [], undefined, incoming("io.meridian.payment.authorized"), ctx)).toThrow(/unknown order/);
  });
});
