import { Router } from "express";
import { z } from "zod";
import { describeIssues, listPriceSchema } from "../shared/events/order-input.js";
import { skuParam } from "../shared/http/params.js";
import { badRequest, notFound } from "../shared/http/problem.js";
import type { PriceList } from "./price-list.js";

const setPriceSchema = z.strictObject({ unitPrice: listPriceSchema });

/**
 * The price list: read by anyone (through the gateway's public API), set only by an operator
 * (the operator app's admin port with the operator's credential is the one way in; the access
 * policies in platform/access.ts name the gateway as the only caller).
 */
export function priceRoutes(prices: PriceList, clock: () => Date): Router {
  const router = Router();
  router.get("/prices/:sku", async (req, res) => {
    const sku = skuParam(req.params["sku"]);
    const listed = await prices.get(sku);
    if (!listed) throw notFound(`sku ${sku} has no listed price`);
    res.json(listed);
  });
  router.put("/prices/:sku", async (req, res) => {
    const sku = skuParam(req.params["sku"]);
    const body = setPriceSchema.safeParse(req.body);
    if (!body.success) throw badRequest(describeIssues(body.error));
    res.json(await prices.set(sku, body.data.unitPrice, clock()));
  });
  return router;
}
