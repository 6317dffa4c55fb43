import { Router } from "express";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { HttpMethod } from "../shared/dapr/sidecar.js";
import { ContractError, checkEvent } from "../shared/events/contracts.js";
import type { EventRecord } from "../shared/events/envelope.js";
import { orderEventTypes } from "../shared/events/order-events.js";
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
}

/** Dapr's answers to a delivery: SUCCESS acknowledges, RETRY asks for redelivery, DROP discards. */
type Delivery = { status: "SUCCESS" | "RETRY" | "DROP" };

export function viewRoutes(deps: ViewDeps): Router {
  const router = Router();

  async function apply(event: EventRecord): Promise<void> {
    const orderId = event.subject;
    await deps.lock.run(orderId, async () => {
      const current = await deps.views.get(orderId);
      const decision = decide(current?.value, event);
      if (decision.kind === "duplicate") return;
      let next = decision.kind === "apply" ? decision.next : undefined;
      if (decision.kind === "gap") {
        // Events may overtake each other in the broker; the writer's stream is the truth.
        deps.log.info("view gap, rebuilding from the stream", { orderId, have: decision.have, got: decision.got });
        const { events } = await deps.sidecar.invoke<{ events: EventRecord[] }>(deps.ordersApp, `orders/${orderId}/events`, HttpMethod.GET);
        next = fold(events.map(checkEvent));
      }
      if (!next) return;
      if (event.type === orderEventTypes.placed) await deps.views.index(next.customerId, orderId);
      await deps.views.put(next, current);
    });
  }

  router.post("/events/orders", async (req, res) => {
    let event: EventRecord;
    try {
      event = checkEvent((req.body as { data?: unknown }).data);
    } catch (err) {
      if (!(err instanceof ContractError)) throw err;
      deps.log.warn("event rejected by contract", { reason: err.message, ceId: (req.body as { id?: string }).id });
      res.json({ status: "DROP" } satisfies Delivery);
      return;
    }
    await apply(event);
    res.json({ status: "SUCCESS" } satisfies Delivery);
  });

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
