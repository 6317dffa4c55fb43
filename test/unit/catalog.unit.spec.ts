import { describe, expect, it } from "vitest";
import { Catalog } from "../../services/orders/catalog.js";
import { RedisLikeStore } from "../support/redis-like-store.js";

/** An order id in shard `shard` (its first two hex digits), numbered `n`. */
const idIn = (shard: string, n: number) => `${shard}${n.toString(16).padStart(6, "0")}-0000-4000-8000-000000000000`;
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("the orders catalogue", () => {
  it("keeps a shard's head at most a page however many ids it lists, and reads every id back once", async () => {
    const store = new RedisLikeStore();
    const catalog = new Catalog(store.sidecar(0), "catalog");
    const ids = range(600).map((n) => idIn("ab", n));
    for (const id of ids) await catalog.add(id);
    await catalog.add(ids[0]!); // listed again: a retried placement
    const head = store.data.get("catalog-ab")?.value as { pages: number; orderIds: string[] };
    expect(head.pages).toBe(2);
    expect(head.orderIds.length).toBeLessThanOrEqual(256);
    expect(await catalog.shard("ab")).toEqual(ids);
    expect(await catalog.all()).toEqual(ids);
  });

  it("lists ids that arrive together in one bulk read and one transaction", async () => {
    const store = new RedisLikeStore();
    const catalog = new Catalog(store.sidecar(0), "catalog");
    await catalog.add(idIn("01", 0)); // the shards exist: later listings append with their ETags
    await catalog.add(idIn("02", 0));
    const [reads, writes] = [store.reads, store.writes];
    await Promise.all(range(20).map((n) => catalog.add(idIn(n % 2 ? "01" : "02", n + 1))));
    expect([store.reads - reads, store.writes - writes]).toEqual([1, 1]);
    expect((await catalog.all()).length).toBe(22);
  });

  it("reads a shard written before shards were paged, and pages it on the next listing", async () => {
    const store = new RedisLikeStore();
    const legacy = range(300).map((n) => idIn("cd", n));
    store.data.set("catalog-cd", { value: { orderIds: legacy }, version: 1 });
    const catalog = new Catalog(store.sidecar(0), "catalog");
    expect(await catalog.shard("cd")).toEqual(legacy);
    await catalog.add(idIn("cd", 300));
    expect((store.data.get("catalog-cd")?.value as { pages: number }).pages).toBe(1);
    expect(await catalog.shard("cd")).toEqual([...legacy, idIn("cd", 300)]);
  });

  it("keeps every id two replicas list into one shard at once, its first ids and those that seal a page", async () => {
    const store = new RedisLikeStore();
    const [slow, fast] = [new Catalog(store.sidecar(15), "catalog"), new Catalog(store.sidecar(0), "catalog")];
    const ids = range(300).map((n) => idIn("ef", n));
    await Promise.all(ids.map((id, n) => (n % 2 ? slow : fast).add(id)));
    expect((await fast.shard("ef")).sort()).toEqual([...ids].sort());
  });
});
