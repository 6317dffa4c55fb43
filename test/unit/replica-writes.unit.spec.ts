import { describe, expect, it } from "vitest";
import type { Sidecar, Versioned, Write } from "../../services/shared/dapr/sidecar.js";
import { ConcurrencyError } from "../../services/shared/errors.js";
import { KeyedLock } from "../../services/shared/keyed-lock.js";
import type { Logger } from "../../services/shared/log.js";
import { viewApplication } from "../../services/order-view/application.js";
import { Views } from "../../services/order-view/views.js";
import { Catalog } from "../../services/orders/catalog.js";
import { confirmedFixture, fixtureOrderId, placedFixture } from "../support/order-fixtures.js";

/**
 * Two replicas writing one store, as Redis treats them (components-contrib's state/redis Lua
 * scripts): in a transaction, a write with an ETag needs the key unchanged, and a write without
 * one creates the key or writes over it when it appeared in the meantime; outside one, a
 * first-write without an ETag creates the key only if absent. Each replica has its own sidecar,
 * one slower to write than the other, and its own process lock.
 */
class RedisLikeStore {
  readonly data = new Map<string, { value: unknown; version: number }>();

  sidecar(writeDelayMs: number): Sidecar {
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const fake = {
      get: async <T>(_store: string, key: string): Promise<Versioned<T> | undefined> => {
        await sleep(0);
        const found = this.data.get(key);
        return found ? { value: structuredClone(found.value) as T, etag: String(found.version) } : undefined;
      },
      write: async (_store: string, writes: readonly Write[]): Promise<void> => {
        await sleep(writeDelayMs);
        for (const w of writes) {
          const current = this.data.get(w.key);
          if (w.etag !== undefined && String(current?.version) !== w.etag) throw new ConcurrencyError(`state changed concurrently`);
        }
        for (const w of writes)
          this.data.set(w.key, { value: structuredClone(w.value), version: (this.data.get(w.key)?.version ?? 0) + 1 });
      },
      create: async (_store: string, key: string, value: unknown): Promise<void> => {
        await sleep(writeDelayMs);
        if (this.data.has(key)) throw new ConcurrencyError("state changed concurrently");
        this.data.set(key, { value: structuredClone(value), version: 1 });
      },
    };
    return fake as unknown as Sidecar;
  }
}

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const orderId = fixtureOrderId;
const placed = placedFixture;
const confirmed = confirmedFixture;

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
  return { views, app, catalog: new Catalog(sidecar, "catalog", new KeyedLock()) };
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

  it("keep both first ids of a catalogue shard", async () => {
    const store = new RedisLikeStore();
    const [slow, fast] = [replica(store, 20), replica(store, 0)];
    // Two ids of one shard (the shard is the id's first two hex digits).
    const [a, b] = ["ab000000-0000-4000-8000-000000000001", "ab000000-0000-4000-8000-000000000002"];
    await Promise.all([slow.catalog.add(a), fast.catalog.add(b)]);
    expect(await fast.catalog.shard("ab")).toEqual(expect.arrayContaining([a, b]));
  });
});
