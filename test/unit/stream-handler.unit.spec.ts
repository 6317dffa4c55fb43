import { Registry } from "prom-client";
import { describe, expect, it, vi } from "vitest";
import { components } from "../../platform/topology.js";
import { ordersApplication, type OrdersAppDeps } from "../../services/orders/application.js";
import type { Trigger } from "../../services/shared/application/context.js";
import { processLease } from "../../services/shared/application/lease.js";
import { type StreamDecision, StreamHandler, type StreamView } from "../../services/shared/application/stream-handler.js";
import { CommitPublisher } from "../../services/shared/dapr/commit-publisher.js";
import { EventStore } from "../../services/shared/dapr/event-store.js";
import { DomainError } from "../../services/shared/domain/errors.js";
import { ConcurrencyError } from "../../services/shared/errors.js";
import { createEvent } from "../../services/shared/events/contracts.js";
import type { EventContext, EventRecord } from "../../services/shared/events/envelope.js";
import { inventoryEventTypes, type StockLevel } from "../../services/shared/events/inventory-events.js";
import { type EventMetrics, eventMetrics } from "../../services/shared/events/metrics.js";
import { orderEventTypes } from "../../services/shared/events/order-events.js";
import { paymentEventTypes, type Payment } from "../../services/shared/events/payment-events.js";
import { KeyedLock } from "../../services/shared/keyed-lock.js";
import { fixtureOrderId, placedFixture } from "../support/order-fixtures.js";
import { interposedSidecar } from "../support/interposed-sidecar.js";
import { RedisLikeStore } from "../support/redis-like-store.js";

const clock = () => new Date("2026-01-01T00:00:01.000Z");
const streamId = "tally-1";
const keyOf = (id: string) => `order-${id}`;

/**
 * A stand-in aggregate, so each test's decision is plain to read: a tally whose every event
 * carries its running total. Its events borrow the stock-level contract only so that the event
 * store's checks on write and read pass.
 */
const tally = (events: readonly EventRecord[]): number | undefined => (events.at(-1)?.data as StockLevel | undefined)?.available;
const totalOf = (e: EventRecord) => (e.data as StockLevel).available;
const tallyEvent = (total: number, version: number, ctx: EventContext): EventRecord =>
  createEvent(
    inventoryEventTypes.levelChanged,
    streamId,
    version,
    { sku: streamId, available: total, reserved: 0 } satisfies StockLevel,
    ctx,
  );

/** The decision "add `n` to the tally", remembering every total it was asked to decide on. */
function add(n: number) {
  const seen: (number | undefined)[] = [];
  const decide = vi.fn(({ events, state }: StreamView<number>, ctx: EventContext): StreamDecision<number> => {
    seen.push(state);
    const total = (state ?? 0) + n;
    return { kind: "append", event: tallyEvent(total, events.length + 1, ctx), result: total };
  });
  return { decide, seen };
}

/** One region's orders store, with Redis's ETag rules, and every event its writers published. */
function region() {
  const store = new RedisLikeStore();
  const published: EventRecord[] = [];
  const stream = (id = streamId) => (store.data.get(keyOf(id))?.value as { events: EventRecord[] } | undefined)?.events;
  /** Puts a stream in place as an earlier writer left it (not counted as a write of any test's writer). */
  const seed = (id: string, events: readonly EventRecord[]) => store.data.set(keyOf(id), { value: { events }, version: 1 });
  return { store, published, stream, seed };
}
type Region = ReturnType<typeof region>;

/**
 * One replica writing to the region's store: the real event store and commit publisher over its
 * own sidecar, its own process lease. Each function queued in `interpose` runs right before one
 * of its store writes, after its read: that is where another replica's write gets in between.
 *
 * Two replicas with process leases overlap, which is what the ETag check is for on a store whose
 * transactions roll back (the double checks every ETag before it writes anything, as PostgreSQL
 * does). On Redis, which does not roll back, the distributed lease keeps them from overlapping at
 * all (README, "Redis has no rollback"); that is lease.unit.spec.ts's part.
 */
function replica(r: Region) {
  const { sidecar, interpose } = interposedSidecar(r.store, r.published);
  const publisher = new CommitPublisher(sidecar, components.ordersStore, "east", "orders/east", true);
  const metrics = eventMetrics(new Registry());
  return {
    interpose,
    metrics,
    deps: {
      region: "east",
      clock,
      events: new EventStore(sidecar, components.ordersStore, "orders/east", "order-", publisher),
      lease: processLease(new KeyedLock()),
      metrics,
    },
  };
}

function tallies(r: Region, onNewStream?: (id: string) => Promise<void>) {
  const writer = replica(r);
  const handler = new StreamHandler<number>({ ...writer.deps, fold: tally, ...(onNewStream ? { onNewStream } : {}) });
  /** Adds `n` to the tally under this replica's handler. */
  const addTo = (n: number, trigger: Trigger = { command: `add-${n}` }) => handler.run(streamId, trigger, add(n).decide);
  return { ...writer, handler, addTo };
}

/** What this writer counted as published, per event type. */
async function published(metrics: EventMetrics): Promise<Record<string, number>> {
  return Object.fromEntries((await metrics.published.get()).values.map((v) => [v.labels["type"], v.value]));
}

const seedCtx: EventContext = {
  region: "east",
  now: clock(),
  newId: () => "00000000-0000-4000-8000-0000000000a0",
  correlationId: "seed",
  causationId: null,
};

describe("StreamHandler: a conflict between read and write", () => {
  it("decides again on the stream as the other writer left it, and writes its event once, after the other's", async () => {
    const r = region();
    r.seed(streamId, [tallyEvent(1, 1, seedCtx)]);
    const [a, b] = [tallies(r), tallies(r)];
    // b adds 10 after a has read the tally at 1 and decided on it, before a writes.
    a.interpose.push(() => b.addTo(10));
    const { decide, seen } = add(2);

    const result = await a.handler.run(streamId, { command: "add-2" }, decide);

    // a's first decision (on 1) met b's write at the ETag check; the second saw b's 11.
    expect(seen).toEqual([1, 11]);
    expect(result).toBe(13);
    expect(r.stream()?.map((e) => [e.aggregateVersion, totalOf(e), e.correlationId])).toEqual([
      [1, 1, "seed"],
      [2, 11, "add-10"],
      [3, 13, "add-2"],
    ]);
    // Three transactions: a's refused one, b's, a's again. Only committed events were published and counted.
    expect(r.store.writes).toBe(3);
    expect(r.published.map(totalOf)).toEqual([11, 13]);
    expect(await published(a.metrics)).toEqual({ [inventoryEventTypes.levelChanged]: 1 });
  });

  it("surfaces the conflict as a ConcurrencyError after five decisions when every write meets another, having written nothing", async () => {
    const r = region();
    r.seed(streamId, [tallyEvent(1, 1, seedCtx)]);
    const [a, b] = [tallies(r), tallies(r)];
    // More intrusions queued than the bound allows: the one left over shows a sixth attempt never came.
    for (let i = 0; i < 6; i++) a.interpose.push(() => b.addTo(10));
    const { decide, seen } = add(2);

    const surfaced = await a.handler.run(streamId, { command: "add-2" }, decide).catch((err: unknown) => err);

    expect(surfaced).toBeInstanceOf(ConcurrencyError);
    expect(decide).toHaveBeenCalledTimes(5);
    expect(a.interpose).toHaveLength(1);
    // Each attempt decided afresh on b's latest total, and none of a's events was stored or published.
    expect(seen).toEqual([1, 11, 21, 31, 41]);
    expect(r.stream()?.map((e) => e.correlationId)).toEqual(["seed", "add-10", "add-10", "add-10", "add-10", "add-10"]);
    expect(r.published.every((e) => e.correlationId === "add-10")).toBe(true);
    expect(await published(a.metrics)).toEqual({});
  });
});

describe("StreamHandler: a decision that refuses", () => {
  it("propagates the DomainError itself after one decision, and writes, lists and publishes nothing", async () => {
    const r = region();
    const onNewStream = vi.fn(() => Promise.resolve());
    const a = tallies(r, onNewStream);
    const refusal = new DomainError("conflict", "the tally is closed", { closedAt: 7 });
    const decide = vi.fn((): StreamDecision<number> => {
      throw refusal;
    });

    const surfaced = await a.handler.run(streamId, { command: "add" }, decide).catch((err: unknown) => err);

    // The same object, facts and all: the HTTP edge maps its kind; nothing wrapped or retried it.
    expect(surfaced).toBe(refusal);
    expect(decide).toHaveBeenCalledTimes(1);
    expect(onNewStream).not.toHaveBeenCalled();
    expect([r.store.writes, r.published.length]).toEqual([0, 0]);
    expect(r.stream()).toBeUndefined();
  });

  it("propagates a refusal the fresh stream calls for after a conflict, and keeps the other writer's event alone", async () => {
    const r = region();
    r.seed(streamId, [tallyEvent(1, 1, seedCtx)]);
    const [a, b] = [tallies(r), tallies(r)];
    a.interpose.push(() => b.addTo(100));
    // At most 50: fine on the total read first, refused on the total b left.
    const refusal = new DomainError("validation", "the tally would pass 50");
    const decide = vi.fn(({ events, state }: StreamView<number>, ctx: EventContext): StreamDecision<number> => {
      if ((state ?? 0) + 1 > 50) throw refusal;
      return { kind: "append", event: tallyEvent((state ?? 0) + 1, events.length + 1, ctx), result: (state ?? 0) + 1 };
    });

    const surfaced = await a.handler.run(streamId, { command: "add-1" }, decide).catch((err: unknown) => err);

    expect(surfaced).toBe(refusal);
    expect(decide).toHaveBeenCalledTimes(2);
    expect(r.stream()?.map(totalOf)).toEqual([1, 101]);
    expect(await published(a.metrics)).toEqual({});
  });
});

describe("StreamHandler: a new stream", () => {
  it("is listed (onNewStream) before its first write and never again; a decision to write nothing does not list it", async () => {
    const r = region();
    const listed: { id: string; storedYet: boolean }[] = [];
    const a = tallies(r, (id) => Promise.resolve(void listed.push({ id, storedYet: r.store.data.has(keyOf(id)) })));

    await a.handler.run(streamId, { command: "look" }, () => ({ kind: "none", result: undefined }));
    expect(listed).toEqual([]);
    expect(r.store.writes).toBe(0);

    await a.addTo(1);
    await a.addTo(2);
    // Listed once, while the stream did not exist yet: a replay of the catalogue never misses a stream.
    expect(listed).toEqual([{ id: streamId, storedYet: false }]);
    expect(r.stream()?.map(totalOf)).toEqual([1, 3]);
  });
});

describe("StreamHandler: the same cause handled twice (through the orders application)", () => {
  /** The orders application of one replica, over an order placed earlier (a v1 event, read upcast). */
  function orders() {
    const r = region();
    r.seed(fixtureOrderId, [placedFixture]);
    const writer = replica(r);
    const deps: OrdersAppDeps = {
      ...writer.deps,
      // A reaction never lists a stream (it exists) nor prices anything.
      catalog: {} as OrdersAppDeps["catalog"],
      prices: {} as OrdersAppDeps["prices"],
    };
    return { r, writer, app: ordersApplication(deps) };
  }
  const authorized: EventRecord = createEvent(
    paymentEventTypes.authorized,
    fixtureOrderId,
    1,
    { orderId: fixtureOrderId, amount: 1, status: "authorized", processed: [placedFixture.id] } satisfies Payment,
    { region: "east", now: clock(), newId: () => "00000000-0000-4000-8000-0000000000b1", correlationId: "saga-1", causationId: "x" },
  );

  it("writes the reaction once, caused by the event's id, and answers the redelivery 'duplicate' without writing", async () => {
    const { r, writer, app } = orders();

    expect(await app.react(authorized)).toBe("applied");
    expect(await app.react(authorized)).toBe("duplicate");

    // The stream names its cause: that id, found again in the stream, is how the second delivery is recognised.
    const stream = r.stream(fixtureOrderId)!;
    expect(stream.map((e) => [e.type, e.aggregateVersion, e.causationId, e.correlationId])).toEqual([
      [orderEventTypes.placed, 1, null, "c"],
      [orderEventTypes.confirmed, 2, authorized.id, authorized.correlationId],
    ]);
    expect(r.store.writes).toBe(1);
    expect(r.published.map((e) => e.type)).toEqual([orderEventTypes.confirmed]);
    expect(await published(writer.metrics)).toEqual({ [orderEventTypes.confirmed]: 1 });
  });

  it("recognises a redelivery that races its first delivery on another replica: the retry after the conflict answers 'duplicate'", async () => {
    const { r, writer, app } = orders();
    // The other replica (its own lease and sidecar) applies the same delivery between this one's read and write.
    const other = ordersApplication({ ...replica(r).deps, catalog: {} as OrdersAppDeps["catalog"], prices: {} as OrdersAppDeps["prices"] });
    writer.interpose.push(() => other.react(authorized));

    expect(await app.react(authorized)).toBe("duplicate");

    expect(r.stream(fixtureOrderId)!.filter((e) => e.causationId === authorized.id)).toHaveLength(1);
    // This replica's refused transaction and the other's: nothing of this one's landed.
    expect(r.store.writes).toBe(2);
    expect(await published(writer.metrics)).toEqual({});
  });
});
