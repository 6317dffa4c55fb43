/**
 * What `npm start` lists and stocks in every region, so the first order a newcomer places (the
 * curl it prints) confirms instead of being refused for an unlisted SKU or rejected for no stock.
 */
import { stockSku } from "./operator.js";
import type { RegionHandle } from "./system.js";

export const demoSkus = [
  { sku: "sku-1", unitPrice: 9.5, available: 1000 },
  { sku: "sku-2", unitPrice: 24, available: 10 },
] as const;

export async function seedDemo(regions: readonly RegionHandle[]): Promise<void> {
  for (const region of regions) for (const { sku, unitPrice, available } of demoSkus) await stockSku(region, sku, available, unitPrice);
}
