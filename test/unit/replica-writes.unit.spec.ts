import { describe, expect, it } from "vitest";
import { type Lease, distributedLease, processLease } from "../../services/shared/application/lease.js";
import type { Sidecar, Versioned, Write } from "../../services/shared/dapr/sidecar.js";
import { ConcurrencyError } from "../../services/shared/errors.js";
import { KeyedLock } from "../../services/shared/keyed-lock.js";
import type { Logger } from "../../services/shared/log.js";
import { viewApplication } from "../../services/order-view/application.js";
import { Views } from "../../services/order-view/views.js";
import { confirmedFixture, fixtureOrderId, placedFixture } from "../support/order-fixtures.js";

/**
 * Two replicas of order-view writing one store, as Redis treats a state transaction (the Lua
 * script of components-contrib's state/redis): a write with an ETag needs the key unchanged; a
 * write without one creates the key, or writes over it when it appeared in the meantime. Each
 * replica's sidecar may be slower to write than the other's. The lock table is the lock store's.
 */
class RedisLikeStore {
  readonly data = new Map<string, { value: unknown; version: number }>();
  readonly locks = new Map<string, string>();

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
      tryLock: async (_store: string, resource: string, owner: string): Promise<boolean> => {
        await sleep(0);
        if (this.locks.has(resource)) return false;
        this.locks.set(resource, owner);
        return true;
      },
      unlock: async (_store: string, resource: string, owner: string): Promise<void> => {
        await sleep(0);
        if (this.locks.get(resource) === owner) this.locks.delete(resource);
      },
    };
    return fake as unknown as Sidecar;
  }
}

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const orderId = fixtureOrderId;
const placed = placedFixture;
const confirmed = confirmedFixture;

/** One order-view replica: its own sidecar (slow or fast to write) and the lease it was given. */
function replica(store: RedisLikeStore, writeDelayMs: number, lease: (sidecar: Sidecar) => Lease) {
  const sidecar = store.sidecar(writeDelayMs);
  const shared = lease(sidecar);
  const views = new Views(sidecar, "views", shared);
  const streams = {
    events: () => Promise.resolve([placed, confirmed]),
    eventsOf: () => Promise.resolve(new Map()),
    all: () => Promise.resolve([]),
  };
  return { views, app: viewApplication({ views, streams, lease: shared, log: quiet, clock: () => new Date() }) };
}

const perProcess = () => processLease(new KeyedLock());
const acrossReplicas = (sidecar: Sidecar) =>
  distributedLease({ sidecar, store: "lock", ownerPrefix: "order-view", local: new KeyedLock() });

describe("order-view at two replicas on a store whose transactions write over new keys", () => {
  it("loses the confirmation when each replica only locks within its own process (the failure the lease prevents)", async () => {
    const store = new RedisLikeStore();
    const slow = replica(store, 20, perProcess);
    const fast = replica(store, 0, perProcess);
    await Promise.all([slow.app.apply(placed), fast.app.apply(confirmed)]);
    expect((await fast.views.get(orderId))?.value.status).toBe("pending");
  });

  it("keeps the later status when both replicas take the writers' lease on the view", async () => {
    const store = new RedisLikeStore();
    const slow = replica(store, 20, acrossReplicas);
    const fast = replica(store, 0, acrossReplicas);
    await Promise.all([slow.app.apply(placed), fast.app.apply(confirmed)]);
    expect((await fast.views.get(orderId))?.value).toMatchObject({ status: "confirmed", version: 2 });
    expect(store.locks.size).toBe(0);
  });

  it("keeps both of a customer's first orders in the index under the lease", async () => {
    const store = new RedisLikeStore();
    const slow = replica(store, 20, acrossReplicas);
    const fast = replica(store, 0, acrossReplicas);
    await Promise.all([slow.views.index("c1", "order-a"), fast.views.index("c1", "order-b")]);
    expect((store.data.get("customer-c1")?.value as { orderIds: string[] }).orderIds.sort()).toEqual(["order-a", "order-b"]);
  });
});
