import { createHash, randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { apps, topics } from "../../platform/topology.js";
import { type EventStore, retryOnConflict } from "../shared/dapr/event-store.js";
import { type Outcome, subscribeTopics } from "../shared/dapr/subscriber.js";
import { type EventRecord, causedBy } from "../shared/events/envelope.js";
import { describeIssues, orderIdSchema, placeOrderSchema } from "../shared/events/order-input.js";
import { orderIdParam } from "../shared/http/params.js";
import { DomainError } from "../shared/domain/errors.js";
import { badRequest, conflict, notFound } from "../shared/http/problem.js";
import { ContractError, checkEvent } from "../shared/events/contracts.js";
import type { WriterDeps } from "../shared/writer-deps.js";
import { fold, publicOrder } from "../shared/orders/order-state.js";
import { catalogShards } from "../shared/orders/catalog-shards.js";
import type { Catalog } from "./catalog.js";
import { cancel, place, reactsTo, react } from "./domain.js";

export interface OrdersDeps extends WriterDeps {
  readonly currency: string;
  readonly events: EventStore;
  readonly catalog: Catalog;
}

const placeCommandSchema = placeOrderSchema.extend({ orderId: orderIdSchema, requestHash: z.string().regex(/^[0-9a-f]{64}$/) });
const atSchema = z.iso.datetime({ offset: true });

/**
 * The declared ownership policy: only an order's home region takes commands for it. Elsewhere
 * the command is refused with 503 and Retry-After, naming the home region, whether that region
 * is up (send it there) or down (retry once it is back). No takeover: a single writer per order
 * means replicas never conflict.
 */
const notHomeRetrySeconds = 30;

function notHome(homeRegion: string): DomainError {
  return new DomainError("not-home", `this order is homed in region ${homeRegion}; only its home region accepts commands for it`, {
    homeRegion,
    retryAfterSeconds: notHomeRetrySeconds,
  });
}

/** An event a caller hands in (replication, restore): one that breaks its contract is the caller's error. */
function eventFromCaller(raw: unknown, where: string): EventRecord {
  try {
    return checkEvent(raw);
  } catch (err) {
    if (err instanceof ContractError) throw badRequest(`${where}: ${err.message}`);
    throw err;
  }
}

export function ordersRoutes(deps: OrdersDeps): Router {
  const router = Router();
  const commandContext = (correlationId: string) => ({
    region: deps.region,
    now: deps.clock(),
    newId: randomUUID,
    correlationId,
    causationId: null,
  });

  async function append(orderId: string, stream: Parameters<EventStore["append"]>[1], event: EventRecord): Promise<void> {
    await deps.events.append(orderId, stream, event);
    deps.metrics.published.inc({ type: event.type });
  }

  router.post("/orders", async (req, res) => {
    const parsed = placeCommandSchema.safeParse(req.body);
    if (!parsed.success) throw badRequest(describeIssues(parsed.error));
    const cmd = { ...parsed.data, currency: deps.currency };
    const correlationId = req.header("x-correlation-id") ?? cmd.orderId;
    const state = await deps.lock.run(cmd.orderId, () =>
      // A conflict means another replica created the order between our read and write: read again and compare.
      retryOnConflict(async () => {
        const stream = await deps.events.load(cmd.orderId);
        const decision = place(fold(stream?.events ?? []), cmd, commandContext(correlationId));
        if (decision.kind === "replayed") return decision.state;
        await deps.catalog.add(cmd.orderId);
        await append(cmd.orderId, stream, decision.event);
        return fold([decision.event])!;
      }),
    );
    // The answer describes the acceptance, so a retried request gets the very same answer even
    // after the saga has moved the order on.
    res.status(202).json({ orderId: state.orderId, status: "pending", region: state.homeRegion });
  });

  router.post("/orders/:orderId/cancel", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const state = await deps.lock.run(orderId, () =>
      retryOnConflict(async () => {
        const stream = await deps.events.load(orderId);
        const current = fold(stream?.events ?? []);
        if (!stream || !current) throw new DomainError("not-found", `order ${orderId} does not exist`);
        if (current.homeRegion !== deps.region) throw notHome(current.homeRegion);
        const event = cancel(current, commandContext(current.orderId));
        await append(orderId, stream, event);
        return fold([...stream.events, event])!;
      }),
    );
    res.status(202).json({ orderId, status: state.status, region: state.homeRegion });
  });

  router.get("/orders/:orderId", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const state = fold((await deps.events.load(orderId))?.events ?? []);
    if (!state) throw notFound(`order ${orderId} does not exist`);
    res.json(publicOrder(state));
  });

  /** The order's history; with `?at=` only what had happened by then, and the state it gave. */
  router.get("/orders/:orderId/events", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const stream = await deps.events.load(orderId);
    if (!stream) throw notFound(`order ${orderId} does not exist`);
    let events = stream.events;
    const atRaw = req.query["at"];
    if (atRaw !== undefined) {
      const at = atSchema.safeParse(atRaw);
      if (!at.success) throw badRequest("at: must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z");
      const cutoff = Date.parse(at.data);
      events = events.filter((e) => Date.parse(e.occurredAt) <= cutoff);
    }
    const state = fold(events);
    res.json({ orderId, ...(atRaw !== undefined ? { at: atRaw } : {}), events, state: state ? publicOrder(state) : null });
  });

  /**
   * A change event replicated from the order's home region. Replicas are read-only copies kept
   * in version order: an event already held is a duplicate, one that skips a version waits (the
   * replicator retries) for the one before it. Written through the outbox like any change, so
   * this region's read model and event lake see it; its origin tag keeps inventory and payments
   * from acting on it and the replicator from sending it back.
   */
  router.post("/replica/events", async (req, res) => {
    const event = eventFromCaller(req.body, "event");
    const orderId = event.subject;
    if (event.originRegion === deps.region) throw conflict(`event ${event.id} originated here; a region never replicates to itself`);
    const outcome = await deps.lock.run(orderId, () =>
      retryOnConflict(async (): Promise<string> => {
        const stream = await deps.events.load(orderId);
        const held = stream?.events.length ?? 0;
        const home = stream ? fold(stream.events)?.homeRegion : event.originRegion;
        if (home === deps.region) throw new DomainError("conflict", `order ${orderId} is homed here; only its home region writes it`);
        if (event.aggregateVersion <= held) return "duplicate";
        if (event.aggregateVersion > held + 1)
          throw new DomainError(
            "replica-waiting",
            `replica of ${orderId} holds version ${held}; version ${event.aggregateVersion} must wait`,
            {
              heldVersion: held,
            },
          );
        if (held === 0) await deps.catalog.add(orderId);
        await deps.events.appendReplica(orderId, stream, event);
        return "applied";
      }),
    );
    res.json({ outcome });
  });

  /**
   * What this region holds: a digest of (order id, status, version) over every order, its own
   * and replicated. Equal digests in two regions mean they converged.
   */
  router.get("/digest", async (_req, res) => {
    const rows: string[] = [];
    for (const shard of catalogShards) {
      const ids = await deps.catalog.shard(shard);
      const streams = await Promise.all(ids.map((id) => deps.events.load(id)));
      for (const stream of streams) {
        const state = fold(stream?.events ?? []);
        if (state) rows.push(`${state.orderId} ${state.status} ${state.version}`);
      }
    }
    rows.sort();
    const byStatus: Record<string, number> = {};
    for (const row of rows) {
      const status = row.split(" ")[1]!;
      byStatus[status] = (byStatus[status] ?? 0) + 1;
    }
    res.json({ region: deps.region, orders: rows.length, byStatus, digest: createHash("sha256").update(rows.join("\n")).digest("hex") });
  });

  /**
   * Re-seeding a region that lost its data: a whole stream, from a peer's event lake. Kept only
   * when it is longer than what is here (the region may have rebuilt part of it since).
   */
  router.post("/restore", async (req, res) => {
    const body = z.object({ orderId: orderIdSchema, events: z.array(z.unknown()).min(1) }).safeParse(req.body);
    if (!body.success) throw badRequest(describeIssues(body.error));
    const events = body.data.events
      .map((e, i) => eventFromCaller(e, `events[${i}]`))
      .sort((a, b) => a.aggregateVersion - b.aggregateVersion);
    if (events.some((e, i) => e.subject !== body.data.orderId || e.aggregateVersion !== i + 1)) {
      throw badRequest("events must be one order's stream, versions 1 to n without gaps");
    }
    const outcome = await deps.lock.run(body.data.orderId, () =>
      retryOnConflict(async () => {
        const stream = await deps.events.load(body.data.orderId);
        if ((stream?.events.length ?? 0) >= events.length) return "kept";
        await deps.catalog.add(body.data.orderId);
        // The raw events as received: history is never rewritten, only put back.
        await deps.events.restore(body.data.orderId, stream, body.data.events as EventRecord[]);
        return "restored";
      }),
    );
    res.json({ orderId: body.data.orderId, outcome });
  });

  /** Every order id in one catalogue shard (00..ff): what a replay walks. */
  router.get("/catalog/:shard", async (req, res) => {
    const shard = String(req.params["shard"]);
    if (!catalogShards.includes(shard)) throw badRequest("shard: must be two lower-case hex digits, 00 to ff");
    res.json({ shard, orderIds: await deps.catalog.shard(shard) });
  });

  /** Saga reactions: inventory and payment events move the order on. */
  async function onSagaEvent(event: EventRecord): Promise<Outcome> {
    if (!reactsTo.has(event.type)) return "ignored";
    const orderId = event.subject;
    return deps.lock.run(orderId, () =>
      retryOnConflict(async () => {
        const stream = await deps.events.load(orderId);
        if (!stream) throw new Error(`${event.type} for unknown order ${orderId}`);
        // The event's id is recorded as the causation of what it caused, in the same write.
        if (stream.events.some((e) => e.causationId === event.id)) return "duplicate";
        const next = react(fold(stream.events)!, event, causedBy(event, deps.region, deps.clock(), randomUUID));
        if (!next) return "ignored";
        await append(orderId, stream, next);
        return "applied";
      }),
    );
  }
  const common = { app: apps.orders, region: deps.region, sidecar: deps.sidecar, log: deps.log, metrics: deps.metrics };
  subscribeTopics(router, common, { [topics.inventory]: onSagaEvent, [topics.payments]: onSagaEvent });

  return router;
}
