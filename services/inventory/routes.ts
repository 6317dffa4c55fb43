import { randomUUID } from "node:crypto";
import { Router } from "express";
import { z } from "zod";
import { apps, topics } from "../../platform/topology.js";
import { retryOnConflict } from "../shared/dapr/event-store.js";
import type { RecordStore, RecordWrite } from "../shared/dapr/record-store.js";
import type { Versioned } from "../shared/dapr/sidecar.js";
import { type Outcome, subscribeTopics } from "../shared/dapr/subscriber.js";
import { createEvent } from "../shared/events/contracts.js";
import { type EventContext, type EventRecord, causedBy } from "../shared/events/envelope.js";
import { type Reservation, type StockLevel, inventoryEventTypes } from "../shared/events/inventory-events.js";
import { type OrderPlaced, orderEventTypes } from "../shared/events/order-events.js";
import { describeIssues } from "../shared/events/order-input.js";
import { skuParam } from "../shared/http/params.js";
import { paymentEventTypes } from "../shared/events/payment-events.js";
import { badRequest, notFound } from "../shared/http/problem.js";
import { runLocked } from "../shared/keyed-lock.js";
import type { WriterDeps } from "../shared/writer-deps.js";
import { type InventoryDecision, release, reserve, setAvailable } from "./domain.js";

export interface InventoryDeps extends WriterDeps {
  readonly records: RecordStore;
}

const skuKey = (sku: string) => `sku-${sku}`;
const reservationKey = (orderId: string) => `reservation-${orderId}`;
const setStockSchema = z.strictObject({
  available: z.number().int("must be an integer").min(0, "must be >= 0").max(1_000_000_000, "must be <= 1000000000"),
});

const reservationType: Record<Reservation["status"], string> = {
  reserved: inventoryEventTypes.reserved,
  rejected: inventoryEventTypes.rejected,
  released: inventoryEventTypes.released,
  voided: inventoryEventTypes.voided,
};

/** The next event of a record: one version after what the key holds now. */
function successor<T>(type: string, subject: string, prior: Versioned<EventRecord> | undefined, data: T, ctx: EventContext): RecordWrite {
  return { key: "", event: createEvent(type, subject, (prior?.value.aggregateVersion ?? 0) + 1, data, ctx), etag: prior?.etag };
}

export function inventoryRoutes(deps: InventoryDeps): Router {
  const router = Router();

  router.put("/inventory/:sku", async (req, res) => {
    const sku = skuParam(req.params["sku"]);
    const body = setStockSchema.safeParse(req.body);
    if (!body.success) throw badRequest(describeIssues(body.error));
    const level = await deps.lock.run(skuKey(sku), () =>
      retryOnConflict(async () => {
        const key = skuKey(sku);
        const prior = (await deps.records.getMany([key])).get(key);
        const next = setAvailable(sku, prior?.value.data as StockLevel | undefined, body.data.available);
        const ctx = { region: deps.region, now: deps.clock(), newId: randomUUID, correlationId: `stock-${sku}`, causationId: null };
        await deps.records.commit([{ ...successor(inventoryEventTypes.levelChanged, sku, prior, next, ctx), key }]);
        return next;
      }),
    );
    res.json(level);
  });

  router.get("/inventory/:sku", async (req, res) => {
    const sku = skuParam(req.params["sku"]);
    const found = (await deps.records.getMany([skuKey(sku)])).get(skuKey(sku));
    if (!found) throw notFound(`no stock recorded for sku ${sku} in region ${deps.region}`);
    res.json(found.value.data);
  });

  /**
   * Runs one decision for an order under the locks of the order and every SKU it touches. A
   * release learns its SKUs from the reservation, so it reads that first; should the
   * reservation turn out to name other SKUs once locked, it starts over with those.
   */
  async function decideAndWrite(
    orderId: string,
    skus: readonly string[],
    cause: EventRecord,
    decide: (r: Reservation | undefined, levels: Map<string, StockLevel>) => InventoryDecision,
  ): Promise<Outcome> {
    const rKey = reservationKey(orderId);
    let known = (await deps.records.getMany([rKey])).get(rKey)?.value.data as Reservation | undefined;
    for (;;) {
      const all = [...new Set([...skus, ...(known?.lines.map((l) => l.sku) ?? [])])];
      const outcome = await runLocked(deps.lock, [rKey, ...all.map(skuKey)], () =>
        retryOnConflict(async (): Promise<Outcome | Reservation> => {
          const found = await deps.records.getMany([rKey, ...all.map(skuKey)]);
          const prior = found.get(rKey);
          const existing = prior?.value.data as Reservation | undefined;
          if (existing?.lines.some((l) => !all.includes(l.sku))) return existing;
          const levels = new Map(
            all.flatMap((sku) => {
              const level = found.get(skuKey(sku))?.value.data as StockLevel | undefined;
              return level ? [[sku, level] as const] : [];
            }),
          );
          const decision = decide(existing, levels);
          if (decision.kind === "duplicate") return "duplicate";
          if (decision.kind === "noop") return "ignored";
          const ctx = causedBy(cause, deps.region, deps.clock(), randomUUID);
          const writes: RecordWrite[] = decision.levels.map((l) => ({
            ...successor(inventoryEventTypes.levelChanged, l.sku, found.get(skuKey(l.sku)), l, ctx),
            key: skuKey(l.sku),
          }));
          writes.push({ ...successor(reservationType[decision.reservation.status], orderId, prior, decision.reservation, ctx), key: rKey });
          await deps.records.commit(writes);
          for (const w of writes) deps.metrics.published.inc({ type: w.event.type });
          return "applied";
        }),
      );
      if (typeof outcome === "string") return outcome;
      known = outcome;
    }
  }

  async function onOrderEvent(event: EventRecord): Promise<Outcome> {
    if (event.type === orderEventTypes.placed) {
      const order = event.data as OrderPlaced;
      return decideAndWrite(
        order.orderId,
        order.items.map((i) => i.sku),
        event,
        (r, levels) => reserve(order, r, levels, event.id),
      );
    }
    if (event.type === orderEventTypes.cancelled)
      return decideAndWrite(event.subject, [], event, (r, levels) => release(event.subject, r, levels, event.id));
    return "ignored";
  }

  async function onPaymentEvent(event: EventRecord): Promise<Outcome> {
    // Compensation: a declined payment gives the stock back at once.
    if (event.type !== paymentEventTypes.declined) return "ignored";
    return decideAndWrite(event.subject, [], event, (r, levels) => release(event.subject, r, levels, event.id));
  }

  // Replicated order events reach this region's topics too; their side effects happened at home.
  const common = { app: apps.inventory, region: deps.region, sidecar: deps.sidecar, log: deps.log, metrics: deps.metrics, localOnly: true };
  subscribeTopics(router, common, { [topics.orders]: onOrderEvent, [topics.payments]: onPaymentEvent });
  return router;
}
