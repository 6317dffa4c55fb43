/**
 * What an operator does before a region can sell a SKU, on the region's admin port with the
 * operator's credential (the public port cannot change stock or prices): list its price, set its
 * stock. The drills, the chaos suite, the benchmark and the tests all seed through here.
 */
import type { RegionHandle } from "./system.js";

type Operated = Pick<RegionHandle, "name" | "adminUrl" | "adminToken">;

async function adminPut(region: Operated, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${region.adminUrl}${path}`, {
    method: "PUT",
    headers: { "content-type": "application/json", authorization: `Bearer ${region.adminToken}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  if (res.status !== 200) throw new Error(`PUT ${path} in ${region.name} answered ${res.status}: ${await res.text()}`);
}

export function setStock(region: Operated, sku: string, available: number): Promise<void> {
  return adminPut(region, `/admin/inventory/${encodeURIComponent(sku)}`, { available });
}

export function setPrice(region: Operated, sku: string, unitPrice: number): Promise<void> {
  return adminPut(region, `/admin/prices/${encodeURIComponent(sku)}`, { unitPrice });
}

/** A SKU ready to sell: listed at `unitPrice` with `available` in stock. */
export async function stockSku(region: Operated, sku: string, available: number, unitPrice: number): Promise<void> {
  await setPrice(region, sku, unitPrice);
  await setStock(region, sku, available);
}
