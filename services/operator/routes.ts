import { Router } from "express";
import type { Sidecar } from "../shared/dapr/sidecar.js";
import { HttpMethod } from "../shared/dapr/sidecar.js";
import { orderIdParam, skuParam } from "../shared/http/params.js";
import { badRequest } from "../shared/http/problem.js";
import { catalogShards } from "../shared/orders/catalog-shards.js";

export interface OperatorDeps {
  readonly sidecar: Sidecar;
  readonly ordersApp: string;
  readonly viewApp: string;
  readonly inventoryApp: string;
  readonly replicatorApp: string;
}

/**
 * Operator endpoints of a region, served only on the operator app's admin port and only with the
 * operator's credential (see runService): dead letters, convergence digest, event lake, re-seeding,
 * rebuilds, stock and prices. Paths keep their `/admin` prefix so an operator reads them as such in
 * any log. The app has a Dapr identity of its own: the public gateway's cannot reach any of this.
 */
export function operatorRoutes(deps: OperatorDeps): Router {
  const router = Router();
  const sidecar: Sidecar = deps.sidecar;

  router.get("/admin/dead-letters", async (_req, res) => {
    res.json(await sidecar.invoke(deps.viewApp, "dead-letters", HttpMethod.GET));
  });

  router.post("/admin/dead-letters/:faultId/redrive", async (req, res) => {
    const faultId = String(req.params["faultId"]);
    res.json(await sidecar.invoke(deps.viewApp, `dead-letters/${encodeURIComponent(faultId)}/redrive`, HttpMethod.POST));
  });

  /** Any customer's order and its history, for operators (and the drills' and benchmark's judges). */
  router.get("/admin/orders/:orderId", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    res.json(await sidecar.invoke(deps.viewApp, `orders/${orderId}`, HttpMethod.GET));
  });

  router.get("/admin/orders/:orderId/events", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    res.json(await sidecar.invoke(deps.ordersApp, `orders/${orderId}/events`, HttpMethod.GET));
  });

  /** Convergence check: a digest of every order this region holds (see orders /digest). */
  router.get("/admin/digest", async (_req, res) => {
    res.json(await sidecar.invoke(deps.ordersApp, "digest", HttpMethod.GET));
  });

  /** The event lake: replay one order, or a time range (`?from=&to=`, ISO 8601). */
  router.get("/admin/lake/orders/:orderId", async (req, res) => {
    const orderId = orderIdParam(req.params["orderId"]);
    res.json(await sidecar.invoke(deps.replicatorApp, `lake/subjects/${orderId}`, HttpMethod.GET));
  });

  router.get("/admin/lake/events", async (req, res) => {
    const query = new URLSearchParams({ from: String(req.query["from"] ?? ""), to: String(req.query["to"] ?? "") });
    res.json(await sidecar.invoke(deps.replicatorApp, `lake/events?${query.toString()}`, HttpMethod.GET));
  });

  /** Re-seeding: list what this region holds, and put back a stream it lost. */
  router.get("/admin/catalog/:shard", async (req, res) => {
    const shard = String(req.params["shard"]);
    if (!catalogShards.includes(shard)) throw badRequest("shard: must be two lower-case hex digits, 00 to ff");
    res.json(await sidecar.invoke(deps.ordersApp, `catalog/${shard}`, HttpMethod.GET));
  });

  router.post("/admin/restore", async (req, res) => {
    if (req.body === undefined) throw badRequest("request body is required");
    res.json(await sidecar.invoke(deps.ordersApp, "restore", HttpMethod.POST, req.body));
  });

  router.post("/admin/rebuild-view", async (_req, res) => {
    res.status(202).json(await sidecar.invoke(deps.viewApp, "rebuild", HttpMethod.POST));
  });

  router.get("/admin/rebuild-view", async (_req, res) => {
    res.json(await sidecar.invoke(deps.viewApp, "rebuild", HttpMethod.GET));
  });

  /** Stock: an operator's act, so only here (the public port has no way to change it). */
  router.put("/admin/inventory/:sku", async (req, res) => {
    const sku = skuParam(req.params["sku"]);
    res.json(await sidecar.invoke(deps.inventoryApp, `inventory/${encodeURIComponent(sku)}`, HttpMethod.PUT, req.body));
  });

  /** The price list every order is charged from; `{ "unitPrice": n }`, n > 0. */
  router.put("/admin/prices/:sku", async (req, res) => {
    const sku = skuParam(req.params["sku"]);
    res.json(await sidecar.invoke(deps.ordersApp, `prices/${encodeURIComponent(sku)}`, HttpMethod.PUT, req.body));
  });

  return router;
}
