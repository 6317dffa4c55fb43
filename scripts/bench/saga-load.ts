/**
 * Drives the saga through a region's public API and reads back when each order became visible.
 * Timing comes from the read model itself (`projectedAt`, stamped by order-view when a change
 * became visible), read after the fact, so measuring adds no polling load while the load runs.
 */
import { randomUUID } from "node:crypto";
import { orderIdForKey } from "../../services/gateway/idempotency.js";
import { type LoadProgress, runOpenModel } from "./open-model.js";

/** What every benchmark SKU is listed at (and what each order line states it expects to pay). */
export const benchUnitPrice = 10;
export interface BenchOrder {
  readonly orderId: string;
  readonly region: string;
  /** When the open model meant to place it (epoch ms): latencies start here. */
  readonly dueAt: number;
  readonly lines: readonly { readonly sku: string; readonly quantity: number }[];
}

export interface PlaceResult {
  readonly placed: readonly BenchOrder[];
  readonly failures: readonly string[];
  /** Orders whose POST failed for good: they may exist all the same (see correctness). */
  readonly unacknowledged: readonly BenchOrder[];
  /** POSTs sent again after a failure or timeout (same Idempotency-Key). */
  readonly retries: number;
  /** How late the generator sent its latest request; large values mean the load box itself was the limit. */
  readonly maxSendDelayMs: number;
  readonly startedAt: number;
  readonly endedAt: number;
}

export interface PlaceOptions {
  readonly region: string;
  readonly gatewayUrl: string;
  /** A customer's access token from the system's issuer (the benchmark's customers sign in like any). */
  readonly token: (customerId: string) => Promise<string>;
  readonly ratePerSecond: number;
  readonly count: number;
  readonly skus: readonly string[];
  readonly runTag: string;
  readonly onTick?: (p: LoadProgress) => void;
}

/** Two lines on two different SKUs, one unit each: every order reserves, pays and confirms. */
function linesFor(index: number, skus: readonly string[]): { sku: string; quantity: number }[] {
  const a = skus[index % skus.length]!;
  const b = skus[(index * 7 + 3) % skus.length]!;
  return a === b
    ? [{ sku: a, quantity: 2 }]
    : [
        { sku: a, quantity: 1 },
        { sku: b, quantity: 1 },
      ];
}

/** The order id, or why the POST failed. */
async function postOrder(gatewayUrl: string, key: string, body: string, token: string): Promise<string> {
  const res = await fetch(`${gatewayUrl}/orders`, {
    method: "POST",
    headers: { "content-type": "application/json", "idempotency-key": key, authorization: `Bearer ${token}` },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  const answer = (await res.json()) as { orderId?: string; detail?: string };
  if (res.status !== 202 || !answer.orderId)
    throw new Error(`POST /orders answered ${res.status}: ${answer.detail ?? JSON.stringify(answer)}`);
  return answer.orderId;
}

/** The customers of a load: orders spread over this many, like a shop's returning customers. */
const customersPerLoad = 5000;
const customerOf = (runTag: string, index: number): string => `bench-${runTag}-${index % customersPerLoad}`;

export async function placeOrders(opts: PlaceOptions): Promise<PlaceResult> {
  // Signed in before the clock starts: a sign-in is the issuer's work, not the system's.
  const customers = Array.from({ length: Math.min(opts.count, customersPerLoad) }, (_, i) => customerOf(opts.runTag, i));
  const tokens = new Map<string, string>();
  for (let i = 0; i < customers.length; i += 16)
    await Promise.all(customers.slice(i, i + 16).map(async (c) => tokens.set(c, await opts.token(c))));
  let retries = 0;
  const unacknowledged: BenchOrder[] = [];
  const load = await runOpenModel<BenchOrder>({
    ratePerSecond: opts.ratePerSecond,
    count: opts.count,
    // Sockets are cheap on loopback, and a stalled region must show as latency, not as a slower load.
    maxInFlight: 256,
    ...(opts.onTick ? { onTick: opts.onTick } : {}),
    send: async ({ index, dueAt }) => {
      const lines = linesFor(index, opts.skus);
      const customerId = customerOf(opts.runTag, index);
      const body = JSON.stringify({ items: lines.map((l) => ({ ...l, unitPrice: benchUnitPrice })) });
      const key = `${opts.runTag}-${opts.region}-${index}`;
      // Like any client, retry a failed or timed-out POST with the same Idempotency-Key: the order
      // may exist already, and the key makes the retry return it instead of placing another.
      let lastError = "";
      for (let attempt = 1; attempt <= 5; attempt++) {
        const answer = await postOrder(opts.gatewayUrl, key, body, tokens.get(customerId)!).then(
          (orderId) => ({ orderId }),
          (err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }),
        );
        if ("orderId" in answer) return { orderId: answer.orderId, region: opts.region, dueAt, lines };
        lastError = answer.error;
        retries++;
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
      // Unacknowledged, not necessarily absent: the order may exist (a POST that timed out after
      // the order was written). Its id follows from the key, so the correctness check can look.
      unacknowledged.push({ orderId: orderIdForKey(opts.region, customerId, key), region: opts.region, dueAt, lines });
      throw new Error(lastError);
    },
  });
  return {
    placed: load.results.flatMap((r) => (r.ok ? [r.value] : [])),
    failures: load.results.flatMap((r) => (r.ok ? [] : [r.error])),
    unacknowledged,
    retries,
    maxSendDelayMs: load.maxSendDelayMs,
    startedAt: load.startedAt,
    endedAt: load.endedAt,
  };
}

/** An order as one region's read model showed it once it reached the status waited for. */
export interface Seen {
  readonly status: string;
  /** When the view changed to this (order-view's clock). */
  readonly projectedAt: number;
  /** When the event behind it was committed in the home region. */
  readonly committedAt: number;
}

export interface AwaitOptions {
  /** Whose admin port serves the reads: the benchmark judges every customer's orders as an operator. */
  readonly reader: { readonly adminUrl: string; readonly adminToken: string };
  readonly orders: readonly BenchOrder[];
  readonly status: string;
  readonly timeoutMs: number;
  readonly onTick?: (seen: number, total: number) => void;
}

/**
 * Waits until a region's read model shows every order in `status` (or a final status) and
 * returns what it showed. Orders complete roughly in the order they were placed, so it reads a
 * small window from the oldest outstanding order and sleeps only while that window is unfinished:
 * the read load stays light while the system is busy and fast once it has caught up.
 */
export async function awaitViews(opts: AwaitOptions): Promise<Map<string, Seen>> {
  const seen = new Map<string, Seen>();
  const pending = [...opts.orders];
  const deadline = Date.now() + opts.timeoutMs;
  let lastTick = 0;
  // Rounds in a row that found nothing new: under a backlog the oldest orders are seconds away,
  // and polling them ten times a second would take CPU from the system being measured (the
  // figures come from the views' own timestamps, not from when a poll saw them).
  let idleRounds = 0;
  while (pending.length > 0 && Date.now() < deadline) {
    const window = pending.slice(0, 16);
    const answers = await Promise.all(window.map((o) => readView(opts.reader, o.orderId)));
    let finished = 0;
    answers.forEach((view, i) => {
      if (!view || !(view.status === opts.status || view.status === "rejected" || view.status === "cancelled")) return;
      seen.set(window[i]!.orderId, view);
      finished++;
    });
    for (let i = pending.length - 1; i >= 0; i--) if (seen.has(pending[i]!.orderId)) pending.splice(i, 1);
    if (opts.onTick && Date.now() - lastTick >= 1000) {
      lastTick = Date.now();
      opts.onTick(seen.size, opts.orders.length);
    }
    idleRounds = finished === 0 ? idleRounds + 1 : 0;
    if (finished < window.length) await new Promise((r) => setTimeout(r, Math.min(1000, 100 * 2 ** idleRounds)));
  }
  return seen;
}

async function readView(reader: AwaitOptions["reader"], orderId: string): Promise<Seen | undefined> {
  const res = await fetch(`${reader.adminUrl}/admin/orders/${orderId}`, {
    headers: { authorization: `Bearer ${reader.adminToken}` },
    signal: AbortSignal.timeout(10_000),
  }).catch(() => undefined);
  if (!res || res.status !== 200) {
    await res?.body?.cancel();
    return undefined;
  }
  const view = (await res.json()) as { status: string; projectedAt?: string; updatedAt: string };
  if (!view.projectedAt) throw new Error(`order ${orderId}: the read model has no projectedAt (order-view is older than the benchmark)`);
  return { status: view.status, projectedAt: Date.parse(view.projectedAt), committedAt: Date.parse(view.updatedAt) };
}

export const newRunTag = (): string => randomUUID().slice(0, 8);
