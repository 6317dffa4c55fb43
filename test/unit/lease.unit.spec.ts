import { Registry } from "prom-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import { components } from "../../platform/topology.js";
import { type Lease, distributedLease, leaderOnly } from "../../services/shared/application/lease.js";
import { type RecordDecision, RecordHandler } from "../../services/shared/application/record-handler.js";
import { CommitPublisher } from "../../services/shared/dapr/commit-publisher.js";
import { RecordStore } from "../../services/shared/dapr/record-store.js";
import type { Sidecar } from "../../services/shared/dapr/sidecar.js";
import { DomainError } from "../../services/shared/domain/errors.js";
import { DependencyError } from "../../services/shared/errors.js";
import { createEvent } from "../../services/shared/events/contracts.js";
import { inventoryEventTypes, type StockLevel } from "../../services/shared/events/inventory-events.js";
import { eventMetrics } from "../../services/shared/events/metrics.js";
import { KeyedLock } from "../../services/shared/keyed-lock.js";
import { RedisLikeStore } from "../support/redis-like-store.js";

/**
 * Dapr's lock.redis as every replica sees it: a lock is taken only when its resource is free or
 * its expiry has passed (SET NX with an expiry: not even its owner takes it twice), and released
 * only by its owner. Times come from Date.now, so fake timers move expiries too.
 */
class LockStore {
  private readonly locks = new Map<string, { owner: string; until: number }>();
  /** Every attempt to take a lock, in order. */
  readonly attempts: { resource: string; owner: string; took: boolean }[] = [];

  holder(resource: string): string | undefined {
    const lock = this.locks.get(resource);
    return lock && lock.until > Date.now() ? lock.owner : undefined;
  }

  take(resource: string, owner: string, expirySeconds: number): boolean {
    const took = this.holder(resource) === undefined;
    if (took) this.locks.set(resource, { owner, until: Date.now() + expirySeconds * 1000 });
    this.attempts.push({ resource, owner, took });
    return took;
  }

  /** A replica's sidecar: the lock API over this store, and `state` (a store double's sidecar) for the rest. */
  sidecar(state: Sidecar = {} as Sidecar): Sidecar {
    return {
      ...(state as unknown as Record<string, unknown>),
      tryLock: (_store: string, resource: string, owner: string, expirySeconds: number) =>
        Promise.resolve(this.take(resource, owner, expirySeconds)),
      unlock: (_store: string, resource: string, owner: string) => {
        if (this.locks.get(resource)?.owner === owner) this.locks.delete(resource);
        return Promise.resolve();
      },
    } as unknown as Sidecar;
  }
}

/** A replica's distributed lease over `locks`; `state` is the rest of its sidecar. */
function lease(locks: LockStore, ownerPrefix: string, opts: { waitMs?: number; expirySeconds?: number; state?: Sidecar } = {}): Lease {
  const { state, ...timing } = opts;
  return distributedLease({ sidecar: locks.sidecar(state), store: "lock", ownerPrefix, local: new KeyedLock(), ...timing });
}

/** Holders of `resources` now, by owner prefix (owners are `<prefix>-<uuid>`). */
const holders = (locks: LockStore, ...resources: string[]) => resources.map((r) => locks.holder(r)?.replace(/-[0-9a-f-]{36}$/, ""));

const clock = () => new Date("2026-01-01T00:00:01.000Z");

/** A replica's RecordHandler over the shared inventory store, under `leaseOf(its sidecar)`. */
function recordWriter(store: RedisLikeStore, leaseOf: (sidecar: Sidecar) => Lease, interpose?: () => Promise<void>) {
  const base = store.sidecar(0);
  const sidecar = {
    ...(base as unknown as Record<string, unknown>),
    write: async (...args: Parameters<Sidecar["write"]>) => {
      await interpose?.();
      await base.write(...args);
    },
    publish: () => Promise.resolve(),
  } as unknown as Sidecar;
  const publisher = new CommitPublisher(sidecar, components.inventoryStore, "east", "inventory/east", true);
  return new RecordHandler({
    region: "east",
    clock,
    records: new RecordStore(sidecar, components.inventoryStore, "inventory/east", publisher),
    lease: leaseOf(sidecar),
    metrics: eventMetrics(new Registry()),
  });
}

/** "Set sku-a to `available`", noting when it decides. */
const setA = (available: number, trace: string[], who: string) => (): RecordDecision<number> => {
  trace.push(`${who} decides`);
  const level: StockLevel = { sku: "a", available, reserved: 0 };
  return {
    kind: "write",
    changes: [{ key: "sku-a", type: inventoryEventTypes.levelChanged, subject: "a", data: level }],
    result: available,
  };
};

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("distributedLease", () => {
  it("takes every key once, in sorted order, holds them all while the work runs, and lets them go after", async () => {
    const locks = new LockStore();
    let heldDuringWork: (string | undefined)[] = [];
    // `||` is Dapr's separator of app-id and key: a key carries it as `|`.
    const result = await lease(locks, "replica-a", { waitMs: 100 }).run(["b", "a||x", "b"], () => {
      heldDuringWork = holders(locks, "a|x", "b");
      return Promise.resolve("done");
    });
    expect(result).toBe("done");
    expect(locks.attempts.map((a) => a.resource)).toEqual(["a|x", "b"]);
    expect(heldDuringWork).toEqual(["replica-a", "replica-a"]);
    expect(holders(locks, "a|x", "b")).toEqual([undefined, undefined]);
  });

  it("lets every key go when the work fails, and passes the error on as it is", async () => {
    const locks = new LockStore();
    const refusal = new DomainError("conflict", "no");
    await expect(lease(locks, "replica-a").run(["a", "b"], () => Promise.reject(refusal))).rejects.toBe(refusal);
    expect(holders(locks, "a", "b")).toEqual([undefined, undefined]);
  });

  it("waits for a key another replica holds, retrying, and runs the work once that replica lets it go", async () => {
    const locks = new LockStore();
    locks.take("a", "replica-b-00000000-0000-4000-8000-000000000000", 60);
    setTimeout(() => void locks.sidecar().unlock("lock", "a", "replica-b-00000000-0000-4000-8000-000000000000"), 30);
    const work = vi.fn(() => Promise.resolve(holders(locks, "a")[0]));

    expect(await lease(locks, "replica-a", { waitMs: 5_000 }).run(["a"], work)).toBe("replica-a");
    expect(work).toHaveBeenCalledTimes(1);
    const tries = locks.attempts.filter((a) => a.owner.startsWith("replica-a"));
    expect(tries.length).toBeGreaterThan(1);
    expect(tries.map((a) => a.took)).toEqual([...tries.slice(1).map(() => false), true]);
  });

  it("takes the key of a replica that died holding it once the lock expires, not before", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const locks = new LockStore();
    // The dead replica's lock: taken for 2 s and never released.
    locks.take("a", "replica-dead-00000000-0000-4000-8000-000000000000", 2);
    const work = vi.fn(() => Promise.resolve());
    const run = lease(locks, "replica-a", { waitMs: 15_000 }).run(["a"], work);

    await vi.advanceTimersByTimeAsync(1_990);
    expect(work).not.toHaveBeenCalled();
    // Retries are at most 200 ms apart.
    await vi.advanceTimersByTimeAsync(210);
    await run;
    expect(work).toHaveBeenCalledTimes(1);
  });

  it("gives up on a key another replica keeps past waitMs with a DependencyError, without deciding or writing anything, and lets go what it took", async () => {
    const locks = new LockStore();
    const other = "replica-b-00000000-0000-4000-8000-000000000000";
    locks.take("sku-b", other, 60);
    const store = new RedisLikeStore();
    const records = recordWriter(store, (sidecar) => lease(locks, "replica-a", { waitMs: 40, state: sidecar }));
    const decide = vi.fn((): RecordDecision<number> => ({ kind: "none", result: 0 }));

    const surfaced = await records.run(["sku-b", "sku-a"], { command: "a" }, decide).catch((err: unknown) => err);

    // A DependencyError: a request is answered 503 with Retry-After, a delivery is retried.
    expect(surfaced).toBeInstanceOf(DependencyError);
    expect((surfaced as Error).message).toBe("sku-b stayed locked by another replica for 40 ms");
    expect(decide).not.toHaveBeenCalled();
    expect([store.reads, store.writes]).toEqual([0, 0]);
    // sku-a (first in order) was taken, then let go; sku-b is still the other replica's.
    expect(locks.attempts.filter((a) => a.resource === "sku-a").map((a) => a.took)).toEqual([true]);
    expect(holders(locks, "sku-a", "sku-b")).toEqual([undefined, "replica-b"]);
  });

  it("known limit (README, Known limits): does not fence a holder that outlives its expiry; another replica decides and writes while it still works", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const locks = new LockStore();
    const store = new RedisLikeStore();
    store.data.set("sku-a", {
      value: createEvent(inventoryEventTypes.levelChanged, "a", 1, { sku: "a", available: 1, reserved: 0 } satisfies StockLevel, {
        region: "east",
        now: clock(),
        newId: () => "00000000-0000-4000-8000-000000000001",
        correlationId: "seed",
        causationId: null,
      }),
      version: 1,
    });
    const trace: string[] = [];
    let aStalls = true;
    // Replica a stalls 1.5 s between its decision and its first write: longer than its 1 s lease.
    const a = recordWriter(
      store,
      (sidecar) => lease(locks, "replica-a", { expirySeconds: 1, state: sidecar }),
      async () => {
        if (!aStalls) return void trace.push("a writes again");
        aStalls = false;
        await new Promise((r) => setTimeout(r, 1_500));
        trace.push(`a writes, sku-a held by ${holders(locks, "sku-a")[0] ?? "nobody"}`);
      },
    );
    const b = recordWriter(
      store,
      (sidecar) => lease(locks, "replica-b", { expirySeconds: 1, state: sidecar }),
      () => Promise.resolve(void trace.push(`b writes, sku-a held by ${holders(locks, "sku-a")[0] ?? "nobody"}`)),
    );

    const runs = Promise.all([
      a.run(["sku-a"], { command: "a" }, setA(5, trace, "a")),
      // b asks once a holds the key.
      new Promise((r) => setTimeout(r, 10)).then(() => b.run(["sku-a"], { command: "b" }, setA(7, trace, "b"))),
    ]);
    await vi.advanceTimersByTimeAsync(5_000);
    await runs;

    // b got the key at a's expiry and wrote while a was still inside its decision; a's write then
    // went ahead holding nothing. Here the ETag sent it round again; what a store without
    // rollback does with that write is the README's known limit.
    expect(trace).toEqual([
      "a decides",
      "b decides",
      "b writes, sku-a held by replica-b",
      "a writes, sku-a held by nobody",
      "a decides",
      "a writes again",
    ]);
    expect((store.data.get("sku-a")?.value as { correlationId: string }).correlationId).toBe("a");
  });
});

describe("leaderOnly", () => {
  it("gives one replica a turn at a time: the other skips while the lock is held, and takes the next turn once it lapses", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const locks = new LockStore();
    const ran: string[] = [];
    const turns = {
      a: leaderOnly(locks.sidecar(), "lock", "acks", 10),
      b: leaderOnly(locks.sidecar(), "lock", "acks", 10),
    };
    /** Both replicas tick at `seconds` into the test, `first` ticking first; answers who worked. */
    const tick = async (seconds: number, first: "a" | "b" = "a") => {
      vi.setSystemTime(new Date(Date.UTC(2026, 0, 1) + seconds * 1000));
      ran.length = 0;
      for (const who of first === "a" ? (["a", "b"] as const) : (["b", "a"] as const))
        await turns[who](() => Promise.resolve(void ran.push(who)));
      return [...ran];
    };

    expect(await tick(0)).toEqual(["a"]);
    // Inside its turn a works without asking the lock store again.
    const asked = locks.attempts.length;
    expect(await tick(5)).toEqual(["a"]);
    expect(locks.attempts.length - asked).toBe(1); // b's attempt only
    // In the turn's last second a no longer trusts it: it asks again, is refused (its own lock still
    // stands), and skips rather than act on a turn that may already have passed.
    expect(await tick(9.5)).toEqual([]);
    // The lock lapsed and b ticked first: a has lost the turn and does not work.
    expect(await tick(10, "b")).toEqual(["b"]);
    expect(await tick(15)).toEqual(["b"]);
  });
});
