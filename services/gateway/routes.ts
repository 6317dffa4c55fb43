import { randomUUID } from "node:crypto";
import { type Request, type RequestHandler, type Response, Router } from "express";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { HttpMethod } from "../shared/dapr/sidecar.js";
import { describeIssues, placeOrderSchema } from "../shared/events/order-input.js";
import { customerIdQuery, orderIdParam, pageQuery, skuParam } from "../shared/http/params.js";
import { InvocationError } from "../shared/errors.js";
import { HttpProblem, badRequest, fromInvocationError, notFound, problem } from "../shared/http/problem.js";
import { type CustomerAuthConfig, authenticateCustomer, customerOf } from "./customer-auth.js";
import { type RateLimit, rateLimited } from "./rate-limit.js";
import { canonicalJson, orderIdForKey, parseIdempotencyKey, sha256Hex } from "./idempotency.js";

export interface GatewayDeps {
  readonly region: string;
  readonly sidecar: Sidecar;
  readonly ordersApp: string;
  readonly viewApp: string;
  readonly inventoryApp: string;
}

/** The public API also checks who the customer is. */
export interface PublicDeps extends GatewayDeps {
  readonly auth: CustomerAuthConfig;
  readonly rateLimit: RateLimit;
}

interface CustomerOwned {
  readonly customerId?: string;
}

/** Another customer's order is answered as no order at all: its existence is not theirs to learn. */
function ownedBy<T extends CustomerOwned>(customerId: string, orderId: string, found: T): T {
  if (found.customerId !== customerId) throw notFound(`order ${orderId} does not exist`);
  return found;
}

/**
 * The public API of a region. It authenticates the customer, validates, then delegates through
 * Dapr service invocation. A customer reads, lists and cancels only their own orders.
 */
export function gatewayRoutes(deps: PublicDeps): Router {
  const router = Router();
  const limited = (clientOf: (req: Request, res: Response) => string) => rateLimited(deps.rateLimit, clientOf);
  // A customer's routes: signed in, then limited per customer (however many addresses they use).
  const customer: RequestHandler[] = [authenticateCustomer(deps.auth), limited((_req, res) => `customer:${customerOf(res)}`)];
  // Anyone's reads (prices, stock): limited per address.
  const anyone = limited((req) => `address:${req.socket.remoteAddress ?? "unknown"}`);

  router.post("/orders", ...customer, async (req, res) => {
    const customerId = customerOf(res);
    if (req.body === undefined) throw badRequest("request body is required");
    const parsed = placeOrderSchema.safeParse(req.body);
    if (!parsed.success) throw badRequest(describeIssues(parsed.error));
    const given = parseIdempotencyKey(req.header("idempotency-key"));
    if (parsed.data.customerId !== undefined && parsed.data.customerId !== customerId)
      throw problem("forbidden", "customerId: must be the signed-in customer (the access token's subject), or left out");
    const request = { ...parsed.data, customerId };
    // Without a client key the gateway makes one: every order id comes from a key, so an answer
    // lost on the way (a 503 after the order was written) can be retried without a second order.
    const key = given ?? randomUUID();
    const orderId = orderIdForKey(deps.region, customerId, key);
    const answer = await deps.sidecar
      .invoke<{ orderId: string; status: string; region: string }>(
        deps.ordersApp,
        "orders",
        HttpMethod.POST,
        { ...request, orderId, requestHash: sha256Hex(canonicalJson(request)) },
        { "x-correlation-id": orderId },
      )
      .catch((err: unknown) => {
        throw err instanceof InvocationError && !err.refused ? outcomeUnknown(fromInvocationError(err), orderId, key) : err;
      });
    res.status(202).location(`/orders/${answer.orderId}`).set("Idempotency-Key", key).json(answer);
  });

  router.get("/orders/:orderId", ...customer, async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    res.json(
      ownedBy(customerOf(res), orderId, await deps.sidecar.invoke<CustomerOwned>(deps.viewApp, `orders/${orderId}`, HttpMethod.GET)),
    );
  });

  router.get("/orders", ...customer, async (req, res) => {
    const customerId = customerOf(res);
    if (req.query["customerId"] !== undefined && customerIdQuery(req.query["customerId"]) !== customerId)
      throw problem("forbidden", "customerId: a customer lists only their own orders (leave it out)");
    const { limit, cursor } = pageQuery(req.query);
    const query = new URLSearchParams({ customerId, limit: String(limit), cursor: String(cursor) });
    res.json(await deps.sidecar.invoke(deps.viewApp, `orders?${query.toString()}`, HttpMethod.GET));
  });

  router.post("/orders/:orderId/cancel", ...customer, async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    // orders checks the owner itself, against the stream: the read model may not show the order yet.
    res
      .status(202)
      .json(await deps.sidecar.invoke(deps.ordersApp, `orders/${orderId}/cancel`, HttpMethod.POST, { customerId: customerOf(res) }));
  });

  router.get("/orders/:orderId/events", ...customer, async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    const query = new URLSearchParams({ customerId: customerOf(res) });
    if (typeof req.query["at"] === "string") query.set("at", req.query["at"]);
    res.json(await deps.sidecar.invoke(deps.ordersApp, `orders/${orderId}/events?${query.toString()}`, HttpMethod.GET));
  });

  /** What a SKU costs here: the price every order is charged at (`unitPrice` in a POST may only repeat it). */
  router.get("/prices/:sku", anyone, async (req, res) => {
    const sku = skuParam(req.params["sku"]);
    res.json(await deps.sidecar.invoke(deps.ordersApp, `prices/${encodeURIComponent(sku)}`, HttpMethod.GET));
  });

  router.get("/inventory/:sku", anyone, async (req, res) => {
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
