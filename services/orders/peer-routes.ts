import { createHash } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { describeIssues, orderIdSchema } from "../shared/events/order-input.js";
import { badRequest } from "../shared/http/problem.js";
import { eventFromCaller } from "../shared/http/event-input.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { bulkReadSize, catalogShards, chunks } from "../shared/orders/catalog-shards.js";
import type { OrdersApp } from "./application.js";
import type { Catalog } from "./catalog.js";

const restoreSchema = z.object({ orderId: orderIdSchema, events: z.array(z.unknown()).min(1) });
const streamsSchema = z.object({ orderIds: z.array(orderIdSchema).min(1).max(bulkReadSize) });

/**
 * The replication protocol and the region's operator tools, reached only through service
 * invocation by this region's replicator, order-view and the operator scripts (the access
 * policies in platform/access.ts name each caller and route): never through the gateway.
 */
export function ordersPeerRoutes(app: OrdersApp, catalog: Catalog, region: string): Router {
  const router = Router();

  /**
   * A change event replicated from the order's home region (see acceptReplica). Its origin tag
   * keeps inventory and payments from acting on it and the replicator from sending it back.
   */
  router.post("/replica/events", async (req, res) => {
    res.json({ outcome: await app.replicate(eventFromCaller(req.body, "event")) });
  });

  /**
   * What this region holds: a digest of (order id, status, version) over every order, its own
   * and replicated. Equal digests in two regions mean they converged.
   */
  router.get("/digest", async (_req, res) => {
    const rows: string[] = [];
    // Bulk reads throughout: one stream read per order would outlast the invocation timeout
    // once a region holds a few hundred orders on a loaded machine.
    for (const ids of chunks(await catalog.all(), bulkReadSize)) {
      for (const { state } of (await app.readMany(ids)).values()) if (state) rows.push(`${state.orderId} ${state.status} ${state.version}`);
    }
    rows.sort();
    const byStatus: Record<string, number> = {};
    for (const row of rows) {
      const status = row.split(" ")[1]!;
      byStatus[status] = (byStatus[status] ?? 0) + 1;
    }
    res.json({ region, orders: rows.length, byStatus, digest: createHash("sha256").update(rows.join("\n")).digest("hex") });
  });

  /** Re-seeding a region that lost its data: a whole stream, from a peer's event lake. */
  router.post("/restore", async (req, res) => {
    const body = restoreSchema.safeParse(req.body);
    if (!body.success) throw badRequest(describeIssues(body.error));
    const pairs = body.data.events
      .map((raw, i) => ({ raw: raw as EventRecord, checked: eventFromCaller(raw, `events[${i}]`) }))
      .sort((a, b) => a.checked.aggregateVersion - b.checked.aggregateVersion);
    const outcome = await app.restore(
      body.data.orderId,
      pairs.map((p) => p.raw),
      pairs.map((p) => p.checked),
    );
    res.json({ orderId: body.data.orderId, outcome });
  });

  /** Every order id the catalogue lists: what a replay walks. */
  router.get("/catalog", async (_req, res) => {
    res.json({ orderIds: await catalog.all() });
  });

  /**
   * Several orders' streams at once (a replay reads them in batches): the events as today's
   * code reads them; an id listed but never written is left out.
   */
  router.post("/streams", async (req, res) => {
    const body = streamsSchema.safeParse(req.body);
    if (!body.success) throw badRequest(describeIssues(body.error));
    const streams = await app.readMany(body.data.orderIds);
    res.json({
      streams: body.data.orderIds.flatMap((orderId) => {
        const stream = streams.get(orderId);
        return stream ? [{ orderId, events: stream.events }] : [];
      }),
    });
  });

  /** Every order id in one catalogue shard (00..ff). */
  router.get("/catalog/:shard", async (req, res) => {
    const shard = String(req.params["shard"]);
    if (!catalogShards.includes(shard)) throw badRequest("shard: must be two lower-case hex digits, 00 to ff");
    res.json({ shard, orderIds: await catalog.shard(shard) });
  });

  return router;
}
