/**
 * Generated bad requests against a region's public and admin ports: malformed paths and
 * percent-encodings, wrong types, unknown fields, deep nesting, lying Content-Encoding and
 * Content-Type, oversized bodies, junk events for restore. Deterministic (seeded), so a failure
 * can be replayed. Every answer must be below 500, and every 4xx a problem document.
 */
import type { RegionHandle } from "../local/system.js";

export interface BadRequestReport {
  readonly sent: number;
  readonly byStatus: Record<string, number>;
  readonly serverErrors: number;
  /** 4xx answers that were not application/problem+json. */
  readonly notProblem: number;
  /** Up to ten examples of what went wrong, to replay. */
  readonly examples: string[];
}

interface BadRequest {
  readonly port: "public" | "admin";
  readonly method: string;
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** mulberry32: small, seeded, good enough to pick cases. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const junkSegments = [
  "%ff",
  "%c0%ae%c0%ae",
  "%",
  "%zz",
  "%e2%82",
  "..%2f..%2fetc",
  "%00",
  "a".repeat(300),
  "ünï",
  "%F0%9F%92%A9",
  "'; DROP",
  "{}",
];
const junkValues: unknown[] = [null, true, -1, Number.MAX_VALUE, "1", "", [], {}, "x".repeat(5000), -0.5, 2 ** 60, { $gt: 0 }, ["a"]];
// customerId may only repeat the token's subject: a mutated one is a 400 (junk) or a 403 (someone else).
const validOrder = { customerId: "bad-0", items: [{ sku: "sku-1", quantity: 1, unitPrice: 1 }] };

function nested(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`;
}

function mutateOrder(pick: <T>(xs: readonly T[]) => T): string {
  const order = structuredClone(validOrder) as Record<string, unknown> & { items: Record<string, unknown>[] };
  switch (pick(["field", "item", "extra", "drop", "items"] as const)) {
    case "field":
      order[pick(["customerId", "items"])] = pick(junkValues);
      break;
    case "item":
      order.items[0]![pick(["sku", "quantity", "unitPrice"])] = pick(junkValues);
      break;
    case "extra":
      order[pick(["coupon", "__proto__x", "total", "status"])] = pick(junkValues);
      break;
    case "drop":
      delete order[pick(["customerId", "items"])];
      break;
    case "items":
      // 5,000 lines: past the body limit (500 identical lines was a valid order, answered 202).
      order.items = pick([[], Array.from({ length: 5000 }, () => validOrder.items[0]!), [null], ["x"]]) as Record<string, unknown>[];
  }
  return JSON.stringify(order);
}

function generate(n: number, seed: number, uuid: string): BadRequest[] {
  const rnd = random(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const json = { "content-type": "application/json" };
  const makers: (() => BadRequest)[] = [
    () => ({ port: "public", method: "GET", path: `/orders/${pick(junkSegments)}` }),
    () => ({ port: "public", method: "GET", path: `/orders/${uuid}/events?at=${pick(["yesterday", "%ff", "2026-13-45T99:00:00Z", ""])}` }),
    () => ({ port: "public", method: "GET", path: `/orders?customerId=${pick(["", "%ff", "a".repeat(500), "x&customerId=y"])}` }),
    () => ({ port: "public", method: "POST", path: `/orders/${pick(junkSegments)}/cancel` }),
    () => ({ port: "public", method: "POST", path: "/orders", headers: json, body: mutateOrder(pick) }),
    () => ({ port: "public", method: "POST", path: "/orders", headers: json, body: pick(["{", "[1,2", "nul", '{"a":1}}', "\u0000", ""]) }),
    () => ({ port: "public", method: "POST", path: "/orders", headers: json, body: nested(pick([40, 500, 5000])) }),
    () => ({
      port: "public",
      method: "POST",
      path: "/orders",
      headers: { ...json, "content-encoding": pick(["gzip", "deflate", "br", "identity, gzip", "x-junk"]) },
      body: JSON.stringify(validOrder),
    }),
    () => ({
      port: "public",
      method: "POST",
      path: "/orders",
      headers: {
        "content-type": pick(["text/plain", "application/xml", "multipart/form-data; boundary=x", "application/json; charset=latin9"]),
      },
      body: JSON.stringify(validOrder),
    }),
    () => ({
      port: "public",
      method: "POST",
      path: "/orders",
      headers: json,
      body: JSON.stringify({ ...validOrder, pad: "x".repeat(100_000) }),
    }),
    () => ({ port: "public", method: pick(["DELETE", "PATCH", "PUT"]), path: pick(["/orders", `/orders/${uuid}`, "/admin/restore", "/"]) }),
    () => ({
      port: "public",
      method: "POST",
      path: "/admin/restore",
      headers: json,
      body: JSON.stringify({ orderId: uuid, events: [{}] }),
    }),
    () => ({ port: "admin", method: "PUT", path: `/admin/inventory/${pick(junkSegments)}`, headers: json, body: '{"available":1}' }),
    () => ({
      port: "admin",
      method: "PUT",
      path: "/admin/inventory/sku-chaos",
      headers: json,
      body: pick([JSON.stringify({ available: pick(junkValues) }), nested(200), "[]", "{}"]),
    }),
    () => ({
      port: "admin",
      method: "POST",
      path: "/admin/restore",
      headers: json,
      body: pick([
        JSON.stringify({ orderId: uuid, events: [pick(junkValues)] }),
        JSON.stringify({ orderId: pick(junkValues), events: [] }),
        JSON.stringify({
          orderId: uuid,
          events: [{ id: uuid, type: "io.meridian.order.placed", subject: uuid, aggregateVersion: 1, data: pick(junkValues) }],
        }),
        nested(300),
      ]),
    }),
    () => ({ port: "admin", method: "GET", path: `/admin/lake/events?from=${pick(["x", "%ff", ""])}&to=${pick(["y", "2026-01-01"])}` }),
    () => ({ port: "admin", method: "GET", path: `/admin/catalog/${pick(["zz", "%ff", "0", "000", "-1"])}` }),
    () => ({ port: "admin", method: "POST", path: `/admin/dead-letters/${pick(junkSegments)}/redrive` }),
    () => ({ port: "admin", method: "GET", path: `/admin/lake/orders/${pick(junkSegments)}` }),
  ];
  return Array.from({ length: n }, () => pick(makers)());
}

export async function sendBadRequests(
  region: RegionHandle,
  opts: { count: number; seed: number; concurrency: number },
): Promise<BadRequestReport> {
  const requests = generate(opts.count, opts.seed, crypto.randomUUID());
  const byStatus: Record<string, number> = {};
  const examples: string[] = [];
  let serverErrors = 0;
  let notProblem = 0;
  let next = 0;
  // Signed in, so the junk reaches the checks behind the sign-in; spread over customers so that
  // it is judged, not rate-limited (a flood from one customer is abuse.ts's).
  const customers = await Promise.all(
    Array.from({ length: 64 }, async (_, i) => ({ authorization: `Bearer ${await region.issuer.token(`bad-${i}`)}` })),
  );
  const worker = async (): Promise<void> => {
    while (next < requests.length) {
      const i = next++;
      const r = requests[i]!;
      const base = r.port === "public" ? region.gatewayUrl : region.adminUrl;
      const auth: Record<string, string> =
        r.port === "admin" ? { authorization: `Bearer ${region.adminToken}` } : customers[i % customers.length]!;
      const res = await fetch(`${base}${r.path}`, {
        method: r.method,
        headers: { ...r.headers, ...auth },
        ...(r.body !== undefined ? { body: r.body } : {}),
        signal: AbortSignal.timeout(15_000),
      }).catch((err: unknown) => err as Error);
      const status = res instanceof Response ? res.status : 0;
      const contentType = res instanceof Response ? (res.headers.get("content-type") ?? "") : "";
      if (res instanceof Response) await res.arrayBuffer().catch(() => undefined);
      byStatus[status] = (byStatus[status] ?? 0) + 1;
      const bad =
        status >= 500 || status === 0
          ? "server error"
          : status >= 400 && !contentType.includes("application/problem+json")
            ? "not a problem document"
            : undefined;
      if (status >= 500 || status === 0) serverErrors++;
      else if (bad) notProblem++;
      if (bad && examples.length < 10) examples.push(`${bad}: ${status} ${r.method} ${r.port} ${r.path} ${(r.body ?? "").slice(0, 80)}`);
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  return { sent: requests.length, byStatus, serverErrors, notProblem, examples };
}
