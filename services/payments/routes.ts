import { randomUUID } from "node:crypto";
import { Router } from "express";
import { apps, topics } from "../../platform/topology.js";
import { retryOnConflict } from "../shared/dapr/event-store.js";
import type { RecordStore } from "../shared/dapr/record-store.js";
import { type Outcome, subscribeTopics } from "../shared/dapr/subscriber.js";
import { createEvent } from "../shared/events/contracts.js";
import { type EventRecord, causedBy } from "../shared/events/envelope.js";
import { type Reservation, inventoryEventTypes } from "../shared/events/inventory-events.js";
import { orderEventTypes } from "../shared/events/order-events.js";
import { type Payment, paymentEventTypes } from "../shared/events/payment-events.js";
import { orderIdParam } from "../shared/http/params.js";
import { notFound } from "../shared/http/problem.js";
import type { WriterDeps } from "../shared/writer-deps.js";
import { type PaymentDecision, authorize, refund } from "./domain.js";

export interface PaymentsDeps extends WriterDeps {
  readonly limit: number;
  readonly records: RecordStore;
}

const paymentKey = (orderId: string) => `payment-${orderId}`;
const paymentType: Record<Payment["status"], string> = {
  authorized: paymentEventTypes.authorized,
  declined: paymentEventTypes.declined,
  refunded: paymentEventTypes.refunded,
  voided: paymentEventTypes.voided,
};

export function paymentsRoutes(deps: PaymentsDeps): Router {
  const router = Router();

  router.get("/payments/:orderId", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const found = (await deps.records.getMany([paymentKey(orderId)])).get(paymentKey(orderId));
    if (!found) throw notFound(`no payment for order ${orderId}`);
    res.json(found.value.data);
  });

  async function decideAndWrite(
    orderId: string,
    cause: EventRecord,
    decide: (p: Payment | undefined) => PaymentDecision,
  ): Promise<Outcome> {
    const key = paymentKey(orderId);
    return deps.lock.run(key, () =>
      retryOnConflict(async () => {
        const prior = (await deps.records.getMany([key])).get(key);
        const decision = decide(prior?.value.data as Payment | undefined);
        if (decision.kind === "duplicate") return "duplicate";
        if (decision.kind === "noop") return "ignored";
        const ctx = causedBy(cause, deps.region, deps.clock(), randomUUID);
        const event = createEvent(
          paymentType[decision.payment.status],
          orderId,
          (prior?.value.aggregateVersion ?? 0) + 1,
          decision.payment,
          ctx,
        );
        await deps.records.commit([{ key, event, etag: prior?.etag }]);
        deps.metrics.published.inc({ type: event.type });
        return "applied";
      }),
    );
  }

  async function onInventoryEvent(event: EventRecord): Promise<Outcome> {
    if (event.type !== inventoryEventTypes.reserved) return "ignored";
    const reservation = event.data as Reservation;
    return decideAndWrite(reservation.orderId, event, (p) => authorize(reservation.orderId, reservation.total, p, deps.limit, event.id));
  }

  async function onOrderEvent(event: EventRecord): Promise<Outcome> {
    if (event.type !== orderEventTypes.cancelled) return "ignored";
    return decideAndWrite(event.subject, event, (p) => refund(event.subject, p, event.id));
  }

  // Replicated order events reach this region's topics too; their side effects happened at home.
  const common = { app: apps.payments, region: deps.region, sidecar: deps.sidecar, log: deps.log, metrics: deps.metrics, localOnly: true };
  subscribeTopics(router, common, { [topics.inventory]: onInventoryEvent, [topics.orders]: onOrderEvent });
  return router;
}
