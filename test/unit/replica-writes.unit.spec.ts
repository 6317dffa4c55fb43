import { describe, expect, it } from "vitest";
import { ConcurrencyError } from "../../services/shared/errors.js";
import { KeyedLock } from "../../services/shared/keyed-lock.js";
import type { Logger } from "../../services/shared/log.js";
import { viewApplication } from "../../services/order-view/application.js";
import { Views } from "../../services/order-view/views.js";
import { Catalog } from "../../services/orders/catalog.js";
import { RedisLikeStore } from "../support/redis-like-store.js";
import { confirmedFixture, fixtureOrderId, placedFixture } from "../support/order-fixtures.js";

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const orderId = fixtureOrderId;
const placed = placedFixture;
const confirmed = confirmedFixture;
const otherOrderId = "22222222-2222-4222-8222-222222222222";

/** One order-view replica: its own sidecar (slow or fast to write) and its own process lock. */
function replica(store: RedisLikeStore, writeDelayMs: number) {
  const sidecar = store.sidecar(writeDelayMs);
  const views = new Views(sidecar, "views");
  const streams = {
    events: () => Promise.resolve([placed, confirmed]),
    eventsOf: () => Promise.resolve(new Map()),
    all: () => Promise.resolve([]),
  };
  const app = viewApplication({ views, streams, lock: new KeyedLock(), log: quiet, clock: () => new Date() });
  return { views, app, catalog: new Catalog(sidecar, "catalog") };
}

/** As Dapr delivers: a handler that fails (here on a conflict) gets the event again. */
async function delivered(apply: () => Promise<unknown>): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await apply();
      return;
    } catch (err) {
      if (!(err instanceof ConcurrencyError) || attempt > 3) throw err;
    }
  }
}

describe("two replicas on a store whose transactions write over keys that appeared since they were read", () => {
  it("keep an order's later status: its first view is created, so the slower replica's placed conflicts and is redelivered", async () => {
    const store = new RedisLikeStore();
    const slow = replica(store, 20);
    const fast = replica(store, 0);
    await Promise.all([delivered(() => slow.app.apply(placed)), delivered(() => fast.app.apply(confirmed))]);
    expect(store.data.get(`order-${orderId}`)?.value).toMatchObject({ status: "confirmed", version: 2 });
  });

  it("keep both of a customer's first orders in the index", async () => {
    const store = new RedisLikeStore();
    const [slow, fast] = [replica(store, 20), replica(store, 0)];
    await Promise.all([slow.views.index("c1", "order-a"), fast.views.index("c1", "order-b")]);
    expect((store.data.get("customer-c1")?.value as { orderIds: string[] }).orderIds.sort()).toEqual(["order-a", "order-b"]);
  });

  it("keep both of a customer's first orders in the index when each placement reads the index along with its view", async () => {
    const store = new RedisLikeStore();
    const [slow, fast] = [replica(store, 20), replica(store, 0)];
    const other = {
      ...placed,
      id: "00000000-0000-4000-8000-000000000009",
      subject: otherOrderId,
      data: { ...(placed.data as object), orderId: otherOrderId },
    };
    await Promise.all([delivered(() => slow.app.apply(placed)), delivered(() => fast.app.apply(other))]);
    expect((store.data.get("customer-c1")?.value as { orderIds: string[] }).orderIds.sort()).toEqual([orderId, otherOrderId].sort());
  });

  it("keep both first ids of a catalogue shard", async () => {
    const store = new RedisLikeStore();
    const [slow, fast] = [replica(store, 20), replica(store, 0)];
    // Two ids of one shard (the shard is the id's first two hex digits).
    const [a, b] = ["ab000000-0000-4000-8000-000000000001", "ab000000-0000-4000-8000-000000000002"];
    await Promise.all([slow.catalog.add(a), fast.catalog.add(b)]);
    expect(await fast.catalog.shard("ab")).toEqual(expect.arrayContaining([a, b]));
  });
});

describe("an order's first view", () => {
  it("reads the view and its customer's index in one call, then creates the index entry and the view", async () => {
    const store = new RedisLikeStore();
    await replica(store, 0).app.apply(placed);
    expect([store.reads, store.writes]).toEqual([1, 2]);
    expect(store.data.get("customer-c1")?.value).toEqual({ orderIds: [orderId] });
  });
});
