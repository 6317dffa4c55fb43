import { Router } from "express";
import { apps, replicaTopicOf, topics } from "../../platform/topology.js";
import { type SubscriberDeps, subscribeTopics } from "../shared/dapr/subscriber.js";
import type { ViewApp } from "./application.js";

/** Every order event, local and replicated, projected into this region's read model. */
export function viewSubscriptions(app: ViewApp, deps: SubscriberDeps): Router {
  const router = Router();
  subscribeTopics(router, { ...deps, app: apps.orderView }, { [topics.orders]: app.apply, [replicaTopicOf(topics.orders)]: app.apply });
  return router;
}
