/**
 * What the drills observe, through the public API and the apps' own endpoints only.
 */
import type { RegionHandle, SystemHandle } from "../local/system.js";
import { stockSku } from "../local/operator.js";

export interface Digest {
  region: string;
  orders: number;
  byStatus: Record<string, number>;
  digest: string;
}

export const finalStatuses = ["confirmed", "rejected", "cancelled"];

async function json<T>(url: string, init?: RequestInit, timeoutMs = 5000): Promise<{ status: number; body: T }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
}

/** How long a judge's read keeps trying a system that is still busy with what a fault left behind. */
export const readPatienceMs = 30_000;

/**
 * A read the judges rely on (GET, idempotent): a timeout or a 5xx means busy, not absent, so it
 * is tried again until `patienceMs`; only then does the last answer (or error) stand. A judge
 * that took a slow answer for a missing one counted orders lost and stock wrong that were neither.
 */
export async function patientGet<T>(url: string, init?: RequestInit, patienceMs = readPatienceMs): Promise<{ status: number; body: T }> {
  const until = Date.now() + patienceMs;
  for (;;) {
    try {
      const res = await json<T>(url, init, 10_000);
      if (res.status < 500 || Date.now() >= until) return res;
    } catch (err) {
      if (Date.now() >= until) throw err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

export async function digest(region: RegionHandle): Promise<Digest | undefined> {
  // A digest reads every order stream the region holds: seconds on a busy machine.
  const res = await json<Digest>(
    `${region.adminUrl}/admin/digest`,
    { headers: { authorization: `Bearer ${region.adminToken}` } },
    30_000,
  ).catch(() => undefined);
  return res?.status === 200 ? res.body : undefined;
}

/** The operator's credential for a judge's reads: judges look at every customer's orders. */
export const asOperator = (region: RegionHandle): RequestInit => ({ headers: { authorization: `Bearer ${region.adminToken}` } });

/** An order as the region's read model shows it, read on the admin port (any customer's). */
export async function orderStatus(region: RegionHandle, orderId: string): Promise<{ status: string; version: number } | undefined> {
  const res = await patientGet<{ status: string; version: number }>(`${region.adminUrl}/admin/orders/${orderId}`, asOperator(region)).catch(
    () => undefined,
  );
  return res?.status === 200 ? res.body : undefined;
}

/** The customer every drill order of a region is placed for. */
export const drillCustomer = (region: RegionHandle): string => `drill-${region.name}`;

export async function place(region: RegionHandle, key: string, sku: string): Promise<string | undefined> {
  const token = await region.issuer.token(drillCustomer(region)).catch(() => undefined);
  if (!token) return undefined;
  const res = await json<{ orderId: string }>(`${region.gatewayUrl}/orders`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key, authorization: `Bearer ${token}` },
    body: JSON.stringify({ items: [{ sku, quantity: 1, unitPrice: drillUnitPrice }] }),
  }).catch(() => undefined);
  return res?.status === 202 ? res.body.orderId : undefined;
}

/** The price every drill order is placed at. */
export const drillUnitPrice = 10;

/** Lists the drill SKU at the drill price and sets its stock (see scripts/local/operator.ts). */
export function setStock(region: RegionHandle, sku: string, available: number): Promise<void> {
  return stockSku(region, sku, available, drillUnitPrice);
}

export async function stock(region: RegionHandle, sku: string): Promise<{ available: number; reserved: number }> {
  return (await patientGet<{ available: number; reserved: number }>(`${region.gatewayUrl}/inventory/${sku}`)).body;
}

/** The payment record of an order in one region, read from that region's payments app. */
export async function payment(region: RegionHandle, orderId: string): Promise<{ status: string } | undefined> {
  const res = await patientGet<{ status: string }>(`http://127.0.0.1:${region.apps.payments.appPort}/payments/${orderId}`, {
    headers: { "dapr-api-token": region.apps.payments.appApiToken },
  });
  return res.status === 200 ? res.body : undefined;
}

/**
 * Side effects per order in every region: one payment record, in its home region and nowhere
 * else (a replica that re-triggered payments would show one elsewhere); and in each region the
 * stock reserved equals the confirmed orders homed there, one unit each (a double reservation, or
 * one made for a replica, would not add up). Drills give ample stock, so every order confirms.
 */
export async function effects(
  system: SystemHandle,
  placed: ReadonlyMap<string, string>,
  sku: string,
): Promise<{ missing: string[]; misplaced: string[]; stockMismatch: string[] }> {
  const missing: string[] = [];
  const misplaced: string[] = [];
  const stockMismatch: string[] = [];
  const confirmedByHome = new Map<string, number>();
  for (const [orderId, home] of placed) {
    for (const region of system.regions) {
      const record = await payment(region, orderId);
      if (region.name !== home && record) misplaced.push(`${orderId}: payment in ${region.name}`);
      if (region.name === home && !record) missing.push(`${orderId}: no payment in its home ${home}`);
    }
    const state = await orderStatus(system.region(home), orderId);
    if (state?.status === "confirmed") confirmedByHome.set(home, (confirmedByHome.get(home) ?? 0) + 1);
  }
  for (const region of system.regions) {
    const level = await stock(region, sku);
    const expected = confirmedByHome.get(region.name) ?? 0;
    if (level.reserved !== expected)
      stockMismatch.push(`${region.name}: reserved ${level.reserved}, confirmed orders homed there ${expected}`);
  }
  return { missing, misplaced, stockMismatch };
}

/** Polls until every region holds the same orders, all final, and returns how long it took. */
export async function converge(
  system: SystemHandle,
  expectedOrders: number,
  timeoutMs: number,
): Promise<{ ms: number; digests: (Digest | undefined)[] }> {
  const started = Date.now();
  let digests: (Digest | undefined)[] = [];
  while (Date.now() - started < timeoutMs) {
    digests = await Promise.all(system.regions.map(digest));
    const first = digests[0];
    const allFinal = digests.every((d) => d && d.orders === expectedOrders && (d.byStatus["pending"] ?? 0) === 0);
    if (first && allFinal && digests.every((d) => d?.digest === first.digest)) return { ms: Date.now() - started, digests };
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`regions did not converge within ${timeoutMs} ms: ${JSON.stringify(digests)}`);
}

/** meridian_replication_backlog_events per peer, as a region's replicator reports it. */
export async function backlog(region: RegionHandle): Promise<Record<string, number>> {
  const text = await (
    await fetch(`http://127.0.0.1:${region.apps.replicator.appPort}/metrics`, { signal: AbortSignal.timeout(5000) })
  ).text();
  const found: Record<string, number> = {};
  for (const line of text.split("\n")) {
    const m = /^meridian_replication_backlog_events\{[^}]*peer="([^"]+)"[^}]*\} (\d+)/.exec(line);
    if (m) found[m[1]!] = Number(m[2]);
  }
  return found;
}
