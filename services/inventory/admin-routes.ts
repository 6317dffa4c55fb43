import { Router } from "express";
import { z } from "zod";
import { describeIssues } from "../shared/events/order-input.js";
import { skuParam } from "../shared/http/params.js";
import { badRequest } from "../shared/http/problem.js";
import type { InventoryApp } from "./application.js";

const setStockSchema = z.strictObject({
  available: z.number().int("must be an integer").min(0, "must be >= 0").max(1_000_000_000, "must be <= 1000000000"),
});

/**
 * Setting stock: an operator's command. Reached only through service invocation from the
 * gateway, which demands the operator's credential (platform/access.ts names the caller).
 */
export function inventoryAdminRoutes(app: InventoryApp): Router {
  const router = Router();
  router.put("/inventory/:sku", async (req, res) => {
    const sku = skuParam(req.params["sku"]);
    const body = setStockSchema.safeParse(req.body);
    if (!body.success) throw badRequest(describeIssues(body.error));
    res.json(await app.setStock(sku, body.data.available));
  });
  return router;
}
