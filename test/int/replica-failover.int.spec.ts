import { randomUUID } from "node:crypto";
import { setPrice } from "../../scripts/local/operator.js";
import { describe, expect, it } from "vitest";
import { everyApp } from "../../scripts/local/replicas.js";
import { postJson } from "../support/http.js";
import { ordersApi, signedIn } from "../support/orders-api.js";
import { useTestSystem } from "../support/system.js";

const finalStatuses = ["confirmed", "rejected", "cancelled"];
const ctx = useTestSystem(["east"], { replicas: everyApp(2) });

describe("every app at two replicas: one replica of orders and one of inventory die under load", () => {
  it("loses nothing, doubles nothing, and every order ends final", async () => {
    const system = ctx.system;
    const api = ordersApi(system.region("east"));
    const sku = `failover-${randomUUID().slice(0, 8)}`;
    const stock = 1000;
    await api.setStock(sku, stock);
    await setPrice(system.region("east"), sku, 5);

    // Orders keep arriving for about six seconds; halfway through, the second replica of orders
    // and of inventory are killed (SIGKILL, service and sidecar): whatever they held in flight
    // must be finished by the replicas that remain, once the broker hands it on.
    // As a client must: a 503 (its request may have met the dying replica) is retried with the
    // same Idempotency-Key, which never places an order twice.
    const gateway = system.region("east").gatewayUrl;
    let retried = 0;
    const place = async (customerId: string, quantity: number): Promise<string> => {
      const key = randomUUID();
      for (let attempt = 1; ; attempt++) {
        const res = await postJson(
          `${gateway}/orders`,
          { items: [{ sku, quantity, unitPrice: 5 }] },
          { ...(await signedIn(system.region("east"), customerId)), "Idempotency-Key": key },
        );
        if (res.status === 202) {
          const { orderId } = res.body as { orderId: string };
          api.owns(orderId, customerId);
          return orderId;
        }
        expect(res.status, JSON.stringify(res.body)).toBe(503);
        expect(attempt).toBeLessThan(30);
        retried++;
        await new Promise((r) => setTimeout(r, 500));
      }
    };
    const placed: Promise<string>[] = [];
    const load = (async () => {
      for (let i = 0; i < 60; i++) {
        placed.push(place(`failover-${i % 7}`, 1 + (i % 3)));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await new Promise((r) => setTimeout(r, 3000));
    await Promise.all([system.kill("east", "orders", "both", 1), system.kill("east", "inventory", "both", 1)]);
    await load;
    const ids = await Promise.all(placed);
    expect(new Set(ids).size).toBe(60);
    // A few placements meet the dying replica (1 of 60 in the runs so far); none is lost.
    expect(retried).toBeLessThan(30);

    // A killed sidecar's unacknowledged deliveries come back after the broker's processing timeout (60 s).
    const orders = await Promise.all(ids.map((id) => api.settled(id, finalStatuses, 150_000)));
    expect(orders.every((o) => o.status === "confirmed")).toBe(true);

    for (const id of ids) {
      const { events } = (await api.events(id)).body as { events: { type: string; aggregateVersion: number }[] };
      // Each version once, and exactly one outcome per order: nothing written twice.
      expect(events.map((e) => e.aggregateVersion)).toEqual(events.map((_e, i) => i + 1));
      expect(events.filter((e) => e.type.endsWith(".confirmed"))).toHaveLength(1);
      expect(await api.payment(id)).toMatchObject({ status: "authorized" });
    }
    // Every unit accounted for: what was reserved is exactly what the confirmed orders asked for.
    const wanted = orders.reduce((sum, o) => sum + o.total / 5, 0);
    expect(await api.stock(sku)).toEqual({ sku, available: stock - wanted, reserved: wanted });
  }, 240_000);
});
