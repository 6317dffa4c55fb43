import { describe, expect, it } from "vitest";
import { canonicalJson, orderIdForKey, parseIdempotencyKey } from "../../services/gateway/idempotency.js";
import { orderIdSchema } from "../../services/shared/events/order-input.js";

describe("idempotency keys", () => {
  it("derives the same order id for the same region and key, a different one elsewhere", () => {
    const a = orderIdForKey("east", "c1", "key-1");
    expect(orderIdForKey("east", "c1", "key-1")).toBe(a);
    expect(orderIdForKey("west", "c1", "key-1")).not.toBe(a);
    expect(orderIdForKey("east", "c1", "key-2")).not.toBe(a);
    // Another customer's same key is another order: keys are namespaced per customer.
    expect(orderIdForKey("east", "c2", "key-1")).not.toBe(a);
    expect(orderIdSchema.safeParse(a).success).toBe(true);
  });

  it("hashes requests independent of key order", () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: 1 }] })).toBe(canonicalJson({ a: [{ x: 1, y: 2 }], b: 1 }));
    expect(canonicalJson({ a: 1 })).not.toBe(canonicalJson({ a: 2 }));
  });

  it("accepts visible ASCII keys up to 255 characters and nothing else", () => {
    expect(parseIdempotencyKey(undefined)).toBeUndefined();
    expect(parseIdempotencyKey("abc-123_:/")).toBe("abc-123_:/");
    expect(() => parseIdempotencyKey("")).toThrow(/Idempotency-Key/);
    expect(() => parseIdempotencyKey("a b")).toThrow(/Idempotency-Key/);
    expect(() => parseIdempotencyKey("x".repeat(256))).toThrow(/Idempotency-Key/);
  });
});
