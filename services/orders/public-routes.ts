import { Router } from "express";
import { z } from "zod";
import { describeIssues, orderIdSchema, placeOrderSchema } from "../shared/events/order-input.js";
import { orderIdParam } from "../shared/http/params.js";
import { badRequest, notFound } from "../shared/http/problem.js";
import { fold, publicOrder } from "../shared/orders/order-state.js";
import type { OrdersApp } from "./application.js";

const placeCommandSchema = placeOrderSchema.extend({ orderId: orderIdSchema, requestHash: z.string().regex(/^[0-9a-f]{64}$/) });
const atSchema = z.iso.datetime({ offset: true });

/** The public order API, reached through the gateway: place, cancel, read, history. */
export function ordersPublicRoutes(app: OrdersApp, currency: string): Router {
  const router = Router();

  router.post("/orders", async (req, res) => {
    const parsed = placeCommandSchema.safeParse(req.body);
    if (!parsed.success) throw badRequest(describeIssues(parsed.error));
    const state = await app.place({ ...parsed.data, currency }, req.header("x-correlation-id") ?? parsed.data.orderId);
    // The answer describes the acceptance, so a retried request gets the very same answer even
    // after the saga has moved the order on.
    res.status(202).json({ orderId: state.orderId, status: "pending", region: state.homeRegion });
  });

  router.post("/orders/:orderId/cancel", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const state = await app.cancel(orderId);
    res.status(202).json({ orderId, status: state.status, region: state.homeRegion });
  });

  router.get("/orders/:orderId", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const { state } = await app.read(orderId);
    if (!state) throw notFound(`order ${orderId} does not exist`);
    res.json(publicOrder(state));
  });

  /** The order's history; with `?at=` only what had happened by then, and the state it gave. */
  router.get("/orders/:orderId/events", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const stream = await app.read(orderId);
    if (!stream.found) throw notFound(`order ${orderId} does not exist`);
    let events = stream.events;
    const atRaw = req.query["at"];
    if (atRaw !== undefined) {
      const at = atSchema.safeParse(atRaw);
      if (!at.success) throw badRequest("at: must be an ISO 8601 date-time, e.g. 2026-01-31T12:00:00Z");
      const cutoff = Date.parse(at.data);
      events = events.filter((e) => Date.parse(e.occurredAt) <= cutoff);
    }
    const state = fold(events);
    res.json({ orderId, ...(atRaw !== undefined ? { at: atRaw } : {}), events, state: state ? publicOrder(state) : null });
  });

  return router;
}
