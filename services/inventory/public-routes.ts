import { Router } from "express";
import { skuParam } from "../shared/http/params.js";
import { notFound } from "../shared/http/problem.js";
import type { InventoryApp } from "./application.js";

/** Reading stock, for anyone the gateway lets through. */
export function inventoryPublicRoutes(app: InventoryApp, region: string): Router {
  const router = Router();
  router.get("/inventory/:sku", async (req, res) => {
    const sku = skuParam(req.params["sku"]);
    const level = await app.level(sku);
    if (!level) throw notFound(`no stock recorded for sku ${sku} in region ${region}`);
    res.json(level);
  });
  return router;
}
