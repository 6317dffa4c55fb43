/**
 * Orders placed the way a careful client places them: each with its own Idempotency-Key, retried
 * with that key on a 5xx or a lost answer until accepted (or the budget runs out). Records which
 * were accepted, and which answers said "maybe" (a 5xx naming the order id).
 */
import type { RegionHandle } from "../local/system.js";
import { drillUnitPrice } from "../drills/probes.js";

export interface Placed {
  readonly orderId: string;
  readonly region: string;
  readonly sku: string;
}

export interface LoadResult {
  readonly accepted: Placed[];
  /** Orders never accepted within the budget: the client knows their id only if a 5xx named it. */
  readonly refused: { readonly region: string; readonly key: string; readonly orderId?: string }[];
  /** 5xx answers seen on the way (retried). */
  readonly retried: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function placeOne(
  region: RegionHandle,
  key: string,
  sku: string,
  budgetMs: number,
): Promise<{ orderId?: string; accepted: boolean; retried: number }> {
  const until = Date.now() + budgetMs;
  let retried = 0;
  let named: string | undefined;
  for (;;) {
    const token = await region.issuer.token(`chaos-${region.name}`).catch(() => undefined);
    const res = await fetch(`${region.gatewayUrl}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json", "idempotency-key": key, authorization: `Bearer ${token ?? "none"}` },
      body: JSON.stringify({ items: [{ sku, quantity: 1, unitPrice: drillUnitPrice }] }),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    const body = res ? ((await res.json().catch(() => ({}))) as { orderId?: string }) : {};
    if (res?.status === 202 && body.orderId) return { orderId: body.orderId, accepted: true, retried };
    if (res && res.status < 500) throw new Error(`${region.name} refused a valid order with ${res.status}: ${JSON.stringify(body)}`);
    named ??= body.orderId;
    retried++;
    if (Date.now() > until) return { ...(named ? { orderId: named } : {}), accepted: false, retried };
    await sleep(500);
  }
}

/** Places `perSecond` orders a second in each region for `durationMs`, each retried for up to `budgetMs`. */
export async function runLoad(
  regions: readonly RegionHandle[],
  opts: { tag: string; sku: string; perSecond: number; durationMs: number; budgetMs: number },
): Promise<LoadResult> {
  const result: LoadResult = { accepted: [], refused: [], retried: 0 };
  const inFlight: Promise<void>[] = [];
  const total = Math.round((opts.durationMs / 1000) * opts.perSecond);
  const started = Date.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / opts.perSecond;
    if (due > Date.now()) await sleep(due - Date.now());
    for (const region of regions) {
      const key = `${opts.tag}-${region.name}-${i}`;
      inFlight.push(
        placeOne(region, key, opts.sku, opts.budgetMs).then((r) => {
          (result as { retried: number }).retried += r.retried;
          if (r.accepted && r.orderId) result.accepted.push({ orderId: r.orderId, region: region.name, sku: opts.sku });
          else result.refused.push({ region: region.name, key, ...(r.orderId ? { orderId: r.orderId } : {}) });
        }),
      );
    }
  }
  await Promise.all(inFlight);
  return result;
}
