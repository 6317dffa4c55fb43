import { Router } from "express";
import { orderIdParam } from "../shared/http/params.js";
import { notFound } from "../shared/http/problem.js";
import type { PaymentsApp } from "./application.js";

/** An order's payment, for the operator scripts and tests (through invocation). */
export function paymentsPublicRoutes(app: PaymentsApp): Router {
  const router = Router();
  router.get("/payments/:orderId", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const payment = await app.payment(orderId);
    if (!payment) throw notFound(`no payment for order ${orderId}`);
    res.json(payment);
  });
  return router;
}
