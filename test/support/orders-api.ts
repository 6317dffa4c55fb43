import { randomUUID } from "node:crypto";
import { expect } from "vitest";
import { setPrice, setStock } from "../../scripts/local/operator.js";
import type { RegionHandle } from "../../scripts/local/system.js";
import { call, postJson } from "./http.js";
import { eventually } from "./system.js";

export interface OrderView {
  orderId: string;
  status: string;
  version: number;
  total: number;
  homeRegion: string;
}

export interface Stock {
  sku: string;
  available: number;
  reserved: number;
}

/** What each region's price list holds, as the tests listed it (so each SKU is listed once). */
const listedPrices = new WeakMap<RegionHandle, Map<string, number>>();

/**
 * The operator lists each SKU at the price a test orders it at, before the order: the saga and
 * replication tests are about what happens after pricing (test/int/foundation.int.spec.ts is about
 * pricing itself, and places its orders without this).
 */
async function listAt(region: RegionHandle, items: readonly { sku: string; unitPrice: number }[]): Promise<void> {
  const listed = listedPrices.get(region) ?? new Map<string, number>();
  listedPrices.set(region, listed);
  for (const { sku, unitPrice } of items) {
    if (listed.get(sku) === unitPrice) continue;
    await setPrice(region, sku, unitPrice);
    listed.set(sku, unitPrice);
  }
}

/** Who placed each order the tests placed: reads and cancels are made as that customer. */
const customerOfOrder = new Map<string, string>();

/** The `Authorization` header of a customer signed in at the system's issuer. */
export async function signedIn(region: RegionHandle, customerId: string): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await region.issuer.token(customerId)}` };
}

/** The public API of one region, as the tests drive it, each call as the order's own customer. */
export function ordersApi(region: RegionHandle, options: { readonly retry503?: number } = {}) {
  const base = region.gatewayUrl;
  const asOwner = (orderId: string): Promise<Record<string, string>> => {
    const customerId = customerOfOrder.get(orderId);
    if (!customerId) throw new Error(`order ${orderId} was not placed through ordersApi: whose is it?`);
    return signedIn(region, customerId);
  };
  return {
    /** `retry503`: retries a 503 that many times with the same Idempotency-Key, as clients are told to. */
    async place(customerId: string, items: { sku: string; quantity: number; unitPrice: number }[], key?: string): Promise<string> {
      await listAt(region, items);
      const idempotencyKey = key ?? randomUUID();
      const headers = { ...(await signedIn(region, customerId)), "Idempotency-Key": idempotencyKey };
      let res = await postJson(`${base}/orders`, { items }, headers);
      for (let retry = 0; res.status === 503 && retry < (options.retry503 ?? 0); retry++) {
        res = await postJson(`${base}/orders`, { items }, headers);
      }
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const { orderId } = res.body as { orderId: string };
      customerOfOrder.set(orderId, customerId);
      return orderId;
    },
    /** Records an order placed by other means (a raw POST) as `customerId`'s, so reads go as them. */
    owns(orderId: string, customerId: string): void {
      customerOfOrder.set(orderId, customerId);
    },
    async get(orderId: string): Promise<OrderView | undefined> {
      const res = await call(`${base}/orders/${orderId}`, { headers: await asOwner(orderId) });
      return res.status === 200 ? (res.body as OrderView) : undefined;
    },
    /** Waits until the read model shows one of `statuses`. */
    async settled(orderId: string, statuses: readonly string[], timeoutMs = 30_000): Promise<OrderView> {
      return (await eventually(
        async () => this.get(orderId),
        (o) => o !== undefined && statuses.includes(o.status),
        timeoutMs,
      )) as OrderView;
    },
    /** The customer's own orders, as they list them. */
    list: async (customerId: string) => call(`${base}/orders`, { headers: await signedIn(region, customerId) }),
    cancel: async (orderId: string) => call(`${base}/orders/${orderId}/cancel`, { method: "POST", headers: await asOwner(orderId) }),
    events: async (orderId: string, at?: string) =>
      call(`${base}/orders/${orderId}/events${at ? `?at=${encodeURIComponent(at)}` : ""}`, { headers: await asOwner(orderId) }),
    setStock: (sku: string, available: number): Promise<void> => setStock(region, sku, available),
    async stock(sku: string): Promise<Stock> {
      const res = await call(`${base}/inventory/${sku}`);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      return res.body as Stock;
    },
    /** The payment record, read from the payments app itself (it is not on the public API). */
    async payment(orderId: string): Promise<{ status: string; amount: number } | undefined> {
      const res = await call(`http://127.0.0.1:${region.apps.payments.appPort}/payments/${orderId}`, {
        headers: { "dapr-api-token": region.apps.payments.appApiToken },
      });
      return res.status === 200 ? (res.body as { status: string; amount: number }) : undefined;
    },
  };
}
