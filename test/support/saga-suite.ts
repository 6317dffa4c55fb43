import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { projectRoot } from "../../platform/paths.js";
import { appMetrics } from "../../observability/metrics.js";
import { type SagaStyle, regionSubscriptions, topics, workflowApps } from "../../platform/topology.js";
import { sagaCommands } from "../../services/shared/saga/messages.js";
import { orderIdForKey } from "../../services/gateway/idempotency.js";
import { sumCounter } from "../../scripts/bench/metrics-text.js";
import type { LocalProfiles } from "../../scripts/local/profiles.js";
import { everyApp } from "../../scripts/local/replicas.js";
import type { SystemHandle } from "../../scripts/local/system.js";
import { adminCall, call } from "./http.js";
import { ordersApi } from "./orders-api.js";
import { deliverAgain } from "./replay.js";
import { eventually, isAlive, startTestSystem } from "./system.js";

const finalStatuses = ["confirmed", "rejected", "cancelled"];

/** The orchestrated saga's payment deadline in these tests: short, yet far above a loaded provider's answer. */
const paymentTimeoutSeconds = 20;

/**
 * The saga against real daprd and the broker and state store of the given profiles (started, or
 * made sure of, by the local runner). Each test uses its own SKUs and customers, so tests do not
 * see each other's stock.
 */
export function sagaSuite(profiles: LocalProfiles, options: { readonly replicas?: number; readonly saga?: SagaStyle } = {}): void {
  const replicas = options.replicas ?? 1;
  const style = options.saga ?? "choreography";
  const orchestrated = style === "orchestration";
  /**
   * Tests whose meaning is one style's own (a subscriber's handler failing; the workflow app
   * killed): registered only where they apply, so a run lists no skips that mean nothing.
   */
  const only =
    (applies: boolean) =>
    (name: string, fn: () => Promise<void>, timeout?: number): void => {
      if (applies) it(name, fn, timeout);
    };
  const choreographyOnly = only(!orchestrated);
  const orchestrationOnly = only(orchestrated);
  const label = `${replicas > 1 ? `, every app at ${replicas} replicas` : ""}${orchestrated ? ", orchestrated (Dapr Workflow)" : ""}`;
  describe(`saga on pub/sub ${profiles.pubsub}, state ${profiles.state}${label}`, () => {
    let system: SystemHandle;
    let pids: number[] = [];
    let api: ReturnType<typeof ordersApi>;
    const sku = (label: string) => `${label}-${randomUUID().slice(0, 8)}`;

    beforeAll(async () => {
      system = await startTestSystem(["east"], {
        profiles,
        replicas: everyApp(replicas),
        ...(orchestrated
          ? {
              workflows: { placement: inject("placement"), scheduler: inject("scheduler") },
              saga: { east: "orchestration" },
              serviceEnv: { SAGA_PAYMENT_TIMEOUT_SECONDS: String(paymentTimeoutSeconds) },
            }
          : {}),
      });
      pids = system.group.pids;
      // A POST slower than the gateway's invoke timeout answers 503 ("the order may have been
      // placed"): seen with 100 orders at once on a loaded 2-core machine, every app at 2 replicas
      // on PostgreSQL. A client retries with its key, as documented; the suite's checks then also
      // prove that the retry neither doubles nor loses an order.
      api = ordersApi(system.region("east"), { retry503: 3 });
    });

    afterAll(async () => {
      await system?.stop();
      expect(pids.filter(isAlive)).toEqual([]);
    });

    it("happy path: stock reserved, payment authorised, order confirmed", async () => {
      const s = sku("happy");
      await api.setStock(s, 10);
      const id = await api.place("happy", [{ sku: s, quantity: 3, unitPrice: 20 }]);
      const order = await api.settled(id, finalStatuses);
      expect(order).toMatchObject({ status: "confirmed", version: 2, total: 60 });
      expect(await api.stock(s)).toEqual({ sku: s, available: 7, reserved: 3 });
      expect(await api.payment(id)).toMatchObject({ status: "authorized", amount: 60 });
      const history = (await api.events(id)).body as { events: { type: string; causationId: string | null }[] };
      expect(history.events.map((e) => e.type)).toEqual(["io.meridian.order.placed", "io.meridian.order.confirmed"]);
      expect(history.events[1]?.causationId).toBeTruthy();
    });

    it("stock rejection: an order larger than the stock is rejected and reserves nothing", async () => {
      const s = sku("short");
      await api.setStock(s, 2);
      const id = await api.place("short", [{ sku: s, quantity: 3, unitPrice: 1 }]);
      expect(await api.settled(id, finalStatuses)).toMatchObject({ status: "rejected" });
      expect(await api.stock(s)).toEqual({ sku: s, available: 2, reserved: 0 });
      expect(await api.payment(id)).toBeUndefined();
    });

    it("payment decline: the order is cancelled and the stock goes back to its level", async () => {
      const s = sku("decline");
      await api.setStock(s, 5);
      const id = await api.place("decline", [{ sku: s, quantity: 2, unitPrice: 3000 }]);
      expect(await api.settled(id, finalStatuses)).toMatchObject({ status: "cancelled", total: 6000 });
      expect(await api.payment(id)).toMatchObject({ status: "declined" });
      await eventually(
        () => api.stock(s),
        (l) => l.available === 5 && l.reserved === 0,
      );
    });

    it("user cancel: a confirmed order is cancelled, its stock released and its payment refunded", async () => {
      const s = sku("cancel");
      await api.setStock(s, 4);
      const id = await api.place("cancel", [{ sku: s, quantity: 4, unitPrice: 10 }]);
      await api.settled(id, ["confirmed"]);
      const cancelled = await api.cancel(id);
      expect(cancelled.status).toBe(202);
      expect(cancelled.body).toMatchObject({ orderId: id, status: "cancelled" });
      await api.settled(id, ["cancelled"]);
      await eventually(
        () => api.payment(id),
        (p) => p?.status === "refunded",
      );
      await eventually(
        () => api.stock(s),
        (l) => l.available === 4 && l.reserved === 0,
      );
      const again = await api.cancel(id);
      expect(again.status).toBe(409);
      expect((again.body as { detail: string }).detail).toMatch(/already cancelled/);
    });

    it("time travel: ?at= gives the state the order had then", async () => {
      const s = sku("travel");
      await api.setStock(s, 1);
      const id = await api.place("travel", [{ sku: s, quantity: 1, unitPrice: 1 }]);
      await api.settled(id, ["confirmed"]);
      const { events } = (await api.events(id)).body as { events: { occurredAt: string }[] };
      const then = await api.events(id, events[0]!.occurredAt);
      expect(then.body).toMatchObject({ state: { status: "pending", version: 1 } });
      expect((await api.events(id, "2000-01-01T00:00:00Z")).body).toMatchObject({ events: [], state: null });
      expect((await api.events(id, "yesterday")).status).toBe(400);
    });

    it("100 concurrent orders for a SKU with stock 10: exactly 10 confirmed, no unit oversold, created or lost", async () => {
      const s = sku("rush");
      await api.setStock(s, 10);
      const ids = await Promise.all(Array.from({ length: 100 }, (_, i) => api.place(`rush-${i}`, [{ sku: s, quantity: 1, unitPrice: 5 }])));
      const orders = await Promise.all(ids.map((id) => api.settled(id, finalStatuses, 90_000)));
      const count = (status: string) => orders.filter((o) => o.status === status).length;
      // What can really go wrong under contention: two reservations from one unit (more confirmed
      // than stock), or a unit lost between available and reserved. A negative level cannot be
      // written at all (its contract refuses it), so watching for one would prove nothing.
      expect(count("confirmed")).toBe(10);
      expect(count("rejected")).toBe(90);
      const level = await api.stock(s);
      expect(level.reserved).toBe(count("confirmed"));
      expect(level.available + level.reserved).toBe(10);
      expect(level).toEqual({ sku: s, available: 0, reserved: 10 });
    });

    const twice = orchestrated
      ? "every event delivered twice and every saga step run again: the same final state"
      : "every event delivered twice: the same final state, and the duplicates are counted";
    it(twice, async () => {
      const region = system.region("east");
      const since = new Date();
      const s = sku("dup");
      await api.setStock(s, 5);
      const ids = [
        await api.place("dup", [{ sku: s, quantity: 2, unitPrice: 10 }]),
        await api.place("dup", [{ sku: s, quantity: 9, unitPrice: 10 }]),
        await api.place("dup", [{ sku: s, quantity: 1, unitPrice: 9000 }]),
      ];
      const before = await Promise.all(ids.map((id) => api.settled(id, finalStatuses)));
      await eventually(
        () => api.stock(s),
        (l) => l.available === 3 && l.reserved === 2,
      );
      const payments = await Promise.all(ids.map((id) => api.payment(id)));
      const duplicatesBefore = await duplicatesCounted(system);

      // Deliver every message of the saga's topics a second time.
      const replayed = await deliverAgain(region, [topics.orders, topics.inventory, topics.payments], since);
      expect(replayed).toBeGreaterThan(0);
      if (orchestrated) {
        // Orchestrated, the subscriptions leave saga events alone; what repeats is an activity
        // (run again after a crash, or a workflow replayed): every command once more, with the
        // very inputs the workflow gave it, changes nothing either.
        for (const id of ids) await runSagaAgain(system, id);
        await new Promise((r) => setTimeout(r, 1000));
      } else {
        // Each replayed message is recognised by every subscriber it reaches and dropped.
        await eventually(
          () => duplicatesCounted(system),
          (n) => n >= duplicatesBefore + replayed,
          60_000,
          250,
        );
      }
      expect(await Promise.all(ids.map((id) => api.get(id)))).toEqual(before);
      expect(await api.stock(s)).toEqual({ sku: s, available: 3, reserved: 2 });
      expect(await Promise.all(ids.map((id) => api.payment(id)))).toEqual(payments);
    });

    it("a service killed mid-saga: after its restart every saga completes, nothing lost or doubled", async () => {
      const s = sku("crash");
      await api.setStock(s, 20);
      const ids = await Promise.all(
        Array.from({ length: 10 }, (_, i) => api.place(`crash-${i}`, [{ sku: s, quantity: 1, unitPrice: 10 }])),
      );
      // SIGKILL: no graceful shutdown, deliveries in flight are lost to it and must be redelivered.
      await system.restart("east", "inventory", "both");
      await system.restart("east", "payments", "service");
      // What the killed sidecar held comes back after the broker's in-hand timeout (60 s on Redis
      // and JetStream), and then the saga's hops; a hop that fails through a restart is retried for
      // up to 48 s, then dead-lettered and redriven with backoff. JetStream on MariaDB took 92.6 s
      // once, and one order on JetStream was still pending at 120 s in a clean-clone run: the bound
      // is how long the test waits, not what the system guarantees (the redriver keeps at it).
      await expectAllConfirmedOnce(api, s, ids, 180_000);
    }, 240_000);

    it("a cancel overtaking the order: cancelled, nothing reserved or charged in the end", async () => {
      const s = sku("overtake");
      await api.setStock(s, 3);
      const id = await api.place("overtake", [{ sku: s, quantity: 2, unitPrice: 10 }]);
      // At once: the saga may not have reserved yet (a tombstone then refuses the late step). On a
      // fast store the saga can also win the race and confirm first; the cancel then refunds. Either
      // way the stream ends cancelled, with nothing between but the confirmation.
      const cancelled = await api.cancel(id);
      expect(cancelled.status).toBe(202);
      expect(await api.settled(id, ["cancelled"])).toMatchObject({ status: "cancelled" });
      const history = (await api.events(id)).body as { events: { type: string }[] };
      expect([
        ["io.meridian.order.placed", "io.meridian.order.cancelled"],
        ["io.meridian.order.placed", "io.meridian.order.confirmed", "io.meridian.order.cancelled"],
      ]).toContainEqual(history.events.map((e) => e.type));
      await eventually(
        () => api.stock(s),
        (l) => l.available === 3 && l.reserved === 0,
        30_000,
      );
      await eventually(
        () => api.payment(id),
        (p) => p !== undefined && ["voided", "refunded"].includes(p.status),
        30_000,
      );
      // Nothing arrives late: still the same a while after.
      await new Promise((r) => setTimeout(r, 1500));
      expect(await api.stock(s)).toEqual({ sku: s, available: 3, reserved: 0 });
      expect(["voided", "refunded"]).toContain((await api.payment(id))?.status);
    });

    orchestrationOnly(
      "a payment that does not answer in time: the order is cancelled, its stock released, and the late payment voided",
      async () => {
        const s = sku("timeout");
        await api.setStock(s, 4);
        await system.kill("east", "payments", "service");
        let id: string;
        try {
          id = await api.place("timeout", [{ sku: s, quantity: 3, unitPrice: 10 }]);
          await eventually(
            () => api.stock(s),
            (l) => l.reserved === 3,
          );
          const order = await api.settled(id, ["cancelled"], (paymentTimeoutSeconds + 20) * 1000);
          expect(order).toMatchObject({ status: "cancelled", version: 2 });
          const { events } = (await api.events(id)).body as { events: { type: string; data: { reason?: string } }[] };
          expect(events[1]).toMatchObject({ type: "io.meridian.order.cancelled", data: { reason: "payment-timeout" } });
          await eventually(
            () => api.stock(s),
            (l) => l.available === 4 && l.reserved === 0,
          );
        } finally {
          await system.revive("east", "payments", "service");
        }
        // The provider comes back: the authorisation still in flight finds the void (or is refunded).
        await eventually(
          () => api.payment(id),
          (p) => p !== undefined && ["voided", "refunded"].includes(p.status),
          60_000,
        );
        expect(await api.stock(s)).toEqual({ sku: s, available: 4, reserved: 0 });
      },
      120_000,
    );

    orchestrationOnly("the workflow app and its sidecar killed mid-saga: every saga resumes and completes, nothing doubled", async () => {
      const s = sku("wfcrash");
      await api.setStock(s, 20);
      // Hold every saga at its first step (inventory is down: the reserve activity keeps calling),
      // so the kill lands mid-saga, before any payment deadline is set.
      await system.kill("east", "inventory", "service");
      let ids: string[];
      try {
        ids = await Promise.all(Array.from({ length: 10 }, (_, i) => api.place(`wfcrash-${i}`, [{ sku: s, quantity: 1, unitPrice: 10 }])));
        // SIGKILL: the scheduler and the actor state store hold the sagas' progress.
        await system.kill("east", workflowApps.orderSaga, "both");
        try {
          // Mid-saga indeed: every order's own stream still says pending.
          const streams = await Promise.all(ids.map((id) => api.events(id)));
          expect(streams.map((r) => (r.body as { state: { status: string } }).state.status)).toEqual(Array(10).fill("pending"));
        } finally {
          await system.revive("east", workflowApps.orderSaga, "both");
        }
      } finally {
        await system.revive("east", "inventory", "service");
      }
      await expectAllConfirmedOnce(api, s, ids, 90_000);
    });

    it("a stored v1 order.placed still reads correctly, upcast to v2", async () => {
      const region = system.region("east");
      const orderId = randomUUID();
      const v1 = {
        id: randomUUID(),
        type: "io.meridian.order.placed",
        schemaVersion: 1,
        subject: orderId,
        aggregateVersion: 1,
        occurredAt: "2025-06-01T10:00:00.000Z",
        originRegion: "east",
        correlationId: orderId,
        causationId: null,
        data: {
          orderId,
          customerId: "legacy",
          items: [{ sku: "old", quantity: 1, unitPrice: 7 }],
          total: 7,
          homeRegion: "east",
          requestHash: "b".repeat(64),
        },
      };
      // Written as an older release wrote it: straight into the event store, no outbox.
      const saved = await call(`http://127.0.0.1:${region.apps.orders.daprHttpPort}/v1.0/state/orders-store`, {
        method: "POST",
        headers: { "content-type": "application/json", "dapr-api-token": region.apps.orders.daprApiToken },
        body: JSON.stringify([{ key: `order-${orderId}`, value: { events: [v1] } }]),
      });
      expect(saved.status).toBe(204);
      api.owns(orderId, "legacy");
      const read = await api.events(orderId);
      expect(read.body).toMatchObject({ state: { orderId, status: "pending", total: 7, currency: "EUR", version: 1 } });
    });

    it("rebuilding the read model by replay gives exactly the live result", async () => {
      const region = system.region("east");
      const s = sku("rebuild");
      await api.setStock(s, 3);
      const customer = `rebuild-${randomUUID().slice(0, 8)}`;
      const ids = [
        await api.place(customer, [{ sku: s, quantity: 1, unitPrice: 10 }]),
        await api.place(customer, [{ sku: s, quantity: 5, unitPrice: 10 }]),
        await api.place(customer, [{ sku: s, quantity: 1, unitPrice: 6000 }]),
      ];
      await Promise.all(ids.map((id) => api.settled(id, finalStatuses)));
      const live = await Promise.all(ids.map((id) => api.get(id)));
      const liveList = (await api.list(customer)).body;

      // Lose the read model: the views and the customer's index go. The outbox's late copies of
      // the events (a second after the ones published on commit) would bring a view back, so
      // delete until nothing recreates them.
      const view = region.apps["order-view"];
      const loseReadModel = async (): Promise<unknown[]> => {
        for (const key of [...ids.map((id) => `order-${id}`), `customer-${customer}`]) {
          const deleted = await call(`http://127.0.0.1:${view.daprHttpPort}/v1.0/state/view-store/${key}`, {
            method: "DELETE",
            headers: { "dapr-api-token": view.daprApiToken },
          });
          expect(deleted.status).toBe(204);
        }
        await new Promise((r) => setTimeout(r, 1500));
        return Promise.all(ids.map((id) => api.get(id)));
      };
      await eventually(loseReadModel, (views) => views.every((v) => v === undefined), 30_000, 0);

      // The documented command, as an operator runs it.
      // Run asynchronously: a blocked event loop leaves this process's pooled keep-alive
      // connections to the gateway stale, and the next request met "other side closed".
      const run = await promisify(execFile)(
        process.execPath,
        [join(projectRoot, "dist/scripts/ops/rebuild-view.js"), "--admin-url", region.adminUrl],
        {
          encoding: "utf8",
          env: { ...process.env, ADMIN_TOKEN: region.adminToken },
          timeout: 120_000,
        },
      );
      expect(run.stdout).toMatch(/"status":"done"/);
      // The same orders; only when the views were written differs.
      const unstamped = (o: unknown): unknown => {
        const { projectedAt: _when, ...rest } = o as Record<string, unknown>;
        return rest;
      };
      expect((await Promise.all(ids.map((id) => api.get(id)))).map(unstamped)).toEqual(live.map(unstamped));
      const list = (await api.list(customer)).body as { orders: unknown[] };
      expect({ ...list, orders: list.orders.map(unstamped) }).toEqual({
        ...(liveList as { orders: unknown[] }),
        orders: (liveList as { orders: unknown[] }).orders.map(unstamped),
      });
    });

    it("a poison event is dead-lettered with its reason, counted, and listed", async () => {
      const region = system.region("east");
      const orders = region.apps.orders;
      // A malformed order event, published straight to the topic by the orders sidecar.
      const poison = { id: randomUUID(), type: "io.meridian.order.placed", schemaVersion: 1, subject: "x", data: { nonsense: true } };
      const published = await call(`http://127.0.0.1:${orders.daprHttpPort}/v1.0/publish/pubsub/${topics.orders}`, {
        method: "POST",
        headers: { "content-type": "application/json", "dapr-api-token": orders.daprApiToken },
        body: JSON.stringify(poison),
      });
      expect(published.status).toBe(204);
      // Every subscriber of the topic where this region runs: order-saga too when orchestrated.
      const subscribers = regionSubscriptions(options.saga === "orchestration")
        .filter((s) => s.topic === topics.orders && s.pubsub === "pubsub")
        .map((s) => s.app)
        .sort();
      const list = await eventually(
        () => adminCall(region, "/admin/dead-letters"),
        (a) =>
          ((a.body as { faults: { cloudEvent: { data?: { id?: string } } }[] }).faults ?? []).filter(
            (f) => f.cloudEvent.data?.id === poison.id,
          ).length >= subscribers.length,
      );
      const faults = (
        list.body as { faults: { kind: string; reason: string; subscriber: string; cloudEvent: { data?: { id?: string } } }[] }
      ).faults.filter((f) => f.cloudEvent.data?.id === poison.id);
      // Every subscriber of the topic rejected it on contract grounds, and said why.
      expect(faults.map((f) => f.subscriber).sort()).toEqual(subscribers);
      expect(subscribers).toEqual(expect.arrayContaining(["inventory", "order-view", "payments", "replicator"]));
      for (const f of faults) {
        expect(f.kind).toBe("contract");
        expect(f.reason).toMatch(/event envelope invalid/);
      }
      // Counted by whichever inventory replica the fault reached.
      const metrics = await Promise.all(region.replicas.inventory.map((a) => call(`http://127.0.0.1:${a.appPort}/metrics`)));
      expect(metrics.map((m) => String(m.body)).join("\n")).toMatch(
        /meridian_dead_letters_total\{[^}]*topic="orders"[^}]*kind="contract"[^}]*\} [1-9]/,
      );
    });

    choreographyOnly(
      "a delivery that keeps failing is retried, dead-lettered with the error, and can be redriven",
      async () => {
        const region = system.region("east");
        // A stock.rejected for an order this region does not know (yet): orders fails it on every attempt.
        const key = `ghost-${randomUUID()}`;
        const orderId = orderIdForKey("east", "ghost", key);
        const event = {
          id: randomUUID(),
          type: "io.meridian.stock.rejected",
          schemaVersion: 1,
          subject: orderId,
          aggregateVersion: 1,
          occurredAt: new Date().toISOString(),
          originRegion: "east",
          correlationId: orderId,
          causationId: null,
          data: {
            orderId,
            customerId: "ghost",
            total: 1,
            status: "rejected",
            lines: [{ sku: "g", quantity: 1 }],
            shortages: ["g"],
            processed: [],
          },
        };
        const published = await call(`http://127.0.0.1:${region.apps.inventory.daprHttpPort}/v1.0/publish/pubsub/${topics.inventory}`, {
          method: "POST",
          headers: { "content-type": "application/json", "dapr-api-token": region.apps.inventory.daprApiToken },
          body: JSON.stringify(event),
        });
        expect(published.status).toBe(204);
        type Listed = {
          faultId: string;
          kind: string;
          reason: string;
          subscriber: string;
          attempts: number;
          status: string;
          cloudEvent: { data?: { id?: string } };
        };
        const find = async () =>
          ((await adminCall(region, "/admin/dead-letters")).body as { faults: Listed[] }).faults.find(
            (f) => f.cloudEvent.data?.id === event.id,
          );
        // The sidecar retries for up to 48 s first (deliveryRetry), then the fault is recorded.
        const fault = (await eventually(find, (f) => f !== undefined, 90_000))!;
        expect(fault).toMatchObject({ kind: "handler", subscriber: "orders", status: "open" });
        expect(fault.reason).toMatch(/unknown order/);
        expect(fault.attempts).toBeGreaterThanOrEqual(4);
        // Still unknown: the redrive is refused by the subscriber and the fault stays open.
        const refused = await adminCall(region, `/admin/dead-letters/${fault.faultId}/redrive`, { method: "POST" });
        expect(refused.status).toBeGreaterThanOrEqual(400);
        expect((await find())?.status).toBe("open");

        // The cause is fixed (the order now exists, and its own saga rejects it for stock): the
        // redrive is accepted, and being idempotent it changes nothing that already happened.
        await api.place("ghost", [{ sku: `none-${randomUUID().slice(0, 8)}`, quantity: 1, unitPrice: 1 }], key);
        await api.settled(orderId, ["rejected"]);
        const before = (await api.events(orderId)).body;
        const redriven = await adminCall(region, `/admin/dead-letters/${fault.faultId}/redrive`, { method: "POST" });
        expect(redriven.status, JSON.stringify(redriven.body)).toBe(200);
        expect(redriven.body).toMatchObject({ faultId: fault.faultId, status: "redriven", subscriber: "orders" });
        expect((await find())?.status).toBe("redriven");
        expect((await api.events(orderId)).body).toEqual(before);
      },
      240_000,
    );
  });
}

/**
 * Every step of an order's orchestrated saga once more, through the workflow app's own sidecar
 * (the only caller the `commands` policy admits), with the inputs the workflow gave them.
 */
async function runSagaAgain(system: SystemHandle, orderId: string): Promise<void> {
  const saga = system.region("east").workflowApps[workflowApps.orderSaga]!;
  const command = async (app: string, method: string, body: unknown) => {
    const res = await call(`http://127.0.0.1:${saga.daprHttpPort}/v1.0/invoke/${app}/method/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", "dapr-api-token": saga.daprApiToken },
      body: JSON.stringify(body),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    return res.body as { record: { type: string } | null };
  };
  const { events } = (await ordersApi(system.region("east")).events(orderId)).body as { events: unknown[] };
  const reservation = (await command("inventory", sagaCommands.reserve, events[0])).record;
  if (reservation?.type === "io.meridian.stock.rejected") {
    await command("orders", sagaCommands.advanceOrder, reservation);
    return;
  }
  const payment = (await command("payments", sagaCommands.authorize, reservation)).record;
  await command("orders", sagaCommands.advanceOrder, payment);
  if (payment?.type === "io.meridian.payment.declined") await command("inventory", sagaCommands.release, payment);
}

/** The duplicates counter summed over every replica of every service of the region. */
async function duplicatesCounted(system: SystemHandle): Promise<number> {
  let total = 0;
  for (const app of Object.values(system.region("east").replicas).flat()) {
    const text = String((await call(`http://127.0.0.1:${app.appPort}/metrics`)).body);
    total += sumCounter(text, appMetrics.duplicates.name);
  }
  return total;
}

/**
 * Ten sagas of one unit at 10 each, after a kill: every order confirmed, the ten units reserved
 * and paid for exactly once, and each order's history placed then confirmed, nothing written twice.
 */
async function expectAllConfirmedOnce(
  api: ReturnType<typeof ordersApi>,
  sku: string,
  ids: readonly string[],
  timeoutMs: number,
): Promise<void> {
  const orders = await Promise.all(ids.map((id) => api.settled(id, finalStatuses, timeoutMs)));
  expect(orders.map((o) => o.status)).toEqual(Array(ids.length).fill("confirmed"));
  expect(await api.stock(sku)).toEqual({ sku, available: 10, reserved: 10 });
  const payments = await Promise.all(ids.map((id) => api.payment(id)));
  expect(payments.every((p) => p?.status === "authorized" && p.amount === 10)).toBe(true);
  for (const id of ids) {
    const { events } = (await api.events(id)).body as { events: { type: string }[] };
    expect(events.map((e) => e.type)).toEqual(["io.meridian.order.placed", "io.meridian.order.confirmed"]);
  }
}
