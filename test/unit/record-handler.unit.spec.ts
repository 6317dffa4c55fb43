import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { components } from "../../platform/topology.js";
import { paymentsApplication } from "../../services/payments/application.js";
import { type Lease, processLease } from "../../services/shared/application/lease.js";
import { type RecordDecision, RecordHandler, type Records } from "../../services/shared/application/record-handler.js";
import { CommitPublisher } from "../../services/shared/dapr/commit-publisher.js";
import { RecordStore } from "../../services/shared/dapr/record-store.js";
import { DomainError } from "../../services/shared/domain/errors.js";
import { ConcurrencyError } from "../../services/shared/errors.js";
import { createEvent } from "../../services/shared/events/contracts.js";
import type { EventContext, EventRecord } from "../../services/shared/events/envelope.js";
import { inventoryEventTypes, type Reservation, type StockLevel } from "../../services/shared/events/inventory-events.js";
import { type EventMetrics, eventMetrics } from "../../services/shared/events/metrics.js";
import { orderEventTypes } from "../../services/shared/events/order-events.js";
import { type Payment, paymentEventTypes } from "../../services/shared/events/payment-events.js";
import { KeyedLock } from "../../services/shared/keyed-lock.js";
import { fixtureOrderId, placedFixture } from "../support/order-fixtures.js";
import { interposedSidecar } from "../support/interposed-sidecar.js";
import { RedisLikeStore } from "../support/redis-like-store.js";

const clock = () => new Date("2026-01-01T00:00:01.000Z");
const ctxOf = (id: string, correlationId = "seed"): EventContext => ({
  region: "east",
  now: clock(),
  newId: () => id,
  correlationId,
  causationId: null,
});

const levelOf = (record: EventRecord | undefined) => (record?.data as StockLevel | undefined)?.available;
const levelEvent = (sku: string, available: number, version: number, ctx: EventContext) =>
  createEvent(inventoryEventTypes.levelChanged, sku, version, { sku, available, reserved: 0 } satisfies StockLevel, ctx);

/** One region's inventory store, with Redis's ETag rules, and every event its writers published. */
function region() {
  const store = new RedisLikeStore();
  const published: EventRecord[] = [];
  const record = (key: string) => store.data.get(key)?.value as EventRecord | undefined;
  /** Puts records in place as an earlier writer left them (not counted as a write of any test's writer). */
  const seed = (levels: Record<string, number>) =>
    Object.entries(levels).forEach(([key, available], n) =>
      store.data.set(key, { value: levelEvent(key, available, 1, ctxOf(`00000000-0000-4000-8000-00000000000${n}`)), version: 1 }),
    );
  return { store, published, record, seed };
}
type Region = ReturnType<typeof region>;

/**
 * One replica writing to the region's store: the real record store and commit publisher over its
 * own sidecar, its own process lease (every key it is asked to lease is noted in `leased`). Each
 * function queued in `interpose` runs right before one of its store writes, after its read: that
 * is where another replica's write gets in between.
 *
 * Two replicas with process leases overlap, which is what the ETag check is for on a store whose
 * transactions roll back (the double checks every ETag before it writes anything, as PostgreSQL
 * does). On Redis, which does not roll back, the distributed lease keeps them from overlapping at
 * all (README, "Redis has no rollback"); that is lease.unit.spec.ts's part.
 */
function replica(r: Region) {
  const { sidecar, interpose } = interposedSidecar(r.store, r.published);
  const publisher = new CommitPublisher(sidecar, components.inventoryStore, "east", "inventory/east", true);
  const leased: string[][] = [];
  const lock = processLease(new KeyedLock());
  const lease: Lease = { run: (keys, work) => (leased.push([...keys]), lock.run(keys, work)) };
  const metrics = eventMetrics(new Registry());
  const deps = {
    region: "east",
    clock,
    records: new RecordStore(sidecar, components.inventoryStore, "inventory/east", publisher),
    lease,
    metrics,
  };
  return { interpose, leased, metrics, deps, handler: new RecordHandler(deps) };
}

/** The decision "add `n` to the level of each of `keys`", remembering every level it was asked to decide on. */
function add(n: number) {
  const seen: Record<string, number | undefined>[] = [];
  const decide = vi.fn((records: Records, _ctx: EventContext, keys: readonly string[]): RecordDecision<number> => {
    seen.push(Object.fromEntries(keys.map((k) => [k, levelOf(records.get(k)?.value)])));
    const changes = keys.map((key) => ({
      key,
      type: inventoryEventTypes.levelChanged,
      subject: key,
      data: { sku: key, available: (levelOf(records.get(key)?.value) ?? 0) + n, reserved: 0 } satisfies StockLevel,
    }));
    return { kind: "write", changes, result: changes.length };
  });
  return { decide, seen };
}

/** What this writer counted as published, per event type. */
async function published(metrics: EventMetrics): Promise<Record<string, number>> {
  return Object.fromEntries((await metrics.published.get()).values.map((v) => [v.labels["type"], v.value]));
}

describe("RecordHandler: a conflict between read and write", () => {
  it("decides again on every record as it is now, and writes all of its changes once, each as the record's next version", async () => {
    const r = region();
    r.seed({ "sku-a": 1, "sku-b": 1 });
    const [a, b] = [replica(r), replica(r)];
    // b adds 10 to sku-b only, after a has read both and decided, before a writes.
    a.interpose.push(() => b.handler.run(["sku-b"], { command: "b" }, add(10).decide));
    const { decide, seen } = add(2);

    await a.handler.run(["sku-a", "sku-b"], { command: "a" }, decide);

    // a's first decision met b's write at sku-b's ETag; the second saw b's 11.
    expect(seen).toEqual([
      { "sku-a": 1, "sku-b": 1 },
      { "sku-a": 1, "sku-b": 11 },
    ]);
    const [skuA, skuB] = [r.record("sku-a")!, r.record("sku-b")!];
    expect([levelOf(skuA), skuA.aggregateVersion, skuA.correlationId]).toEqual([3, 2, "a"]);
    expect([levelOf(skuB), skuB.aggregateVersion, skuB.correlationId]).toEqual([13, 3, "a"]);
    // Three transactions: a's refused one, b's, then both of a's changes in one.
    expect(r.store.writes).toBe(3);
    expect(r.published.map((e) => [e.subject, levelOf(e)])).toEqual([
      ["sku-b", 11],
      ["sku-a", 3],
      ["sku-b", 13],
    ]);
    expect(await published(a.metrics)).toEqual({ [inventoryEventTypes.levelChanged]: 2 });
  });

  it("surfaces the conflict as a ConcurrencyError after five decisions when every write meets another, having written nothing", async () => {
    const r = region();
    r.seed({ "sku-a": 1 });
    const [a, b] = [replica(r), replica(r)];
    // More intrusions queued than the bound allows: the one left over shows a sixth attempt never came.
    for (let i = 0; i < 6; i++) a.interpose.push(() => b.handler.run(["sku-a"], { command: "b" }, add(10).decide));
    const { decide, seen } = add(2);

    const surfaced = await a.handler.run(["sku-a"], { command: "a" }, decide).catch((err: unknown) => err);

    expect(surfaced).toBeInstanceOf(ConcurrencyError);
    expect(decide).toHaveBeenCalledTimes(5);
    expect(a.interpose).toHaveLength(1);
    expect(seen.map((s) => s["sku-a"])).toEqual([1, 11, 21, 31, 41]);
    expect([levelOf(r.record("sku-a")), r.record("sku-a")?.correlationId]).toEqual([51, "b"]);
    expect(r.published.every((e) => e.correlationId === "b")).toBe(true);
    expect(await published(a.metrics)).toEqual({});
  });
});

describe("RecordHandler: a decision that refuses", () => {
  it("propagates the DomainError itself after one decision, writes nothing, and gives the keys back", async () => {
    const r = region();
    r.seed({ "sku-a": 1 });
    const a = replica(r);
    const refusal = new DomainError("validation", "stock cannot go below zero", { sku: "a" });
    const decide = vi.fn((): RecordDecision<number> => {
      throw refusal;
    });

    const surfaced = await a.handler.run(["sku-a"], { command: "a" }, decide).catch((err: unknown) => err);

    expect(surfaced).toBe(refusal);
    expect(decide).toHaveBeenCalledTimes(1);
    expect([r.store.writes, r.published.length]).toEqual([0, 0]);
    expect(levelOf(r.record("sku-a"))).toBe(1);
    // The lease was let go: the next decision on the key runs (a held lock would hang this test).
    await a.handler.run(["sku-a"], { command: "a2" }, add(1).decide);
    expect(levelOf(r.record("sku-a"))).toBe(2);
  });
});

describe("RecordHandler: what a decision may ask", () => {
  it("widens: reads again under the lease of every key, the first ones and those it asked for", async () => {
    const r = region();
    r.seed({ "sku-a": 1, "sku-b": 5 });
    const a = replica(r);
    const readWith: string[][] = [];
    // Like a release, which learns its SKUs from the reservation it read.
    const decide = (records: Records, _ctx: EventContext, keys: readonly string[]): RecordDecision<number | undefined> => {
      readWith.push([...keys]);
      if (!keys.includes("sku-b")) return { kind: "widen", keys: ["sku-b"] };
      return { kind: "none", result: levelOf(records.get("sku-b")?.value) };
    };

    expect(await a.handler.run(["sku-a"], { command: "a" }, decide)).toBe(5);
    expect(a.leased).toEqual([["sku-a"], ["sku-a", "sku-b"]]);
    expect(readWith).toEqual([["sku-a"], ["sku-a", "sku-b"]]);
    expect(r.store.writes).toBe(0);
  });

  it("refuses to widen to keys it already read (it would ask forever)", async () => {
    const a = replica(region());
    const decide = vi.fn((): RecordDecision<never> => ({ kind: "widen", keys: ["sku-a"] }));
    await expect(a.handler.run(["sku-a"], { command: "a" }, decide)).rejects.toThrow("decision asked to widen to keys already read: sku-a");
    expect(decide).toHaveBeenCalledTimes(1);
  });

  it("refuses a change to a key it did not read (and lease), writing none of the changes", async () => {
    const r = region();
    r.seed({ "sku-a": 1, "sku-b": 1 });
    const a = replica(r);
    const decide = (): RecordDecision<number> => ({
      kind: "write",
      changes: ["sku-a", "sku-b"].map((key) => ({
        key,
        type: inventoryEventTypes.levelChanged,
        subject: key,
        data: { sku: key, available: 9, reserved: 0 },
      })),
      result: 2,
    });
    await expect(a.handler.run(["sku-a"], { command: "a" }, decide)).rejects.toThrow("decision wrote sku-b, which it did not read");
    expect([r.store.writes, levelOf(r.record("sku-a")), levelOf(r.record("sku-b"))]).toEqual([0, 1, 1]);
  });
});

describe("RecordHandler: the same cause handled twice (through the payments application)", () => {
  const reservation: Reservation = {
    orderId: fixtureOrderId,
    customerId: "c1",
    total: 1,
    status: "reserved",
    lines: [{ sku: "a", quantity: 1 }],
    shortages: [],
    processed: [placedFixture.id],
  };
  const reserved = createEvent(inventoryEventTypes.reserved, fixtureOrderId, 1, reservation, {
    ...ctxOf("00000000-0000-4000-8000-0000000000c1", "saga-1"),
    causationId: placedFixture.id,
  });
  const paymentKey = `payment-${fixtureOrderId}`;
  const payments = (writer: ReturnType<typeof replica>) => paymentsApplication({ ...writer.deps, limit: 100 });

  it("writes the payment once, listing the event's id, and answers the redelivery 'duplicate' without writing", async () => {
    const r = region();
    const writer = replica(r);
    const app = payments(writer);

    expect(await app.onInventoryEvent(reserved)).toBe("applied");
    expect(await app.onInventoryEvent(reserved)).toBe("duplicate");

    // The record lists what it applied: that id, found again, is how the second delivery is recognised.
    const record = r.record(paymentKey)!;
    expect(record.data).toMatchObject({ status: "authorized", processed: [reserved.id] } satisfies Partial<Payment>);
    expect([record.type, record.aggregateVersion, record.causationId, record.correlationId]).toEqual([
      paymentEventTypes.authorized,
      1,
      reserved.id,
      "saga-1",
    ]);
    expect(r.store.writes).toBe(1);
    expect(await published(writer.metrics)).toEqual({ [paymentEventTypes.authorized]: 1 });
  });

  it("recognises a redelivery that races its first delivery on another replica: the retry after the conflict answers 'duplicate'", async () => {
    const r = region();
    // An authorised payment, refunded on the order's cancel. A record that exists is written with
    // its ETag, which is what turns the race into a conflict.
    const authorized = createEvent(
      paymentEventTypes.authorized,
      fixtureOrderId,
      1,
      { orderId: fixtureOrderId, amount: 1, status: "authorized", processed: [reserved.id] } satisfies Payment,
      ctxOf("00000000-0000-4000-8000-0000000000c2", "saga-1"),
    );
    r.store.data.set(paymentKey, { value: authorized, version: 1 });
    const cancelled = createEvent(
      orderEventTypes.cancelled,
      fixtureOrderId,
      2,
      { orderId: fixtureOrderId, reason: "user" },
      ctxOf("00000000-0000-4000-8000-0000000000c3", "saga-1"),
    );
    const [writer, other] = [replica(r), replica(r)];
    // The other replica applies the same delivery between this one's read and write.
    writer.interpose.push(() => payments(other).onOrderEvent(cancelled));

    expect(await payments(writer).onOrderEvent(cancelled)).toBe("duplicate");

    const record = r.record(paymentKey)!;
    expect([record.type, record.aggregateVersion, (record.data as Payment).processed]).toEqual([
      paymentEventTypes.refunded,
      2,
      [reserved.id, cancelled.id],
    ]);
    // This replica's refused transaction and the other's: nothing of this one's landed.
    expect(r.store.writes).toBe(2);
    expect(await published(writer.metrics)).toEqual({});
  });
});
