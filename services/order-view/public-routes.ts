import { Router } from "express";
import { customerIdQuery, orderIdParam, pageQuery } from "../shared/http/params.js";
import { notFound } from "../shared/http/problem.js";
import { publicOrder } from "../shared/orders/order-state.js";
import type { ViewApp } from "./application.js";

/** Reading orders, through the gateway. */
export function viewPublicRoutes(app: ViewApp): Router {
  const router = Router();

  router.get("/orders/:orderId", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const view = await app.order(orderId);
    if (!view) throw notFound(`order ${orderId} does not exist`);
    res.json(publicOrder(view.value));
  });

  router.get("/orders", async (req, res) => {
    const customerId = customerIdQuery(req.query["customerId"]);
    const { limit, cursor } = pageQuery(req.query);
    const page = await app.byCustomer(customerId, { skip: cursor, limit });
    res.json({
      customerId,
      orders: page.orders.map(publicOrder),
      ...(page.more ? { next: `/orders?${new URLSearchParams({ limit: String(limit), cursor: String(cursor + limit) }).toString()}` } : {}),
    });
  });

  return router;
}
