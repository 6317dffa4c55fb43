import { Router } from "express";
import { eventFromCaller } from "../shared/http/event-input.js";
import { orderIdSchema } from "../shared/events/order-input.js";
import { badRequest } from "../shared/http/problem.js";
import { sagaCommands } from "../shared/saga/messages.js";
import type { OrdersApp } from "./application.js";

/** The orchestrated saga's commands, reached only by order-saga (the `commands` invocation policy). */
export function ordersCommandRoutes(app: OrdersApp): Router {
  const router = Router();
  router.post(`/${sagaCommands.advanceOrder}`, async (req, res) => {
    res.json(await app.advance(eventFromCaller(req.body, "outcome")));
  });
  router.post(`/${sagaCommands.timeOutOrder}`, async (req, res) => {
    const orderId = orderIdSchema.safeParse((req.body as { orderId?: unknown } | undefined)?.orderId);
    if (!orderId.success) throw badRequest("orderId: must be an order id");
    res.json(await app.timeOut(orderId.data));
  });
  return router;
}
