/**
 * Correctness under load, checked after the load has drained: no accepted order may be lost (home
 * view confirmed, replica visible in every other region), and no effect may happen twice (stock
 * reserved exactly once per line, one payment per order, one event of each kind per order stream).
 */
import type { SystemHandle } from "../local/system.js";
import { paymentEventTypes } from "../../services/shared/events/payment-events.js";
import { sumCounter } from "./metrics-text.js";
import type { BenchOrder, Seen } from "./saga-load.js";

export interface Correctness {
  readonly ordersPlaced: number;
  /** Accepted (202) but not confirmed in its home region's view. */
  readonly lost: number;
  /** Confirmed at home but not visible as confirmed in another region. */
  readonly notReplicated: number;
  /** SKUs whose reserved stock differs from what the confirmed orders took. */
  readonly stockMismatches: number;
  /** payment.authorized events published beyond one per order. */
  readonly extraPayments: number;
  /** Order streams holding an event type twice. */
  readonly duplicatedHistories: number;
  readonly historiesChecked: number;
  /** lost + notReplicated + every duplicated effect: 0 is the only good figure. */
  readonly total: number;
}

async function getJson<T>(url: string, headers: Record<string, string> = {}): Promise<T> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status}`);
  return (await res.json()) as T;
}

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += limit) out.push(...(await Promise.all(items.slice(i, i + limit).map(fn))));
  return out;
}

export async function checkCorrectness(
  system: SystemHandle,
  orders: readonly BenchOrder[],
  home: ReadonlyMap<string, Seen>,
  peers: ReadonlyMap<string, ReadonlyMap<string, Seen>>,
  historySample: number,
): Promise<Correctness> {
  const lost = orders.filter((o) => home.get(o.orderId)?.status !== "confirmed").length;
  let notReplicated = 0;
  for (const o of orders) {
    for (const [peer, seen] of peers) if (peer !== o.region && seen.get(o.orderId)?.status !== "confirmed") notReplicated++;
  }

  let stockMismatches = 0;
  let extraPayments = 0;
  let duplicatedHistories = 0;
  let historiesChecked = 0;
  for (const region of system.regions) {
    const mine = orders.filter((o) => o.region === region.name);
    const taken = new Map<string, number>();
    for (const o of mine) for (const l of o.lines) taken.set(l.sku, (taken.get(l.sku) ?? 0) + l.quantity);
    const levels = await mapLimited([...taken.keys()], 16, (sku) => getJson<{ reserved: number }>(`${region.gatewayUrl}/inventory/${sku}`));
    stockMismatches += [...taken.values()].filter((q, i) => levels[i]!.reserved !== q).length;

    // Summed over every payments replica: each counts what it wrote.
    const metrics = (
      await Promise.all(region.replicas.payments.map(async (a) => (await fetch(`http://127.0.0.1:${a.appPort}/metrics`)).text()))
    ).join("\n");
    extraPayments += Math.max(
      0,
      sumCounter(metrics, "meridian_events_published_total", `type="${paymentEventTypes.authorized}"`) - mine.length,
    );

    // Spread the sample over the whole run: early, saturated and late orders alike.
    const step = Math.max(1, Math.floor(mine.length / historySample));
    const sample = mine.filter((_, i) => i % step === 0).slice(0, historySample);
    const histories = await mapLimited(sample, 16, (o) =>
      getJson<{ events: { type: string }[] }>(`${region.adminUrl}/admin/orders/${o.orderId}/events`, {
        authorization: `Bearer ${region.adminToken}`,
      }),
    );
    historiesChecked += histories.length;
    duplicatedHistories += histories.filter((h) => new Set(h.events.map((e) => e.type)).size !== h.events.length).length;
  }
  return {
    ordersPlaced: orders.length,
    lost,
    notReplicated,
    stockMismatches,
    extraPayments,
    duplicatedHistories,
    historiesChecked,
    total: lost + notReplicated + stockMismatches + extraPayments + duplicatedHistories,
  };
}
