import { Router } from "express";
import { choreographed } from "../shared/saga/style.js";
import { type SagaStyle, apps, topics } from "../../platform/topology.js";
import { type SubscriberDeps, subscribeTopics } from "../shared/dapr/subscriber.js";
import type { InventoryApp } from "./application.js";

/** Orders to reserve or release, and declined payments to compensate. */
export function inventorySubscriptions(app: InventoryApp, deps: SubscriberDeps & { readonly saga: SagaStyle }): Router {
  const router = Router();
  // Replicated order events reach this region's topics too; their side effects happened at home.
  subscribeTopics(
    router,
    { ...deps, app: apps.inventory, localOnly: true },
    { [topics.orders]: choreographed(deps.saga, app.onOrderEvent), [topics.payments]: choreographed(deps.saga, app.onPaymentEvent) },
  );
  return router;
}
