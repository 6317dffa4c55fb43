import { describe, expect, inject, it } from "vitest";
import type { SagaStyle } from "../../platform/topology.js";
import { type LocalProfiles, defaultProfiles } from "../../scripts/local/profiles.js";
import { adminCall, call } from "./http.js";
import { ordersApi } from "./orders-api.js";
import { eventually, useTestSystem } from "./system.js";
import { eventTypePrefix } from "../../services/shared/events/event-types.js";

/** Replication between two regions through the peer links of a pub/sub profile. */
export function replicationSuite(
  profiles: LocalProfiles = defaultProfiles,
  options: { readonly saga?: Record<string, SagaStyle> } = {},
): void {
  const orchestrated = Object.entries(options.saga ?? {}).filter(([, style]) => style === "orchestration");
  const label = orchestrated.length > 0 ? `, orchestrated in ${orchestrated.map(([r]) => r).join(", ")}` : "";

  describe(`replication between regions (pub/sub ${profiles.pubsub}, state ${profiles.state}${label})`, () => {
    // Inside the describe, so a file that runs other suites starts this system only for these tests.
    const ctx = useTestSystem(["east", "west"], {
      profiles,
      ...(options.saga ? { saga: options.saga, workflows: { placement: inject("placement"), scheduler: inject("scheduler") } } : {}),
    });

    it("an order placed in east reaches west with the same status and version, and triggers nothing there", async () => {
      const east = ordersApi(ctx.system.region("east"));
      const west = ordersApi(ctx.system.region("west"));
      const sku = `mr-${Date.now()}`;
      await east.setStock(sku, 5);
      await west.setStock(sku, 5);
      const id = await east.place("mr", [{ sku, quantity: 2, unitPrice: 10 }]);
      const home = await east.settled(id, ["confirmed"]);
      const replica = await eventually(
        () => west.get(id),
        (o) => o?.version === home.version,
        20_000,
      );
      // The same order in both read models; only when each region's view changed differs.
      const { projectedAt: _west, ...replicaOrder } = replica as typeof replica & { projectedAt?: string };
      const { projectedAt: _east, ...homeOrder } = home as typeof home & { projectedAt?: string };
      expect(replicaOrder).toEqual(homeOrder);
      // West keeps its own stock and charges nothing for an order it does not own.
      expect(await west.stock(sku)).toEqual({ sku, available: 5, reserved: 0 });
      expect(await west.payment(id)).toBeUndefined();
      expect(await east.payment(id)).toMatchObject({ status: "authorized" });
      // The history is the same everywhere, each event once, with its origin tag.
      const history = (await west.events(id)).body as { events: { type: string; originRegion: string }[] };
      expect(history.events.map((e) => [e.type, e.originRegion])).toEqual([
        ["io.meridian.order.placed", "east"],
        ["io.meridian.order.confirmed", "east"],
      ]);
    });

    it("replicates both ways without loops: both regions converge on the same digest", async () => {
      const east = ordersApi(ctx.system.region("east"));
      const west = ordersApi(ctx.system.region("west"));
      const sku = `both-${Date.now()}`;
      await east.setStock(sku, 10);
      await west.setStock(sku, 10);
      const ids = [
        await east.place("both", [{ sku, quantity: 1, unitPrice: 1 }]),
        await west.place("both", [{ sku, quantity: 1, unitPrice: 1 }]),
      ];
      await Promise.all([east.settled(ids[0]!, ["confirmed"]), west.settled(ids[1]!, ["confirmed"])]);
      const digests = await eventually(
        () =>
          Promise.all(
            ctx.system.regions.map(
              async (r) => (await adminCall(r, "/admin/digest")).body as { digest: string; byStatus: Record<string, number> },
            ),
          ),
        ([a, b]) => a!.digest === b!.digest && !a!.byStatus["pending"],
        20_000,
      );
      expect(digests[0]!.digest).toBe(digests[1]!.digest);
      // Each event is archived once per region in the event lake, however many routes it took:
      // the home region also holds the order's stock and payment events, which stay regional.
      type Lake = { events: { id: string; type: string }[] };
      for (const region of ctx.system.regions) {
        // The lake archives what its region's topics carry, a moment after the stream has it.
        const lake = (
          await eventually(
            () => adminCall(region, `/admin/lake/orders/${ids[0]}`),
            (a) => (a.body as Lake).events.some((e) => e.type === "io.meridian.order.confirmed"),
          )
        ).body as Lake;
        expect(new Set(lake.events.map((e) => e.id)).size).toBe(lake.events.length);
        expect(lake.events.filter((e) => e.type.startsWith(`${eventTypePrefix}order.`)).map((e) => e.type)).toEqual([
          "io.meridian.order.placed",
          "io.meridian.order.confirmed",
        ]);
      }
      const homeLake = (
        await eventually(
          () => adminCall(ctx.system.region("east"), `/admin/lake/orders/${ids[0]}`),
          (a) => (a.body as Lake).events.length === 4,
        )
      ).body as Lake;
      expect(homeLake.events.map((e) => e.type).sort()).toEqual([
        "io.meridian.order.confirmed",
        "io.meridian.order.placed",
        "io.meridian.payment.authorized",
        "io.meridian.stock.reserved",
      ]);
    });

    it("refuses commands for an order outside its home region: 503 with Retry-After, naming the home", async () => {
      const east = ordersApi(ctx.system.region("east"));
      const west = ordersApi(ctx.system.region("west"));
      const sku = `own-${Date.now()}`;
      await east.setStock(sku, 1);
      const id = await east.place("own", [{ sku, quantity: 1, unitPrice: 1 }]);
      await east.settled(id, ["confirmed"]);
      await eventually(
        () => west.get(id),
        (o) => o?.status === "confirmed",
        20_000,
      );
      const refused = await west.cancel(id);
      expect(refused.status).toBe(503);
      expect(refused.headers.get("retry-after")).toBe("30");
      expect(refused.body).toMatchObject({ homeRegion: "east", detail: expect.stringMatching(/homed in region east/) });
      expect((await east.cancel(id)).status).toBe(202);
      await eventually(
        () => west.get(id),
        (o) => o?.status === "cancelled",
        20_000,
      );
    });

    it("measures replication lag per peer region, and replays the lake by time range", async () => {
      const west = ctx.system.region("west");
      const metrics = String((await call(`http://127.0.0.1:${west.apps.replicator.appPort}/metrics`)).body);
      expect(metrics).toMatch(/meridian_replication_lag_seconds_count\{[^}]*peer="east"[^}]*\} [1-9]/);
      expect(metrics).toMatch(/meridian_replication_events_total\{[^}]*peer="east",outcome="applied"[^}]*\} [1-9]/);
      // West has caught up with everything east produced, and east knows it from west's acks.
      const eastMetrics = async () =>
        String((await call(`http://127.0.0.1:${ctx.system.region("east").apps.replicator.appPort}/metrics`)).body);
      await eventually(eastMetrics, (m) => /meridian_replication_backlog_events\{[^}]*peer="west"[^}]*\} 0$/m.test(m), 20_000);
      const to = new Date(Date.now() + 60_000).toISOString();
      const from = new Date(Date.now() - 10 * 60_000).toISOString();
      const replay = (await adminCall(west, `/admin/lake/events?from=${from}&to=${to}`)).body as {
        events: { originRegion: string }[];
      };
      expect(replay.events.some((e) => e.originRegion === "east")).toBe(true);
      expect(replay.events.some((e) => e.originRegion === "west")).toBe(true);
      expect((await adminCall(west, `/admin/lake/events?from=${from}`)).status).toBe(400);
    });
  });
}
