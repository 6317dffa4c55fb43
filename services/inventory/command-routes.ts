import { Router } from "express";
import { eventFromCaller } from "../shared/http/event-input.js";
import { sagaCommands } from "../shared/saga/messages.js";
import type { InventoryApp } from "./application.js";

/** The orchestrated saga's commands, reached only by order-saga (the `commands` invocation policy). */
export function inventoryCommandRoutes(app: InventoryApp): Router {
  const router = Router();
  router.post(`/${sagaCommands.reserve}`, async (req, res) => {
    res.json(await app.reserveFor(eventFromCaller(req.body, "placed")));
  });
  router.post(`/${sagaCommands.release}`, async (req, res) => {
    res.json(await app.releaseFor(eventFromCaller(req.body, "cause")));
  });
  return router;
}
