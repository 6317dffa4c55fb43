import { Router } from "express";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { HttpMethod } from "../shared/dapr/sidecar.js";
import { type Outcome, subscriber } from "../shared/dapr/subscriber.js";
import { checkEvent } from "../shared/events/contracts.js";
import type { EventMetrics } from "../shared/events/metrics.js";
import { apps, topics } from "../../platform/topology.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { customerIdQuery, orderIdParam } from "../shared/http/params.js";
import { notFound } from "../shared/http/problem.js";
import type { KeyedLock } from "../shared/keyed-lock.js";
import type { Logger } from "../shared/log.js";
import { fold, publicOrder } from "../shared/orders/order-state.js";
import { decide } from "./projection.js";
import type { Views } from "./views.js";

export interface ViewDeps {
  readonly views: Views;
  readonly sidecar: Sidecar;
  readonly ordersApp: string;
  readonly lock: KeyedLock;
  readonly log: Logger;
  readonly region: string;
  readonly metrics: EventMetrics;
}

export function viewRoutes(deps: ViewDeps): Router {
  const router = Router();

  async function apply(event: EventRecord): Promise<Outcome> {
    if (!event.type.startsWith("order.")) return "ignored";
    const orderId = event.subject;
    return deps.lock.run(orderId, async () => {
      const current = await deps.views.get(orderId);
      const decision = decide(current?.value, event);
      if (decision.kind === "duplicate") return "duplicate";
      let next = decision.kind === "apply" ? decision.next : undefined;
      if (decision.kind === "gap") {
        // Events may overtake each other in the broker; the writer's stream is the truth.
        deps.log.info("view gap, rebuilding from the stream", { orderId, have: decision.have, got: decision.got });
        const { events } = await deps.sidecar.invoke<{ events: EventRecord[] }>(deps.ordersApp, `orders/${orderId}/events`, HttpMethod.GET);
        next = fold(events.map(checkEvent));
      }
      if (!next) return "ignored";
      await deps.views.index(next.customerId, orderId);
      await deps.views.put(next, current);
      return "applied";
    });
  }

  router.post(
    `/events/${topics.orders}`,
    subscriber({
      app: apps.orderView,
      region: deps.region,
      topic: topics.orders,
      route: `/events/${topics.orders}`,
      sidecar: deps.sidecar,
      log: deps.log,
      metrics: deps.metrics,
      handle: apply,
    }),
  );

  router.get("/orders/:orderId", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const view = await deps.views.get(orderId);
    if (!view) throw notFound(`order ${orderId} does not exist`);
    res.json(publicOrder(view.value));
  });

  router.get("/orders", async (req, res) => {
    const customerId = customerIdQuery(req.query["customerId"]);
    const orders = await deps.views.byCustomer(customerId);
    res.json({ customerId: customerId, orders: orders.map(publicOrder) });
  });

  return router;
}
