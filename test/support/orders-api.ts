import { randomUUID } from "node:crypto";
import { expect } from "vitest";
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

/** The public API of one region, as the tests drive it. */
export function ordersApi(region: RegionHandle, options: { readonly retry503?: number } = {}) {
  const base = region.gatewayUrl;
  return {
    /** `retry503`: retries a 503 that many times with the same Idempotency-Key, as clients are told to. */
    async place(customerId: string, items: { sku: string; quantity: number; unitPrice: number }[], key?: string): Promise<string> {
      const idempotencyKey = key ?? randomUUID();
      let res = await postJson(`${base}/orders`, { customerId, items }, { "Idempotency-Key": idempotencyKey });
      for (let retry = 0; res.status === 503 && retry < (options.retry503 ?? 0); retry++) {
        res = await postJson(`${base}/orders`, { customerId, items }, { "Idempotency-Key": idempotencyKey });
      }
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      return (res.body as { orderId: string }).orderId;
    },
    async get(orderId: string): Promise<OrderView | undefined> {
      const res = await call(`${base}/orders/${orderId}`);
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
    cancel: (orderId: string) => call(`${base}/orders/${orderId}/cancel`, { method: "POST" }),
    events: (orderId: string, at?: string) => call(`${base}/orders/${orderId}/events${at ? `?at=${encodeURIComponent(at)}` : ""}`),
    async setStock(sku: string, available: number): Promise<void> {
      const res = await call(`${base}/inventory/${sku}`, {
        method: "PUT",
        headers: { "content-type": "application/json", authorization: `Bearer ${region.adminToken}` },
        body: JSON.stringify({ available }),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    },
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
