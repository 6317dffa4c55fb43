import { describe, expect, it } from "vitest";
import { checkEvent } from "../../services/shared/events/contracts.js";
import { place, pricedLines } from "../../services/orders/domain.js";
import { DomainError } from "../../services/shared/domain/errors.js";
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
/** The region's price list: what the lines above state is what is listed. */
const prices = new Map([
  ["a", 0.1],
  ["b", 0.2],
]);

describe("placing an order", () => {
  it("records order.placed as version 1 with a total exact to the cent", () => {
    const decision = place(undefined, cmd, prices, ctx);
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
    const decision = place(undefined, cmd, prices, ctx);
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
    const first = place(undefined, cmd, prices, ctx);
    if (first.kind !== "created") throw new Error("expected created");
    const again = place(fold([first.event]), cmd, prices, ctx);
    expect(again.kind).toBe("replayed");
  });

  it("refuses the same order id with a different request as an idempotency conflict", () => {
    const first = place(undefined, cmd, prices, ctx);
    if (first.kind !== "created") throw new Error("expected created");
    const attempt = () => place(fold([first.event]), { ...cmd, requestHash: "0".repeat(64) }, prices, ctx);
    expect(attempt).toThrow(expect.objectContaining({ kind: "idempotency-conflict" }));
    expect(attempt).toThrow(/different request body/);
  });

  it("a retry answers the order as accepted, even after its price changed", () => {
    const first = place(undefined, cmd, prices, ctx);
    if (first.kind !== "created") throw new Error("expected created");
    expect(place(fold([first.event]), cmd, new Map([["a", 99]]), ctx).kind).toBe("replayed");
  });

  it("an empty stream folds to nothing", () => {
    expect(fold([])).toBeUndefined();
  });
});

describe("prices come from the server", () => {
  const refusal = (f: () => unknown): DomainError => {
    try {
      f();
    } catch (err) {
      if (err instanceof DomainError) return err;
      throw err;
    }
    throw new Error("expected a refusal");
  };

  it("charges the listed price when the client states none", () => {
    const decision = place(undefined, { ...cmd, items: [{ sku: "a", quantity: 3 }] }, prices, ctx);
    if (decision.kind !== "created") throw new Error("expected created");
    expect(decision.event.data.items).toEqual([{ sku: "a", quantity: 3, unitPrice: 0.1 }]);
    expect(decision.event.data.total).toBe(0.3);
  });

  it("refuses a zero price the client states for a listed SKU, naming the line and the listed price", () => {
    const err = refusal(() => place(undefined, { ...cmd, items: [{ sku: "a", quantity: 50, unitPrice: 0 }] }, prices, ctx));
    expect(err.kind).toBe("unpriced");
    expect(err.message).toBe("items[0].unitPrice: 0 is not the listed price of a (0.1)");
    expect(err.facts).toEqual({ prices: { a: 0.1 } });
  });

  it("refuses a SKU without a listed price, and names every bad line at once", () => {
    const err = refusal(() =>
      pricedLines(
        [
          { sku: "nope", quantity: 1 },
          { sku: "b", quantity: 1, unitPrice: 0.21 },
        ],
        prices,
      ),
    );
    expect(err.kind).toBe("unpriced");
    expect(err.message).toBe("items[0].sku: nope has no listed price; items[1].unitPrice: 0.21 is not the listed price of b (0.2)");
  });

  it("accepts the listed price stated to the cent", () => {
    expect(pricedLines([{ sku: "b", quantity: 2, unitPrice: 0.2 }], prices)).toEqual([{ sku: "b", quantity: 2, unitPrice: 0.2 }]);
  });
});
