import { Router } from "express";
import { choreographed } from "../shared/saga/style.js";
import { type SagaStyle, apps, topics } from "../../platform/topology.js";
import { type SubscriberDeps, subscribeTopics } from "../shared/dapr/subscriber.js";
import type { PaymentsApp } from "./application.js";

/** Reservations to charge for, and cancels to refund. */
export function paymentsSubscriptions(app: PaymentsApp, deps: SubscriberDeps & { readonly saga: SagaStyle }): Router {
  const router = Router();
  // Replicated order events reach this region's topics too; their side effects happened at home.
  subscribeTopics(
    router,
    { ...deps, app: apps.payments, localOnly: true },
    { [topics.inventory]: choreographed(deps.saga, app.onInventoryEvent), [topics.orders]: choreographed(deps.saga, app.onOrderEvent) },
  );
  return router;
}
