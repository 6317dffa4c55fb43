import { Router } from "express";
import { eventFromCaller } from "../shared/http/event-input.js";
import { sagaCommands } from "../shared/saga/messages.js";
import type { PaymentsApp } from "./application.js";

/** The orchestrated saga's commands, reached only by order-saga (the `commands` invocation policy). */
export function paymentsCommandRoutes(app: PaymentsApp): Router {
  const router = Router();
  router.post(`/${sagaCommands.authorize}`, async (req, res) => {
    res.json(await app.authorizeFor(eventFromCaller(req.body, "reserved")));
  });
  router.post(`/${sagaCommands.refund}`, async (req, res) => {
    res.json(await app.refundFor(eventFromCaller(req.body, "cancelled")));
  });
  return router;
}
