import { Router } from "express";
import { choreographed } from "../shared/saga/style.js";
import { type SagaStyle, apps, topics } from "../../platform/topology.js";
import { subscribeTopics } from "../shared/dapr/subscriber.js";
import type { SubscriberDeps } from "../shared/dapr/subscriber.js";
import type { OrdersApp } from "./application.js";

/** The saga's events that move an order on, delivered by Dapr (declarative subscriptions). */
export function ordersSubscriptions(app: OrdersApp, deps: SubscriberDeps & { readonly saga: SagaStyle }): Router {
  const router = Router();
  subscribeTopics(
    router,
    { ...deps, app: apps.orders },
    { [topics.inventory]: choreographed(deps.saga, app.react), [topics.payments]: choreographed(deps.saga, app.react) },
  );
  return router;
}
