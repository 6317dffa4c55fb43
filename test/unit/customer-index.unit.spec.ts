import { describe, expect, it } from "vitest";
import { Views } from "../../services/order-view/views.js";
import type { OrderState } from "../../services/shared/orders/order-state.js";
import { RedisLikeStore } from "../support/redis-like-store.js";

const idOf = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** Enough of a view for the index's reads: `byCustomer` sorts by `placedAt`. */
function seedViews(store: RedisLikeStore, count: number): void {
  for (let n = 0; n < count; n++)
    store.data.set(`order-${idOf(n)}`, {
      value: { orderId: idOf(n), customerId: "c1", placedAt: new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString() } as Partial<OrderState>,
      version: 1,
    });
}

const bytesOf = (store: RedisLikeStore, key: string) => JSON.stringify(store.data.get(key)?.value ?? null).length;

describe("a customer's index", () => {
  it("keeps every order of a busy customer, while each new order rewrites at most a page of ids", async () => {
    const store = new RedisLikeStore();
    const views = new Views(store.sidecar(0), "views");
    seedViews(store, 600);
    let largestHead = 0;
    for (let n = 0; n < 600; n++) {
      await views.index("c1", idOf(n));
      largestHead = Math.max(largestHead, bytesOf(store, "customer-c1"));
    }
    // Two sealed pages of 256 ids and the open page of 88 in the head.
    expect(store.data.get("customer-c1")?.value).toMatchObject({ pages: 2 });
    expect(store.data.has("customerpage-1-c1")).toBe(true);
    expect(largestHead).toBeLessThan(256 * 40);
    const listed = await views.byCustomer("c1");
    expect(listed).toHaveLength(600);
    expect(listed[0]?.orderId).toBe(idOf(599));
  });

  it("takes a redelivered order once, in the open page as in a sealed one", async () => {
    const store = new RedisLikeStore();
    const views = new Views(store.sidecar(0), "views");
    seedViews(store, 300);
    for (let n = 0; n < 300; n++) await views.index("c1", idOf(n));
    await views.index("c1", idOf(299));
    // Sealed since it was first indexed: listed twice, read once.
    await views.index("c1", idOf(3));
    expect(await views.byCustomer("c1")).toHaveLength(300);
  });

  it("reads an index written before it was paged (all of it the open page), and appends to it", async () => {
    const store = new RedisLikeStore();
    const views = new Views(store.sidecar(0), "views");
    seedViews(store, 3);
    store.data.set("customer-c1", { value: { orderIds: [idOf(0), idOf(1)] }, version: 1 });
    await views.index("c1", idOf(2));
    expect(store.data.get("customer-c1")?.value).toEqual({ pages: 0, orderIds: [idOf(0), idOf(1), idOf(2)] });
    expect((await views.byCustomer("c1")).map((v) => v.orderId)).toEqual([idOf(2), idOf(1), idOf(0)]);
  });

  it("is replaced whole by a rebuild, new or existing, in pages", async () => {
    const store = new RedisLikeStore();
    const views = new Views(store.sidecar(0), "views");
    seedViews(store, 700);
    const all = Array.from({ length: 700 }, (_, n) => idOf(n));
    await views.setIndex("c1", all);
    expect(store.data.get("customer-c1")?.value).toMatchObject({ pages: 2 });
    expect(await views.byCustomer("c1")).toHaveLength(700);
    // A rebuild that knows fewer orders (a lost view store) leaves no stale id readable.
    await views.setIndex("c1", all.slice(0, 300));
    expect(store.data.get("customer-c1")?.value).toMatchObject({ pages: 1 });
    expect(await views.byCustomer("c1")).toHaveLength(300);
  });
});
