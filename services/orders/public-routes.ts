import { Router } from "express";
import { z } from "zod";
import { customerIdSchema, describeIssues, orderIdSchema, placeOrderSchema } from "../shared/events/order-input.js";
import { orderIdParam } from "../shared/http/params.js";
import { badRequest, notFound } from "../shared/http/problem.js";
import { fold, publicOrder } from "../shared/orders/order-state.js";
import type { OrdersApp } from "./application.js";

/** What the gateway sends: the body as the client sent it, with the signed-in customer, the order id and the request's hash. */
const placeCommandSchema = placeOrderSchema.extend({
  customerId: customerIdSchema,
  orderId: orderIdSchema,
  requestHash: z.string().regex(/^[0-9a-f]{64}$/),
});
/** The customer a cancel or a history read is for: the signed-in one, from the gateway. */
const customerSchema = z.object({ customerId: customerIdSchema });
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
    const body = customerSchema.safeParse(req.body);
    if (!body.success) throw badRequest(describeIssues(body.error));
    const state = await app.cancel(orderId, body.data.customerId);
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
    // The public API always names the signed-in customer; the operator's read (admin port) names none.
    const customer = customerSchema.partial().safeParse(req.query);
    if (!customer.success) throw badRequest(describeIssues(customer.error));
    const stream = await app.read(orderId);
    const owner = customer.data.customerId;
    // Another customer's order is no order at all to this one (its existence is not theirs to learn).
    if (!stream.found || (owner !== undefined && fold(stream.events)?.customerId !== owner))
      throw notFound(`order ${orderId} does not exist`);
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
