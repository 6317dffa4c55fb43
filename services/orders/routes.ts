import { randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { apps, topics } from "../../platform/topology.js";
import { type EventStore, retryOnConflict } from "../shared/dapr/event-store.js";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { type Outcome, subscriber } from "../shared/dapr/subscriber.js";
import { type EventRecord, causedBy } from "../shared/events/envelope.js";
import type { EventMetrics } from "../shared/events/metrics.js";
import { describeIssues, orderIdSchema, placeOrderSchema } from "../shared/events/order-input.js";
import { orderIdParam } from "../shared/http/params.js";
import { badRequest, notFound } from "../shared/http/problem.js";
import type { KeyedLock } from "../shared/keyed-lock.js";
import type { Logger } from "../shared/log.js";
import { fold, publicOrder } from "../shared/orders/order-state.js";
import { catalogShards } from "../shared/orders/catalog-shards.js";
import type { Catalog } from "./catalog.js";
import { cancel, place, reactsTo, react } from "./domain.js";

export interface OrdersDeps {
  readonly region: string;
  readonly currency: string;
  readonly events: EventStore;
  readonly lock: KeyedLock;
  readonly clock: () => Date;
  readonly sidecar: Sidecar;
  readonly log: Logger;
  readonly metrics: EventMetrics;
  readonly catalog: Catalog;
}

const placeCommandSchema = placeOrderSchema.extend({ orderId: orderIdSchema, requestHash: z.string().regex(/^[0-9a-f]{64}$/) });
const atSchema = z.iso.datetime({ offset: true });

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
        if (!stream || !current) throw notFound(`order ${orderId} does not exist`);
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
  for (const topic of [topics.inventory, topics.payments]) {
    const route = `/events/${topic}`;
    router.post(
      route,
      subscriber({
        app: apps.orders,
        region: deps.region,
        topic,
        route,
        sidecar: deps.sidecar,
        log: deps.log,
        metrics: deps.metrics,
        handle: onSagaEvent,
      }),
    );
  }

  return router;
}
