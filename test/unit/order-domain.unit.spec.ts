import { describe, expect, it } from "vitest";
import { checkEvent } from "../../services/shared/events/contracts.js";
import { place } from "../../services/orders/domain.js";
import type { EventContext } from "../../services/shared/events/envelope.js";
import { fold } from "../../services/shared/orders/order-state.js";

const ctx: EventContext = {
  region: "east",
  now: new Date("2026-01-02T03:04:05.000Z"),
  newId: () => "00000000-0000-4000-8000-000000000001",
  correlationId: "corr-1",
  causationId: null,
};
const cmd = {
  orderId: "11111111-1111-4111-8111-111111111111",
  customerId: "c1",
  items: [
    { sku: "a", quantity: 3, unitPrice: 0.1 },
    { sku: "b", quantity: 1, unitPrice: 0.2 },
  ],
  requestHash: "f".repeat(64),
  currency: "EUR",
};

describe("placing an order", () => {
  it("records order.placed as version 1 with a total exact to the cent", () => {
    const decision = place(undefined, cmd, ctx);
    expect(decision.kind).toBe("created");
    if (decision.kind !== "created") return;
    expect(decision.event).toMatchObject({
      type: "io.meridian.order.placed",
      schemaVersion: 2,
      subject: cmd.orderId,
      aggregateVersion: 1,
      originRegion: "east",
    });
    expect(decision.event.data.total).toBe(0.5);
    // The event satisfies its own published contract.
    expect(() => checkEvent(decision.event)).not.toThrow();
  });

  it("folds to a pending order homed in the region that placed it", () => {
    const decision = place(undefined, cmd, ctx);
    if (decision.kind !== "created") throw new Error("expected created");
    expect(fold([decision.event])).toMatchObject({
      status: "pending",
      homeRegion: "east",
      version: 1,
      total: 0.5,
      placedAt: ctx.now.toISOString(),
    });
  });

  it("replays an identical request instead of placing it twice", () => {
    const first = place(undefined, cmd, ctx);
    if (first.kind !== "created") throw new Error("expected created");
    const again = place(fold([first.event]), cmd, ctx);
    expect(again.kind).toBe("replayed");
  });

  it("refuses the same order id with a different request as an idempotency conflict", () => {
    const first = place(undefined, cmd, ctx);
    if (first.kind !== "created") throw new Error("expected created");
    const attempt = () => place(fold([first.event]), { ...cmd, requestHash: "0".repeat(64) }, ctx);
    expect(attempt).toThrow(expect.objectContaining({ kind: "idempotency-conflict" }));
    expect(attempt).toThrow(/different request body/);
  });

  it("an empty stream folds to nothing", () => {
    expect(fold([])).toBeUndefined();
  });
});
