import { randomUUID } from "node:crypto";
import { Router } from "express";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { HttpMethod } from "../shared/dapr/sidecar.js";
import { describeIssues, placeOrderSchema } from "../shared/events/order-input.js";
import { customerIdQuery, orderIdParam, skuParam } from "../shared/http/params.js";
import { badRequest } from "../shared/http/problem.js";
import { canonicalJson, orderIdForKey, parseIdempotencyKey, sha256Hex } from "./idempotency.js";

export interface GatewayDeps {
  readonly region: string;
  readonly sidecar: Sidecar;
  readonly ordersApp: string;
  readonly viewApp: string;
  readonly inventoryApp: string;
  readonly replicatorApp: string;
}

/** The public API of a region. It validates, then delegates through Dapr service invocation. */
export function gatewayRoutes(deps: GatewayDeps): Router {
  const router = Router();

  router.post("/orders", async (req, res) => {
    if (req.body === undefined) throw badRequest("request body is required");
    const parsed = placeOrderSchema.safeParse(req.body);
    if (!parsed.success) throw badRequest(describeIssues(parsed.error));
    const key = parseIdempotencyKey(req.header("idempotency-key"));
    const orderId = key ? orderIdForKey(deps.region, key) : randomUUID();
    const answer = await deps.sidecar.invoke<{ orderId: string; status: string; region: string }>(
      deps.ordersApp,
      "orders",
      HttpMethod.POST,
      { ...parsed.data, orderId, requestHash: sha256Hex(canonicalJson(parsed.data)) },
      { "x-correlation-id": orderId },
    );
    res.status(202).location(`/orders/${answer.orderId}`).json(answer);
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

  router.put("/inventory/:sku", async (req, res) => {
    const sku = skuParam(req.params["sku"]);
    res.json(await deps.sidecar.invoke(deps.inventoryApp, `inventory/${encodeURIComponent(sku)}`, HttpMethod.PUT, req.body));
  });

  router.get("/inventory/:sku", async (req, res) => {
    const sku = skuParam(req.params["sku"]);
    res.json(await deps.sidecar.invoke(deps.inventoryApp, `inventory/${encodeURIComponent(sku)}`, HttpMethod.GET));
  });

  // Operator endpoints; in a cluster, expose /admin only to operators (see k8s/README.md).
  router.get("/admin/dead-letters", async (_req, res) => {
    res.json(await deps.sidecar.invoke(deps.viewApp, "dead-letters", HttpMethod.GET));
  });

  /** Convergence check: a digest of every order this region holds (see orders /digest). */
  router.get("/admin/digest", async (_req, res) => {
    res.json(await deps.sidecar.invoke(deps.ordersApp, "digest", HttpMethod.GET));
  });

  /** The event lake: replay one order, or a time range (`?from=&to=`, ISO 8601). */
  router.get("/admin/lake/orders/:orderId", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    res.json(await deps.sidecar.invoke(deps.replicatorApp, `lake/subjects/${orderId}`, HttpMethod.GET));
  });

  router.get("/admin/lake/events", async (req, res) => {
    const query = new URLSearchParams({ from: String(req.query["from"] ?? ""), to: String(req.query["to"] ?? "") });
    res.json(await deps.sidecar.invoke(deps.replicatorApp, `lake/events?${query.toString()}`, HttpMethod.GET));
  });

  /** Re-seeding: list what this region holds, and put back a stream it lost. */
  router.get("/admin/catalog/:shard", async (req, res) => {
    res.json(await deps.sidecar.invoke(deps.ordersApp, `catalog/${encodeURIComponent(String(req.params["shard"]))}`, HttpMethod.GET));
  });

  router.post("/admin/restore", async (req, res) => {
    res.json(await deps.sidecar.invoke(deps.ordersApp, "restore", HttpMethod.POST, req.body));
  });

  router.post("/admin/rebuild-view", async (_req, res) => {
    res.status(202).json(await deps.sidecar.invoke(deps.viewApp, "rebuild", HttpMethod.POST));
  });

  router.get("/admin/rebuild-view", async (_req, res) => {
    res.json(await deps.sidecar.invoke(deps.viewApp, "rebuild", HttpMethod.GET));
  });

  router.post("/admin/dead-letters/:faultId/redrive", async (req, res) => {
    const faultId = String(req.params["faultId"]);
    res.json(await deps.sidecar.invoke(deps.viewApp, `dead-letters/${encodeURIComponent(faultId)}/redrive`, HttpMethod.POST));
  });

  return router;
}
