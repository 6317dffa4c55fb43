import { createHash } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { describeIssues, orderIdSchema } from "../shared/events/order-input.js";
import { badRequest } from "../shared/http/problem.js";
import { eventFromCaller } from "../shared/http/event-input.js";
import { DependencyError } from "../shared/errors.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { bulkReadSize, catalogShards, chunks } from "../shared/orders/catalog-shards.js";
import type { OrderState } from "../shared/orders/order-state.js";
import type { StreamView } from "../shared/application/stream-handler.js";
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
   * A change event replicated from the order's home region (see acceptReplicaFrom), its origin
   * stamped by the replicator with the peer it arrived from. Its origin tag keeps inventory and
   * payments from acting on it and the replicator from sending it back. A contract violation is
   * 400; an event that breaks a rule of its order (wrong type, subject, home region, a loop) is
   * the 422 event-refused problem, which the replicator dead-letters instead of retrying.
   */
  router.post("/replica/events", async (req, res) => {
    const event = eventFromCaller(req.body, "event");
    res.json({ outcome: await app.replicate(event) });
  });

  /**
   * What this region holds: a digest of (order id, status, version) over every order, its own
   * and replicated. Equal digests in two regions mean they converged.
   */
  router.get("/digest", async (_req, res) => {
    const rows: string[] = [];
    // Bulk reads throughout: one stream read per order would outlast the invocation timeout
    // once a region holds a few hundred orders on a loaded machine.
    const unreadable: Unreadable[] = [];
    for (const ids of chunks(await catalog.all(), bulkReadSize)) {
      const read = await readStreams(ids);
      unreadable.push(...read.unreadable);
      for (const { state } of read.streams.values()) if (state) rows.push(`${state.orderId} ${state.status} ${state.version}`);
    }
    rows.sort();
    const byStatus: Record<string, number> = {};
    for (const row of rows) {
      const status = row.split(" ")[1]!;
      byStatus[status] = (byStatus[status] ?? 0) + 1;
    }
    const digest = createHash("sha256").update(rows.join("\n")).digest("hex");
    res.json({ region, orders: rows.length, byStatus, digest, ...(unreadable.length > 0 ? { unreadable } : {}) });
  });

  /**
   * Re-seeding a region that lost its data: a whole stream, from a peer's event lake, only into
   * an empty stream (restoreInto). Answers "restored", or "kept" when the same stream is here
   * already; 409 when another stream of the order is; 400 for a contract violation; 422
   * (event-refused) when an event breaks a rule of the stream (type, subject, one order,
   * versions 1 to n, every event from the order's home region).
   */
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
    const { streams, unreadable } = await readStreams(body.data.orderIds);
    res.json({
      streams: body.data.orderIds.flatMap((orderId) => {
        const stream = streams.get(orderId);
        return stream ? [{ orderId, events: stream.events }] : [];
      }),
      ...(unreadable.length > 0 ? { unreadable } : {}),
    });
  });

  /** Every order id in one catalogue shard (00..ff). */
  router.get("/catalog/:shard", async (req, res) => {
    const shard = String(req.params["shard"]);
    if (!catalogShards.includes(shard)) throw badRequest("shard: must be two lower-case hex digits, 00 to ff");
    res.json({ shard, orderIds: await catalog.shard(shard) });
  });

  /**
   * Several streams in one bulk read, as walks of the whole region need them (digest, replay).
   * Writes no longer store an event a stream cannot be read with (every replica and restored
   * event is checked first), but one stored before that would fail the bulk read, and with it
   * every digest and rebuild of the region. So a failed bulk read is read again stream by
   * stream: the ones that fail on their own are named (`unreadable`, with the reason) and left
   * out, the rest answered. A store or sidecar that fails is no stream's fault: that still fails.
   */
  async function readStreams(ids: readonly string[]): Promise<{ streams: Map<string, StreamView<OrderState>>; unreadable: Unreadable[] }> {
    try {
      return { streams: await app.readMany(ids), unreadable: [] };
    } catch (err) {
      if (err instanceof DependencyError) throw err;
    }
    const streams = new Map<string, StreamView<OrderState>>();
    const unreadable: Unreadable[] = [];
    for (const orderId of ids) {
      try {
        const stream = await app.read(orderId);
        if (stream.found) streams.set(orderId, stream);
      } catch (err) {
        if (err instanceof DependencyError) throw err;
        unreadable.push({ orderId, reason: err instanceof Error ? err.message : String(err) });
      }
    }
    return { streams, unreadable };
  }

  return router;
}

/** A stream that cannot be read: it holds an event today's code cannot fold. */
interface Unreadable {
  readonly orderId: string;
  readonly reason: string;
}
