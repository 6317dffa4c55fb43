import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { apps, components } from "../../platform/topology.js";
import { type OrdersApp, type OrdersAppDeps, ordersApplication } from "../../services/orders/application.js";
import { Catalog } from "../../services/orders/catalog.js";
import { ordersPeerRoutes } from "../../services/orders/peer-routes.js";
import { Replication } from "../../services/replicator/replication.js";
import { replicationMetrics } from "../../services/replicator/metrics.js";
import type { Lake } from "../../services/replicator/lake.js";
import { processLease } from "../../services/shared/application/lease.js";
import { CommitPublisher } from "../../services/shared/dapr/commit-publisher.js";
import { EventStore } from "../../services/shared/dapr/event-store.js";
import type { Sidecar, Write } from "../../services/shared/dapr/sidecar.js";
import { InvocationError } from "../../services/shared/errors.js";
import type { EventRecord } from "../../services/shared/events/envelope.js";
import type { Fault } from "../../services/shared/events/fault.js";
import { eventMetrics } from "../../services/shared/events/metrics.js";
import { createServiceApp } from "../../services/shared/http/app.js";
import { KeyedLock } from "../../services/shared/keyed-lock.js";
import type { Logger } from "../../services/shared/log.js";
import { createRegistry } from "../../services/shared/metrics.js";
import { type Answer, call } from "../support/http.js";
import { confirmedFixture, fixtureOrderId, placedFixture } from "../support/order-fixtures.js";
import { RedisLikeStore } from "../support/redis-like-store.js";

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const otherOrderId = "22222222-2222-4222-8222-222222222222";
const eventRefused = "urn:meridian:problem:event-refused";

/** east's order as east wrote it, and a stock event about it (which no order stream may hold). */
const placed = placedFixture;
const confirmed = confirmedFixture;
const stockReserved: EventRecord = {
  ...placedFixture,
  id: "00000000-0000-4000-8000-000000000009",
  type: "io.meridian.stock.reserved",
  aggregateVersion: 2,
  data: { orderId: fixtureOrderId, customerId: "c1", total: 1, status: "reserved", lines: [], shortages: [], processed: [] },
};

/**
 * Region west's orders service on a store with Redis's rules: the real application, event store,
 * commit publisher and peer routes; what it publishes is recorded instead of sent.
 */
function westOrders() {
  const store = new RedisLikeStore();
  const base = store.sidecar(0);
  const published: { topic: string; data: unknown }[] = [];
  const sidecar = {
    ...(base as unknown as Record<string, unknown>),
    // The outbox's projection is what Dapr publishes, not a second value of the key.
    write: (name: string, writes: readonly Write[]) =>
      base.write(
        name,
        writes.filter((w) => w.metadata?.["outbox.projection"] !== "true"),
      ),
    saveUnpublished: (name: string, key: string, value: unknown, etag?: string) => base.write(name, [{ key, value, etag } as Write]),
    publish: (_pubsub: string, topic: string, data: unknown) => Promise.resolve(void published.push({ topic, data })),
  } as unknown as Sidecar;
  const catalog = new Catalog(sidecar, components.ordersCatalog);
  const publisher = new CommitPublisher(sidecar, components.ordersStore, "west", "orders/west", true);
  const deps: OrdersAppDeps = {
    region: "west",
    clock: () => new Date("2026-01-01T00:00:01.000Z"),
    events: new EventStore(sidecar, components.ordersStore, "orders/west", "order-", publisher),
    catalog,
    // Replication and restore never price anything.
    prices: {} as OrdersAppDeps["prices"],
    lease: processLease(new KeyedLock()),
    metrics: eventMetrics(new Registry()),
  };
  const app: OrdersApp = ordersApplication(deps);
  return {
    store,
    app,
    catalog,
    published,
    stream: (id: string) => store.data.get(`order-${id}`)?.value as { events: EventRecord[] } | undefined,
  };
}

let west = westOrders();
let base = "";
let close: () => void = () => undefined;

beforeAll(async () => {
  const { app, finish } = createServiceApp({
    registry: createRegistry("orders", "west"),
    log: quiet,
    ready: () => Promise.resolve({ ready: true, checks: {} }),
    appApiToken: "secret",
  });
  // Each test gets a fresh region behind the same server.
  app.use((req, res, next) => ordersPeerRoutes(west.app, west.catalog, "west")(req, res, next));
  finish();
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(() => close());
beforeEach(() => {
  west = westOrders();
});

const post = (path: string, body: unknown): Promise<Answer> =>
  call(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", "dapr-api-token": "secret" },
    body: JSON.stringify(body),
  });
const get = (path: string): Promise<Answer> => call(`${base}${path}`, { headers: { "dapr-api-token": "secret" } });

/** The answer is the event-refused problem with `reason`; nothing was stored for the order. */
function expectRefused(answer: Answer, reason: string, orderId = fixtureOrderId): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(422);
  expect(answer.contentType).toContain("application/problem+json");
  expect(answer.body).toMatchObject({ type: eventRefused, status: 422, reason });
  expect(west.stream(orderId)).toBeUndefined();
}

describe("the replica route (POST /replica/events)", () => {
  it("applies a genuine replica of east's order, publishes it on the replica topic, and recognises it again (positive control)", async () => {
    expect((await post("/replica/events", placed)).body).toEqual({ outcome: "applied" });
    expect((await post("/replica/events", confirmed)).body).toEqual({ outcome: "applied" });
    expect((await post("/replica/events", confirmed)).body).toEqual({ outcome: "duplicate" });
    expect(west.stream(fixtureOrderId)?.events.map((e) => e.id)).toEqual([placed.id, confirmed.id]);
    // Never on west's own topic, where inventory and payments would act on it.
    expect(west.published.map((p) => p.topic)).toEqual(["orders-replicas", "orders-replicas"]);
  });

  it("refuses a stock event in an order's stream: 422, reason not-order-event", async () => {
    await post("/replica/events", placed);
    const answer = await post("/replica/events", stockReserved);
    expect(answer.status).toBe(422);
    expect(answer.body).toMatchObject({ type: eventRefused, reason: "not-order-event", eventId: stockReserved.id });
    expect(west.stream(fixtureOrderId)?.events.length).toBe(1);
  });

  it("refuses a subject that is not data.orderId: 422, reason subject-mismatch", async () => {
    expectRefused(await post("/replica/events", { ...placed, subject: otherOrderId }), "subject-mismatch", otherOrderId);
  });

  it("refuses an order whose home region is not the region it came from: 422, reason not-from-home", async () => {
    const north = { ...placed, data: { ...(placed.data as object), homeRegion: "north" } };
    const answer = await post("/replica/events", north);
    expectRefused(answer, "not-from-home");
    expect(answer.body).toMatchObject({ homeRegion: "north", from: "east", receiving: "west" });
  });

  it("refuses an event of this region coming back (a loop): 422, reason loop", async () => {
    const own = { ...placed, originRegion: "west", data: { ...(placed.data as object), homeRegion: "west" } };
    expectRefused(await post("/replica/events", own), "loop");
  });

  it("refuses order.placed at a later version: 422, reason placed-not-first", async () => {
    expectRefused(await post("/replica/events", { ...placed, aggregateVersion: 2 }), "placed-not-first");
  });

  it("still answers a contract violation 400, and a replica that skips a version 409 replica-waiting", async () => {
    expect((await post("/replica/events", { ...placed, data: { orderId: fixtureOrderId } })).status).toBe(400);
    const waiting = await post("/replica/events", confirmed);
    expect(waiting.status).toBe(409);
    expect(waiting.body).toMatchObject({ type: "urn:meridian:problem:replica-waiting", heldVersion: 0 });
  });
});

describe("the restore route (POST /restore)", () => {
  it("fills an empty stream without publishing anything (positive control), and keeps the same stream restored again", async () => {
    const answer = await post("/restore", { orderId: fixtureOrderId, events: [confirmed, placed] });
    expect(answer.body).toEqual({ orderId: fixtureOrderId, outcome: "restored" });
    expect(west.stream(fixtureOrderId)?.events.map((e) => e.id)).toEqual([placed.id, confirmed.id]);
    expect(west.published).toEqual([]);
    expect((await post("/restore", { orderId: fixtureOrderId, events: [placed, confirmed] })).body).toMatchObject({ outcome: "kept" });
  });

  it("refuses to restore over a stream held here, shorter or longer: 409, the stream unchanged", async () => {
    await post("/replica/events", placed);
    const longer = await post("/restore", { orderId: fixtureOrderId, events: [placed, confirmed] });
    expect(longer.status).toBe(409);
    expect(longer.body).toMatchObject({ type: "urn:meridian:problem:conflict", heldEvents: 1, restoredEvents: 2 });
    expect((longer.body as { detail: string }).detail).toContain("a restore only fills an empty stream");
    await post("/replica/events", confirmed);
    const shorter = await post("/restore", { orderId: fixtureOrderId, events: [placed] });
    expect(shorter.status).toBe(409);
    expect(west.stream(fixtureOrderId)?.events.map((e) => e.id)).toEqual([placed.id, confirmed.id]);
  });

  it("refuses a stream with a bad event, naming the rule: 422 with its reason, nothing stored", async () => {
    const cases: [unknown[], string][] = [
      [[placed, stockReserved], "not-order-event"],
      [[placed, { ...confirmed, subject: otherOrderId }], "subject-mismatch"],
      [[placed, { ...confirmed, originRegion: "west" }], "not-from-home"],
      [[placed, { ...confirmed, aggregateVersion: 3 }], "versions-not-contiguous"],
      [[{ ...confirmed, aggregateVersion: 1 }], "placed-not-first"],
    ];
    for (const [events, reason] of cases) expectRefused(await post("/restore", { orderId: fixtureOrderId, events }), reason);
    const otherPlaced = { ...placed, subject: otherOrderId, data: { ...(placed.data as object), orderId: otherOrderId } };
    expectRefused(await post("/restore", { orderId: fixtureOrderId, events: [otherPlaced] }), "other-order");
  });
});

describe("the digest and the replay read, over a stream stored before these checks", () => {
  it("name a stream that cannot be read instead of failing for the whole region", async () => {
    await post("/replica/events", placed);
    await post("/replica/events", confirmed);
    // An order whose stream holds a stock event (what the replica path let through before).
    const bad = otherOrderId;
    const badPlaced = {
      ...placed,
      id: "00000000-0000-4000-8000-0000000000b1",
      subject: bad,
      data: { ...(placed.data as object), orderId: bad },
    };
    await west.catalog.add(bad);
    west.store.data.set(`order-${bad}`, { value: { events: [badPlaced, { ...stockReserved, subject: bad }] }, version: 1 });

    const digest = await get("/digest");
    expect(digest.status).toBe(200);
    expect(digest.body).toMatchObject({ orders: 1, byStatus: { confirmed: 1 }, unreadable: [{ orderId: bad }] });
    expect((digest.body as { unreadable: { reason: string }[] }).unreadable[0]!.reason).toContain("unknown order event");

    const streams = await post("/streams", { orderIds: [fixtureOrderId, bad] });
    expect(streams.status).toBe(200);
    expect(streams.body).toMatchObject({ streams: [{ orderId: fixtureOrderId }], unreadable: [{ orderId: bad }] });
  });
});

describe("the replicator's side of the link", () => {
  /** west's replicator, its invocations of orders served by the orders routes above, as Dapr would. */
  function westReplicator() {
    const invoked: EventRecord[] = [];
    const deadLetters: { topic: string; fault: Fault }[] = [];
    const registry = new Registry();
    const sidecar = {
      invoke: async (_app: string, method: string, _verb: string, body: unknown) => {
        invoked.push(body as EventRecord);
        const answer = await post(`/${method}`, body);
        if (answer.status < 300) return answer.body;
        const { type, title, detail, status: _status, instance: _instance, ...extensions } = answer.body as Record<string, unknown>;
        const problem = { type: type as string, title: title as string, detail: detail as string, extensions };
        throw new InvocationError(apps.orders, answer.status, problem, undefined, `orders answered ${answer.status}: ${String(detail)}`);
      },
      publish: (_pubsub: string, topic: string, fault: unknown) => Promise.resolve(void deadLetters.push({ topic, fault: fault as Fault })),
    } as unknown as Sidecar;
    const replication = new Replication({
      region: "west",
      peers: ["east"],
      sidecar,
      lake: {} as Lake,
      log: quiet,
      replication: replicationMetrics(registry),
      clock: () => new Date(),
    });
    const counted = async (outcome: string) =>
      (await registry.getSingleMetric("meridian_replication_events_total")!.get()).values.find((v) => v.labels["outcome"] === outcome)
        ?.value ?? 0;
    return { replication, invoked, deadLetters, counted };
  }

  it("applies a genuine event of east's order that came over east's link (positive control)", async () => {
    const r = westReplicator();
    expect(await r.replication.fromPeer("east", placed)).toBe("applied");
    expect(west.stream(fixtureOrderId)?.events.length).toBe(1);
    expect(r.deadLetters).toEqual([]);
  });

  it("counts an event as the peer's whatever origin it declares: stamped with the link's peer", async () => {
    const r = westReplicator();
    // Declares north, came from east: stored (and published) as east's, which it is.
    expect(await r.replication.fromPeer("east", { ...placed, originRegion: "north" })).toBe("applied");
    expect(r.invoked[0]!.originRegion).toBe("east");
    expect(west.stream(fixtureOrderId)?.events[0]!.originRegion).toBe("east");
  });

  it("dead-letters an event orders refuses for good as a contract fault, once, instead of retrying it forever", async () => {
    const r = westReplicator();
    // A forgery: west's own order, declared as west's, sent over east's link.
    const forged = { ...placed, originRegion: "west", data: { ...(placed.data as object), homeRegion: "west" } };
    expect(await r.replication.fromPeer("east", forged)).toBe("ignored");
    expect(r.invoked.length).toBe(1);
    expect(r.deadLetters).toHaveLength(1);
    const [{ topic, fault }] = r.deadLetters as [{ topic: string; fault: Fault }];
    expect(topic).toBe("deadletter-replicator");
    expect(fault).toMatchObject({ kind: "contract", subscriber: "replicator", route: "/replicate/east", topic: "orders", region: "west" });
    expect(fault.reason).toBe(
      `order ${fixtureOrderId} is homed in west, but event ${placed.id} came from east; only an order's home region writes it`,
    );
    // The fault keeps what the peer sent, with the origin it declared.
    expect((fault.cloudEvent["data"] as EventRecord).originRegion).toBe("west");
    expect(await r.counted("refused")).toBe(1);
    expect(west.stream(fixtureOrderId)).toBeUndefined();
  });

  it("keeps retrying what is not a refusal: a contract violation orders does not know (a 400) is thrown for Dapr to redeliver", async () => {
    const r = westReplicator();
    await expect(r.replication.fromPeer("east", { ...placed, data: { orderId: fixtureOrderId } })).rejects.toMatchObject({ status: 400 });
    expect(r.deadLetters).toEqual([]);
  });
});
