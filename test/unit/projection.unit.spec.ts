import { describe, expect, it } from "vitest";
import { decide } from "../../services/order-view/projection.js";
import { fold } from "../../services/shared/orders/order-state.js";
import { placedFixture } from "../support/order-fixtures.js";

const placed = placedFixture;

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
