import { describe, expect, it } from "vitest";
import { describeIssues, orderTotal, placeOrderSchema } from "../../services/shared/events/order-input.js";

function problems(body: unknown): string {
  const parsed = placeOrderSchema.safeParse(body);
  return parsed.success ? "" : describeIssues(parsed.error);
}

describe("POST /orders body", () => {
  const good = { customerId: "c-1", items: [{ sku: "sku-1", quantity: 1, unitPrice: 12.34 }] };

  it("accepts a valid order", () => {
    expect(problems(good)).toBe("");
  });

  it("accepts an order without customerId (the access token names the customer) and without prices (the server's)", () => {
    expect(problems({ items: [{ sku: "sku-1", quantity: 1 }] })).toBe("");
  });

  it.each([
    [{ ...good, extra: 1 }, /Unrecognized key.*extra/],
    [{ ...good, items: [] }, /items: must hold at least one item/],
    [{ ...good, items: [{ sku: "a", quantity: 0, unitPrice: 1 }] }, /items\[0\]\.quantity: must be > 0/],
    [{ ...good, items: [{ sku: "a", quantity: 1, unitPrice: 1.005 }] }, /items\[0\]\.unitPrice: must have at most two decimal places/],
    [{ ...good, items: [{ sku: "", quantity: 1, unitPrice: 1 }] }, /items\[0\]\.sku: must not be empty/],
    [{ ...good, items: [{ sku: "a b", quantity: 1, unitPrice: 1 }] }, /items\[0\]\.sku: may hold only/],
    [{ ...good, items: Array.from({ length: 101 }, () => good.items[0]) }, /items: must hold at most 100 items/],
    [{ ...good, customerId: 42 }, /customerId/],
    [null, /body/],
  ])("names what is wrong in %j", (body, message) => {
    expect(problems(body)).toMatch(message);
  });

  it("computes totals in cents, so 0.1 + 0.2 is 0.3", () => {
    expect(
      orderTotal([
        { sku: "a", quantity: 1, unitPrice: 0.1 },
        { sku: "b", quantity: 1, unitPrice: 0.2 },
      ]),
    ).toBe(0.3);
    expect(orderTotal([{ sku: "a", quantity: 10_000, unitPrice: 999_999.99 }])).toBe(9_999_999_900);
  });
});
