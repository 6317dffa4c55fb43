import { randomUUID } from "node:crypto";
import { Router } from "express";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { HttpMethod } from "../shared/dapr/sidecar.js";
import { describeIssues, placeOrderSchema } from "../shared/events/order-input.js";
import { requireBearer } from "../shared/http/app.js";
import { customerIdQuery, orderIdParam, skuParam } from "../shared/http/params.js";
import { InvocationError } from "../shared/errors.js";
import { HttpProblem, badRequest, fromInvocationError } from "../shared/http/problem.js";
import { canonicalJson, orderIdForKey, parseIdempotencyKey, sha256Hex } from "./idempotency.js";

export interface GatewayDeps {
  readonly region: string;
  readonly sidecar: Sidecar;
  readonly ordersApp: string;
  readonly viewApp: string;
  readonly inventoryApp: string;
  readonly replicatorApp: string;
  /** The operator's credential: setting stock is an operator's act even on the public API. */
  readonly adminToken: string;
}

/** The public API of a region. It validates, then delegates through Dapr service invocation. */
export function gatewayRoutes(deps: GatewayDeps): Router {
  const router = Router();

  router.post("/orders", async (req, res) => {
    if (req.body === undefined) throw badRequest("request body is required");
    const parsed = placeOrderSchema.safeParse(req.body);
    if (!parsed.success) throw badRequest(describeIssues(parsed.error));
    // Without a client key the gateway makes one: every order id comes from a key, so an answer
    // lost on the way (a 503 after the order was written) can be retried without a second order.
    const given = parseIdempotencyKey(req.header("idempotency-key"));
    const key = given ?? randomUUID();
    const orderId = orderIdForKey(deps.region, key);
    const answer = await deps.sidecar
      .invoke<{ orderId: string; status: string; region: string }>(
        deps.ordersApp,
        "orders",
        HttpMethod.POST,
        { ...parsed.data, orderId, requestHash: sha256Hex(canonicalJson(parsed.data)) },
        { "x-correlation-id": orderId },
      )
      .catch((err: unknown) => {
        throw err instanceof InvocationError && !err.refused ? outcomeUnknown(fromInvocationError(err), orderId, key) : err;
      });
    res.status(202).location(`/orders/${answer.orderId}`).set("Idempotency-Key", key).json(answer);
  });

  router.get("/orders/:orderId", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    res.json(await deps.sidecar.invoke(deps.viewApp, `orders/${orderId}`, HttpMethod.GET));
  });

  router.get("/orders", async (req, res) => {
    const customerId = customerIdQuery(req.query["customerId"]);
    res.json(await deps.sidecar.invoke(deps.viewApp, `orders?customerId=${encodeURIComponent(customerId)}`, HttpMethod.GET));
  });

  router.post("/orders/:orderId/cancel", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    res.status(202).json(await deps.sidecar.invoke(deps.ordersApp, `orders/${orderId}/cancel`, HttpMethod.POST));
  });

  router.get("/orders/:orderId/events", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const at = typeof req.query["at"] === "string" ? `?at=${encodeURIComponent(req.query["at"])}` : "";
    res.json(await deps.sidecar.invoke(deps.ordersApp, `orders/${orderId}/events${at}`, HttpMethod.GET));
  });

  router.put("/inventory/:sku", requireBearer(deps.adminToken), async (req, res) => {
    const sku = skuParam(req.params["sku"]);
    res.json(await deps.sidecar.invoke(deps.inventoryApp, `inventory/${encodeURIComponent(sku)}`, HttpMethod.PUT, req.body));
  });

  router.get("/inventory/:sku", async (req, res) => {
    const sku = skuParam(req.params["sku"]);
    res.json(await deps.sidecar.invoke(deps.inventoryApp, `inventory/${encodeURIComponent(sku)}`, HttpMethod.GET));
  });

  return router;
}

/**
 * Placing failed after the request left the gateway: the order may or may not exist. The answer
 * says so and hands the client what makes a retry safe (the key, which maps to this order id).
 */
function outcomeUnknown(cause: HttpProblem, orderId: string, key: string): HttpProblem {
  return new HttpProblem(
    cause.status,
    cause.title,
    `${cause.detail}. The order may have been placed: GET /orders/${orderId} tells, and retrying with Idempotency-Key: ${key} never places it twice`,
    { ...cause.extensions, orderId, idempotencyKey: key },
    { ...cause.headers, "Idempotency-Key": key },
  );
}
