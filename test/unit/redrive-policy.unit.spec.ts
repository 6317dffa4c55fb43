import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { Registry } from "prom-client";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  apps,
  deadLetterRedrive,
  deadLetterTopicOf,
  relayTopicOf,
  replicaTopicOf,
  subscriptions,
  topics,
  workflowApps,
} from "../../platform/topology.js";
import { DeadLetters, type StoredFault, deadLetterRoutes, faultFrom, startRedriver } from "../../services/order-view/dead-letters.js";
import { lakeQueryFor } from "../../services/order-view/event-lake.js";
import { lakeRule, redeliverable, redriveRoutesOf, redriveTarget } from "../../services/order-view/redrive-policy.js";
import { Lake } from "../../services/replicator/lake.js";
import type { Sidecar } from "../../services/shared/dapr/sidecar.js";
import { redriveHeader } from "../../services/shared/dapr/subscriber.js";
import { checkEvent, createEvent } from "../../services/shared/events/contracts.js";
import { type EventRecord, cloudEventAttributes } from "../../services/shared/events/envelope.js";
import type { Fault } from "../../services/shared/events/fault.js";
import { inventoryEventTypes } from "../../services/shared/events/inventory-events.js";
import { orderEventTypes } from "../../services/shared/events/order-events.js";
import { paymentEventTypes } from "../../services/shared/events/payment-events.js";
import { eventTypesOf } from "../../services/shared/events/topic-events.js";
import { createServiceApp } from "../../services/shared/http/app.js";
import type { Logger } from "../../services/shared/log.js";
import { createRegistry } from "../../services/shared/metrics.js";
import { call, postJson } from "../support/http.js";
import { RedisLikeStore } from "../support/redis-like-store.js";

const quiet: Logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
const region = "east";

/** A confirmed order's cancellation, as the orders writer would have written it (or an attacker forges it). */
function orderCancelled(orderId = randomUUID()): EventRecord {
  return createEvent(
    orderEventTypes.cancelled,
    orderId,
    4,
    { orderId, reason: "user" },
    { region, now: new Date("2026-03-01T10:00:00.000Z"), newId: randomUUID, correlationId: orderId, causationId: null },
  );
}

/** The CloudEvent a writer publishes for an event (CommitPublisher), as the broker delivers it. */
function delivered(event: EventRecord, topic: string): Record<string, unknown> {
  return {
    specversion: "1.0",
    id: event.id,
    datacontenttype: "application/json",
    ...cloudEventAttributes(event, `orders/${region}`),
    pubsubname: "pubsub",
    topic,
    data: event,
  };
}

/** A fault as a subscriber publishes it (subscriber.ts), with `overrides` for what a forger changes. */
function fault(subscriber: string, topic: string, cloudEvent: Record<string, unknown>, overrides: Partial<Fault> = {}): Fault {
  return {
    faultId: randomUUID(),
    kind: "handler",
    reason: "payment provider timed out",
    subscriber,
    route: `/events/${topic}`,
    topic,
    attempts: 10,
    failedAt: new Date().toISOString(),
    region,
    cloudEvent,
    ...overrides,
  };
}

/** What Dapr delivers to order-view from a dead-letter topic: the published fault inside a CloudEvent. */
function onDeadLetterTopic(f: Fault, deadLetterTopic: string): Record<string, unknown> {
  return { specversion: "1.0", id: randomUUID(), type: "com.dapr.event.sent", topic: deadLetterTopic, pubsubname: "pubsub", data: f };
}

interface Invocation {
  readonly app: string;
  readonly method: string;
  readonly body: unknown;
  readonly headers: Record<string, string>;
}

/**
 * order-view's dead letters over an in-memory store with Redis's rules, and a sidecar whose
 * invocations are recorded: the region's real event lake (services/replicator/lake.ts over its own
 * store) answers the `lake/...` routes as the replicator's lake routes would; every other app
 * accepts what it is handed.
 */
async function world() {
  const lakeStore = new RedisLikeStore();
  const lake = new Lake(lakeStore.sidecar(0), "lake-store");
  const invoked: Invocation[] = [];
  const lakeAsked: string[] = [];
  const invoke = async (app: string, method: string, _verb: string, body?: unknown, headers: Record<string, string> = {}) => {
    if (app === apps.replicator && method.startsWith("lake/")) {
      lakeAsked.push(method);
      const url = new URL(method, "http://replicator/");
      const subject = url.pathname.match(/^\/lake\/subjects\/(.+)$/)?.[1];
      if (subject !== undefined) return { region, subject, events: await lake.bySubject(decodeURIComponent(subject)) };
      const [from, to] = [url.searchParams.get("from")!, url.searchParams.get("to")!];
      return { region, from, to, events: await lake.byTime(new Date(from), new Date(to)) };
    }
    invoked.push({ app, method, body, headers });
    return { status: "SUCCESS" };
  };
  const sidecar = Object.assign(new RedisLikeStore().sidecar(0), { invoke }) as unknown as Sidecar;
  const deadLetters = new DeadLetters({ sidecar, store: "view-store", region, log: quiet });

  const { app, finish } = createServiceApp({
    registry: createRegistry("order-view", region),
    log: quiet,
    ready: async () => ({ ready: true, checks: {} }),
  });
  app.use(deadLetterRoutes({ region, log: quiet, deadLetters }));
  finish();
  const server = app.listen(0, "127.0.0.1");
  await new Promise((r) => server.once("listening", r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  servers.push(() => server.close());

  return {
    deadLetters,
    invoked,
    lakeAsked,
    /** What the replicator's subscription does with an event of `topic` (services/replicator/subscriptions.ts). */
    archive: (event: EventRecord, topic: string) => lake.archive(checkEvent(event), topic),
    /** Dapr delivering a dead-letter topic's message to order-view. */
    deliver: (body: Record<string, unknown>, deadLetterTopic: string) => postJson(`${base}/events/${deadLetterTopic}`, body),
    faults: async () => ((await call(`${base}/dead-letters`)).body as { faults: StoredFault[] }).faults,
    redriveByHand: (faultId: string) => call(`${base}/dead-letters/${faultId}/redrive`, { method: "POST" }),
    /** Faults recorded as if they had arrived a while ago: due for the redriver at once. */
    recordDue: (body: Record<string, unknown>, deadLetterTopic: string) =>
      deadLetters.record(faultFrom(body, deadLetterTopic, region), new Date(Date.now() - 10 * deadLetterRedrive.firstDelayMs)),
  };
}

const servers: (() => void)[] = [];
afterEach(() => {
  vi.useRealTimers();
  for (const close of servers.splice(0)) close();
});

/** One pass of the automatic redriver: its timer faked, everything else real; resolves when the pass is done. */
async function redriverPass(deadLetters: DeadLetters): Promise<void> {
  vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
  let done = (): void => undefined;
  const passed = new Promise<void>((resolve) => (done = resolve));
  const redriver = startRedriver(deadLetters, new Registry(), quiet, async (work) => {
    try {
      await work();
    } finally {
      done();
    }
  });
  await vi.advanceTimersByTimeAsync(deadLetterRedrive.scanEveryMs);
  await passed;
  redriver.stop();
  vi.useRealTimers();
}

describe("dead-letter redrive: a fault is handed back only to its own subscriber, with the event first given", () => {
  it("refuses the forged fault seen in the attack: inventory's dead-letter topic naming payments, with a forged order.cancelled", async () => {
    const w = await world();
    const forged = orderCancelled();
    // Even an event the lake holds does not let one app's fault reach another app.
    await w.archive(forged, topics.orders);
    const attack = fault(apps.payments, topics.orders, delivered(forged, topics.orders));
    expect((await w.deliver(onDeadLetterTopic(attack, deadLetterTopicOf(apps.inventory)), deadLetterTopicOf(apps.inventory))).status).toBe(
      200,
    );

    const [recorded] = await w.faults();
    expect(recorded).toMatchObject({
      faultId: attack.faultId,
      kind: "contract",
      subscriber: apps.inventory,
      deadLetterTopic: deadLetterTopicOf(apps.inventory),
      declaredSubscriber: apps.payments,
      status: "open",
      refusal: { code: "subscriber-mismatch" },
    });
    expect(recorded!.reason).toMatch(
      /^the fault arrived on deadletter-inventory, the dead letters of inventory, but names payments as its subscriber/,
    );
    expect(recorded!.autoRedrive).toBeUndefined();
    expect(await w.deadLetters.scheduled()).toEqual([]);

    const byHand = await w.redriveByHand(attack.faultId);
    expect(byHand.status).toBe(409);
    expect(byHand.contentType).toMatch(/^application\/problem\+json/);
    expect(byHand.body).toMatchObject({ refusal: "subscriber-mismatch", final: true, faultId: attack.faultId });
    expect((byHand.body as { detail: string }).detail).toMatch(/arrived on deadletter-inventory.*names payments as its subscriber/);

    await redriverPass(w.deadLetters);
    expect(w.invoked).toEqual([]);
    expect((await w.faults())[0]?.status).toBe("open");
  });

  it("refuses a route that is not one of the subscriber's own subscriptions", async () => {
    const w = await world();
    const orderId = randomUUID();
    const reserved = createEvent(
      inventoryEventTypes.reserved,
      orderId,
      1,
      { orderId, customerId: "c1", total: 10, status: "reserved", lines: [{ sku: "sku-1", quantity: 1 }], shortages: [], processed: [] },
      { region, now: new Date(), newId: randomUUID, correlationId: orderId, causationId: null },
    );
    // inventory's own dead-letter topic, naming itself, but a route only payments and orders subscribe (the inventory topic).
    const f = fault(apps.inventory, topics.inventory, delivered(reserved, topics.inventory));
    await w.deliver(onDeadLetterTopic(f, deadLetterTopicOf(apps.inventory)), deadLetterTopicOf(apps.inventory));

    const byHand = await w.redriveByHand(f.faultId);
    expect(byHand.status).toBe(409);
    expect(byHand.body).toMatchObject({ refusal: "route-not-subscribed", final: true });
    expect((byHand.body as { detail: string }).detail).toBe(
      "inventory has no subscription delivering topic inventory to /events/inventory; a redrive goes only to its own subscriptions " +
        "(orders -> /events/orders, payments -> /events/payments, inventory-relay -> /events/inventory-relay)",
    );
    expect(w.invoked).toEqual([]);
    expect(w.lakeAsked).toEqual([]);
  });

  it("refuses an event type the subscription does not accept, and the redriver gives up on it at once", async () => {
    const w = await world();
    const orderId = randomUUID();
    const refunded = createEvent(
      paymentEventTypes.refunded,
      orderId,
      2,
      { orderId, amount: 10, status: "refunded", processed: [] },
      { region, now: new Date(), newId: randomUUID, correlationId: orderId, causationId: null },
    );
    await w.archive(refunded, topics.payments);
    // payments' own fault, its own orders route: but a payment event is no event of the orders topic.
    const recorded = await w.recordDue(
      onDeadLetterTopic(fault(apps.payments, topics.orders, delivered(refunded, topics.orders)), deadLetterTopicOf(apps.payments)),
      deadLetterTopicOf(apps.payments),
    );
    expect(recorded.autoRedrive).toBeDefined();

    await redriverPass(w.deadLetters);
    expect(w.invoked).toEqual([]);
    const [after] = await w.faults();
    expect(after?.refusal).toEqual({
      code: "type-not-accepted",
      reason: `io.meridian.payment.refunded is not an event of topic orders: payments's subscription /events/orders accepts only ${eventTypesOf(topics.orders).join(", ")}`,
    });
    expect(after?.autoRedrive).toMatchObject({ gaveUp: true, lastError: `refused: ${after!.refusal!.reason}` });
    expect(await w.deadLetters.scheduled()).toEqual([]);
  });

  it("refuses an event the lake never archived, and one that differs from what it archived", async () => {
    const w = await world();
    // payments' own fault, its own route, an accepted type: only the lake can tell it was never published.
    const forged = orderCancelled();
    const missing = await w.recordDue(
      onDeadLetterTopic(fault(apps.payments, topics.orders, delivered(forged, topics.orders)), deadLetterTopicOf(apps.payments)),
      deadLetterTopicOf(apps.payments),
    );
    const byHand = await w.redriveByHand(missing.faultId);
    expect(byHand.status).toBe(409);
    expect(byHand.body).toMatchObject({ refusal: "not-in-lake", final: false });
    expect((byHand.body as { detail: string }).detail).toMatch(new RegExp(`^the lake holds no event ${forged.id} of topic orders`));
    // Automatically: not final (the lake archives in batches), so tried again later; never invoked.
    await redriverPass(w.deadLetters);
    const [stillOpen] = await w.faults();
    expect(stillOpen?.autoRedrive).toMatchObject({ attempts: 1 });
    expect(stillOpen?.autoRedrive?.gaveUp).toBeUndefined();
    expect(stillOpen?.autoRedrive?.lastError).toMatch(/^the lake holds no event/);
    expect(w.lakeAsked).toEqual([`lake/subjects/${forged.subject}`, `lake/subjects/${forged.subject}`]);

    // The lake holds the order's real event under that id; the fault carries altered data.
    const genuine = orderCancelled();
    await w.archive(genuine, topics.orders);
    const altered = { ...genuine, data: { orderId: genuine.subject, reason: "payment-declined" } };
    const tampered = await w.recordDue(
      onDeadLetterTopic(fault(apps.payments, topics.orders, delivered(altered, topics.orders)), deadLetterTopicOf(apps.payments)),
      deadLetterTopicOf(apps.payments),
    );
    const refused = await w.redriveByHand(tampered.faultId);
    expect(refused.status).toBe(409);
    expect(refused.body).toMatchObject({ refusal: "differs-from-lake", final: true });
    expect((refused.body as { detail: string }).detail).toBe(
      `event ${genuine.id} is not the one the lake archived for topic orders (data differ): a redrive hands back only the event the subscriber was first given`,
    );
    expect(w.invoked).toEqual([]);
  });

  it("redrives a genuine fault to its subscriber's route with the original event, automatically and by hand", async () => {
    const w = await world();
    const event = orderCancelled();
    await w.archive(event, topics.orders);
    const cloudEvent = delivered(event, topics.orders);
    const recorded = await w.recordDue(
      onDeadLetterTopic(fault(apps.payments, topics.orders, cloudEvent), deadLetterTopicOf(apps.payments)),
      deadLetterTopicOf(apps.payments),
    );

    await redriverPass(w.deadLetters);
    expect(w.invoked).toEqual([{ app: apps.payments, method: "events/orders", body: cloudEvent, headers: { [redriveHeader]: "1" } }]);
    expect((await w.faults())[0]).toMatchObject({ faultId: recorded.faultId, status: "redriven", subscriber: apps.payments });

    const again = await w.redriveByHand(recorded.faultId);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ faultId: recorded.faultId, status: "redriven", subscriber: apps.payments });
    expect(w.invoked).toHaveLength(2);
    expect(w.invoked[1]?.body).toEqual(cloudEvent);
  });

  it("hands back a CloudEvent's attributes and data only: a smuggled bulk `entries` never reaches the subscriber", async () => {
    const w = await world();
    const event = orderCancelled();
    await w.archive(event, topics.orders);
    const cloudEvent = delivered(event, topics.orders);
    const smuggled = { ...cloudEvent, entries: [{ entryId: "1", event: delivered(orderCancelled(), topics.orders) }] };
    const recorded = await w.recordDue(
      onDeadLetterTopic(fault(apps.payments, topics.orders, smuggled), deadLetterTopicOf(apps.payments)),
      deadLetterTopicOf(apps.payments),
    );
    expect((await w.redriveByHand(recorded.faultId)).status).toBe(200);
    expect(w.invoked.map((i) => i.body)).toEqual([cloudEvent]);
  });

  it("records Dapr's own dead-lettering of a raw event as the topic's subscriber's, and checks it the same way", async () => {
    const w = await world();
    const event = orderCancelled();
    await w.archive(event, topics.orders);
    const raw = delivered(event, topics.orders);
    await w.deliver(raw, deadLetterTopicOf(apps.inventory));
    const [recorded] = await w.faults();
    expect(recorded).toMatchObject({
      subscriber: apps.inventory,
      route: "/events/orders",
      deadLetterTopic: deadLetterTopicOf(apps.inventory),
    });
    expect((await w.redriveByHand(recorded!.faultId)).status).toBe(200);
    expect(w.invoked).toEqual([{ app: apps.inventory, method: "events/orders", body: raw, headers: { [redriveHeader]: "1" } }]);
  });

  it("keeps another app's fault when a fault arrives under its id", async () => {
    const w = await world();
    const event = orderCancelled();
    const genuine = fault(apps.payments, topics.orders, delivered(event, topics.orders));
    await w.deliver(onDeadLetterTopic(genuine, deadLetterTopicOf(apps.payments)), deadLetterTopicOf(apps.payments));
    const clash = fault(apps.inventory, topics.orders, delivered(orderCancelled(), topics.orders), { faultId: genuine.faultId });
    await w.deliver(onDeadLetterTopic(clash, deadLetterTopicOf(apps.inventory)), deadLetterTopicOf(apps.inventory));

    const faults = await w.faults();
    expect(faults).toHaveLength(2);
    expect(faults.find((f) => f.faultId === genuine.faultId)).toMatchObject({ subscriber: apps.payments, status: "open" });
    const other = faults.find((f) => f.faultId !== genuine.faultId);
    expect(other).toMatchObject({ subscriber: apps.inventory });
    expect(other?.reason).toMatch(new RegExp(`arrived under fault id ${genuine.faultId}, which another subscriber's fault has`));
  });
});

describe("the redrive policy (pure)", () => {
  it("allows exactly the subscriptions that dead-letter to the topic a fault came on", () => {
    const own = subscriptions.filter((s) => s.app === apps.payments && s.deadLetterTopic !== undefined);
    expect(redriveRoutesOf(deadLetterTopicOf(apps.payments))).toEqual(own);
    expect(own.map((s) => s.route)).toEqual(["/events/inventory", "/events/orders", "/events/payments-relay"]);
    // order-view's subscriptions to the dead-letter topics never dead-letter: no fault may be redriven into them.
    expect(redriveRoutesOf(deadLetterTopicOf(apps.orderView)).map((s) => s.topic)).toEqual([topics.orders, replicaTopicOf(topics.orders)]);
  });

  it("knows which event types each kind of topic carries", () => {
    expect(eventTypesOf(relayTopicOf(topics.payments))).toEqual(Object.values(paymentEventTypes));
    expect(eventTypesOf(replicaTopicOf(topics.orders))).toEqual(Object.values(orderEventTypes));
    expect(eventTypesOf(deadLetterTopicOf(apps.payments))).toEqual([]);
  });

  it("asks the lake for every topic it archives, and spares only the replicator's own faults and a writer's own relay topic", () => {
    const of = (app: string, topic: string) => subscriptions.find((s) => s.app === app && s.topic === topic)!;
    expect(lakeRule(of(apps.orderView, replicaTopicOf(topics.orders)), true)).toEqual({ required: true, topic: topics.orders });
    expect(lakeRule(of(workflowApps.orderSaga, topics.orders), true)).toEqual({ required: true, topic: topics.orders });
    expect(lakeRule(of(apps.replicator, topics.orders), true).required).toBe(false);
    expect(lakeRule(of(apps.payments, relayTopicOf(topics.payments)), true).required).toBe(false);
    // A fault recorded before faults were bound to their topic: its subscriber is only what its body said.
    expect(lakeRule(of(apps.replicator, topics.orders), false)).toEqual({ required: true, topic: topics.orders });
  });

  it("refuses a fault whose declared subscriber disagrees with its topic even when every other check would pass", () => {
    const event = orderCancelled();
    const decided = redriveTarget({
      subscriber: apps.inventory,
      deadLetterTopic: deadLetterTopicOf(apps.inventory),
      declaredSubscriber: apps.payments,
      route: "/events/orders",
      topic: topics.orders,
      cloudEvent: delivered(event, topics.orders),
    });
    expect(decided).toEqual({ refusal: expect.objectContaining({ code: "subscriber-mismatch", final: true }) });
  });

  it("looks an order's event up by its order, anything else by its instant", () => {
    const cancelled = orderCancelled();
    expect(lakeQueryFor(cancelled)).toBe(`lake/subjects/${cancelled.subject}`);
    const level = createEvent(
      inventoryEventTypes.levelChanged,
      "sku 1",
      7,
      { sku: "sku 1", available: 3, reserved: 1 },
      { region, now: new Date("2026-03-01T10:00:00.123Z"), newId: randomUUID, correlationId: "c", causationId: null },
    );
    expect(lakeQueryFor(level)).toBe("lake/events?from=2026-03-01T10%3A00%3A00.123Z&to=2026-03-01T10%3A00%3A00.124Z");
  });

  it("keeps a CloudEvent's scalar attributes and its data", () => {
    expect(redeliverable({ id: "1", time: "t", n: 1, b: true, none: null, data: { x: 1 }, entries: [], extra: { y: 2 } })).toEqual({
      id: "1",
      time: "t",
      n: 1,
      b: true,
      none: null,
      data: { x: 1 },
    });
  });
});
