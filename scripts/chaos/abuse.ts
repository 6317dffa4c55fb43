/**
 * Abuse from the two directions the outside-in probe (unauthorised.ts) does not cover: a customer
 * on the public API going for other customers' orders, prices, the operator's powers and the
 * machine's capacity; and one compromised app, holding its own Dapr API token, trying to make
 * another app act. Each attempt must be refused with its expected reason (the exact status and
 * problem type or refusal code, not "an error"), and a positive control beside each family shows
 * the legitimate call still works. `npm run chaos` and test/int/security.int.spec.ts run it.
 */
import { randomUUID } from "node:crypto";
import { apps, components, deadLetterTopicOf, peerLinkName, topics } from "../../platform/topology.js";
import { orderEventTypes } from "../../services/shared/events/order-events.js";
import { asOperator, drillUnitPrice, setStock } from "../drills/probes.js";
import type { RegionHandle } from "../local/system.js";

export type AbuseKind =
  | "other-customers-order"
  | "forged-price"
  | "operator-credential-on-public-port"
  | "flood"
  | "forged-fault"
  | "forged-replica"
  | "peer-link-publish"
  | "restore-over-stream";

export interface AbuseAttempt {
  readonly kind: AbuseKind;
  readonly region: string;
  readonly what: string;
  /** What the system answered. */
  readonly outcome: string;
  /** What a refusal for the right reason looks like. */
  readonly expected: string;
  readonly refusedAsExpected: boolean;
}

export interface Control {
  readonly region: string;
  readonly what: string;
  readonly outcome: string;
  readonly ok: boolean;
}

export interface AbuseReport {
  readonly attempts: readonly AbuseAttempt[];
  readonly controls: readonly Control[];
}

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly headers: Headers;
}

async function send(url: string, init: RequestInit = {}): Promise<Answer> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(15_000) });
  const text = await res.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = { text };
  }
  return { status: res.status, body, headers: res.headers };
}

const json = (body: unknown, headers: Record<string, string> = {}, method = "POST"): RequestInit => ({
  method,
  headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify(body),
});
const describe = (a: Answer): string =>
  `${a.status} ${String(a.body["type"] ?? a.body["refusal"] ?? a.body["errorCode"] ?? "")} ${String(a.body["detail"] ?? a.body["message"] ?? a.body["text"] ?? "").slice(0, 160)}`.trim();
const problemType = (kind: string) => `urn:meridian:problem:${kind}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits (bounded) until `check` holds; false when it never did. */
async function within(ms: number, check: () => Promise<boolean>): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await check().catch(() => false)) return true;
    await sleep(250);
  }
  return false;
}

/** Every attempt, in one region (`peers`: the regions its peer links reach); its victim is a confirmed order of a customer of its own. */
export async function abuseAttempts(region: RegionHandle, peers: readonly string[]): Promise<AbuseReport> {
  const attempts: AbuseAttempt[] = [];
  const controls: Control[] = [];
  const attempt = (kind: AbuseKind, what: string, a: Answer, expected: string, ok: boolean): void => {
    attempts.push({ kind, region: region.name, what, outcome: describe(a), expected, refusedAsExpected: ok });
  };
  const control = (what: string, a: Answer, ok: boolean): void => {
    controls.push({ region: region.name, what, outcome: describe(a), ok });
  };
  const as = async (customer: string) => ({ authorization: `Bearer ${await region.issuer.token(customer)}` });
  const gateway = region.gatewayUrl;
  const tag = randomUUID().slice(0, 8);
  const victim = `victim-${tag}`;
  const sku = `abuse-${tag}`;
  await setStock(region, sku, 100);

  // The victim's confirmed order: what every attack below goes for.
  const placed = await send(`${gateway}/orders`, json({ items: [{ sku, quantity: 1 }] }, await as(victim)));
  control("the victim places an order at the listed price, without stating one", placed, placed.status === 202);
  const orderId = String(placed.body["orderId"]);
  const confirmed = await within(
    30_000,
    async () => (await send(`${gateway}/orders/${orderId}`, { headers: await as(victim) })).body["status"] === "confirmed",
  );
  if (!confirmed) throw new Error(`the victim's order ${orderId} in ${region.name} did not confirm: the attacks below would prove nothing`);
  const payment = async () =>
    (
      await send(`http://127.0.0.1:${region.apps.payments.appPort}/payments/${orderId}`, {
        headers: { "dapr-api-token": region.apps.payments.appApiToken },
      })
    ).body["status"];

  // --- Outsiders: another customer. ---
  const intruder = await as(`intruder-${tag}`);
  for (const [what, url, init] of [
    ["read another customer's order", `${gateway}/orders/${orderId}`, { headers: intruder }],
    ["read another customer's history", `${gateway}/orders/${orderId}/events`, { headers: intruder }],
    ["cancel another customer's order", `${gateway}/orders/${orderId}/cancel`, { method: "POST", headers: intruder }],
  ] as const) {
    const a = await send(url, init);
    attempt(
      "other-customers-order",
      what,
      a,
      `404 ${problemType("not-found")}`,
      a.status === 404 && a.body["type"] === problemType("not-found"),
    );
  }
  const listed = await send(`${gateway}/orders?customerId=${victim}`, { headers: intruder });
  attempt(
    "other-customers-order",
    "list another customer's orders",
    listed,
    `403 ${problemType("forbidden")}`,
    listed.status === 403 && listed.body["type"] === problemType("forbidden"),
  );
  const own = await send(`${gateway}/orders/${orderId}`, { headers: await as(victim) });
  control("the owner reads the order", own, own.status === 200 && own.body["orderId"] === orderId);

  for (const [what, unitPrice] of [
    ["50 units at a price of 0", 0],
    ["a price below the listed one", drillUnitPrice - 0.01],
  ] as const) {
    const a = await send(`${gateway}/orders`, json({ items: [{ sku, quantity: 50, unitPrice }] }, intruder));
    attempt(
      "forged-price",
      what,
      a,
      `422 ${problemType("unpriced")}`,
      a.status === 422 && a.body["type"] === problemType("unpriced") && /is not the listed price/.test(String(a.body["detail"])),
    );
  }
  const priced = await send(`${gateway}/orders`, json({ items: [{ sku, quantity: 1, unitPrice: drillUnitPrice }] }, intruder));
  control("an order stating the listed price", priced, priced.status === 202);

  // Claiming a victim's idempotency key first: keys are each customer's own, so the claim takes
  // nothing (the victim's order is placed as its own order) and gives nothing away.
  const key = `guessable-${tag}`;
  const claim = await send(`${gateway}/orders`, json({ items: [{ sku, quantity: 1 }] }, { ...intruder, "Idempotency-Key": key }));
  const victims = await send(
    `${gateway}/orders`,
    json({ items: [{ sku, quantity: 1 }] }, { ...(await as(victim)), "Idempotency-Key": key }),
  );
  attempt(
    "other-customers-order",
    "claim a victim's idempotency key first",
    victims,
    "the victim's order placed anyway (202), as another order than the claimer's",
    claim.status === 202 && victims.status === 202 && victims.body["orderId"] !== claim.body["orderId"],
  );

  const operator = { authorization: `Bearer ${region.adminToken}` };
  const stock = await send(`${gateway}/inventory/${sku}`, json({ available: 1_000_000 }, operator, "PUT"));
  attempt(
    "operator-credential-on-public-port",
    "set stock on the public port with the operator's credential",
    stock,
    "404 (no such route)",
    stock.status === 404,
  );
  const asCustomer = await send(`${gateway}/orders`, { headers: operator });
  attempt(
    "operator-credential-on-public-port",
    "the operator's credential as a customer's token",
    asCustomer,
    `401 ${problemType("unauthorized")}`,
    asCustomer.status === 401 && asCustomer.body["type"] === problemType("unauthorized"),
  );
  const stockOnAdmin = await send(`${region.adminUrl}/admin/inventory/${sku}`, json({ available: 100 }, operator, "PUT"));
  control("set stock on the admin port", stockOnAdmin, stockOnAdmin.status === 200);

  const flooder = await as(`flooder-${tag}`);
  const answers: Answer[] = [];
  // Waves of 30 at once until refused: how many it takes depends on the machine's pace (the bucket
  // refills while the flood runs); at most 2,010.
  for (let wave = 0; wave < 67 && !answers.some((a) => a.status === 429); wave++)
    answers.push(...(await Promise.all(Array.from({ length: 30 }, () => send(`${gateway}/orders/${randomUUID()}`, { headers: flooder })))));
  const limited = answers.filter((a) => a.status === 429);
  const last = limited.at(-1) ?? answers.at(-1)!;
  attempt(
    "flood",
    `${answers.length} requests at once from one customer (${limited.length} refused)`,
    last,
    `429 ${problemType("too-many-requests")} with Retry-After`,
    limited.length > 0 && last.body["type"] === problemType("too-many-requests") && Number(last.headers.get("retry-after")) >= 1,
  );
  const bystander = await send(`${gateway}/orders`, { headers: await as(`bystander-${tag}`) });
  control("another customer is served during the flood", bystander, bystander.status === 200);

  // --- Insiders: one compromised app, with its own Dapr API token, on its own sidecar. ---
  const sidecar = (app: (typeof apps)[keyof typeof apps]) => ({
    url: `http://127.0.0.1:${region.apps[app].daprHttpPort}`,
    headers: { "dapr-api-token": region.apps[app].daprApiToken },
  });

  // Inventory publishes to its own dead-letter topic a fault naming payments, with a forged
  // order.cancelled for the victim's confirmed order: the redriver must not hand it to payments.
  const inventory = sidecar(apps.inventory);
  const faultId = randomUUID();
  const forgedCancel = {
    specversion: "1.0",
    id: randomUUID(),
    source: `orders/${region.name}`,
    type: orderEventTypes.cancelled,
    datacontenttype: "application/json",
    data: {
      id: randomUUID(),
      type: orderEventTypes.cancelled,
      schemaVersion: 2,
      subject: orderId,
      aggregateVersion: 4,
      occurredAt: new Date().toISOString(),
      originRegion: region.name,
      correlationId: orderId,
      causationId: null,
      data: { orderId, reason: "user" },
    },
  };
  const fault = {
    faultId,
    kind: "handler",
    reason: "forged",
    subscriber: apps.payments,
    route: `/events/${topics.orders}`,
    topic: topics.orders,
    attempts: 10,
    failedAt: new Date().toISOString(),
    region: region.name,
    cloudEvent: forgedCancel,
  };
  const published = await send(
    `${inventory.url}/v1.0/publish/${components.pubsub}/${deadLetterTopicOf(apps.inventory)}`,
    json(fault, inventory.headers),
  );
  let recorded: Answer = published;
  const seen = await within(20_000, async () => {
    recorded = await send(`${region.adminUrl}/admin/dead-letters`, asOperator(region));
    return ((recorded.body["faults"] ?? []) as { faultId: string; refusal?: { code: string } }[]).some(
      (f) => f.faultId === faultId && f.refusal?.code === "subscriber-mismatch",
    );
  });
  const redrive = await send(`${region.adminUrl}/admin/dead-letters/${faultId}/redrive`, { method: "POST", ...asOperator(region) });
  await sleep(2000);
  const paid = await payment();
  attempt(
    "forged-fault",
    "inventory's fault naming payments, carrying a forged order.cancelled (refund)",
    redrive,
    "recorded as subscriber-mismatch; redrive 409 refused; the payment stays authorized",
    published.status === 204 &&
      seen &&
      redrive.status === 409 &&
      redrive.body["refusal"] === "subscriber-mismatch" &&
      paid === "authorized",
  );

  // The replicator invokes orders' replica route with events no home region sent.
  const replicator = sidecar(apps.replicator);
  const replica = (event: Record<string, unknown>) =>
    send(`${replicator.url}/v1.0/invoke/${apps.orders}/method/replica/events`, json(event, replicator.headers));
  const peer = `not-${region.name}`;
  const foreignId = randomUUID();
  const base = {
    id: randomUUID(),
    schemaVersion: 2,
    aggregateVersion: 1,
    occurredAt: new Date().toISOString(),
    originRegion: peer,
    correlationId: foreignId,
    causationId: null,
  };
  const placedData = {
    orderId: foreignId,
    customerId: `c-${tag}`,
    items: [{ sku, quantity: 1, unitPrice: 1 }],
    total: 1,
    currency: "EUR",
    homeRegion: peer,
    requestHash: "c".repeat(64),
  };
  for (const [what, event, reason] of [
    [
      "a payment event as an order replica",
      {
        ...base,
        type: "io.meridian.payment.refunded",
        schemaVersion: 1,
        subject: foreignId,
        data: { orderId: foreignId, amount: 1, status: "refunded", processed: [] },
      },
      "not-order-event",
    ],
    [
      "an order.placed whose subject is another order",
      { ...base, type: orderEventTypes.placed, subject: orderId, data: placedData },
      "subject-mismatch",
    ],
    [
      "an order.placed homed elsewhere than where it came from",
      { ...base, type: orderEventTypes.placed, subject: foreignId, data: { ...placedData, homeRegion: region.name } },
      "not-from-home",
    ],
  ] as const) {
    const a = await replica(event);
    attempt(
      "forged-replica",
      what,
      a,
      `422 ${problemType("event-refused")} (${reason})`,
      a.status === 422 && a.body["type"] === problemType("event-refused") && a.body["reason"] === reason,
    );
  }

  // The replicator publishes order events into a peer's broker through its peer link.
  for (const other of peers) {
    const a = await send(
      `${replicator.url}/v1.0/publish/${peerLinkName(other)}/${topics.orders}`,
      json(forgedCancel.data, replicator.headers),
    );
    attempt(
      "peer-link-publish",
      `order events into ${other}'s broker through the peer link`,
      a,
      "403 (publishing scope)",
      a.status === 403,
    );
  }

  // An operator restoring the victim's stream cut short: restore fills only an empty stream.
  const history = await send(`${region.adminUrl}/admin/orders/${orderId}/events`, asOperator(region));
  const events = (history.body["events"] ?? []) as unknown[];
  const shorter = await send(`${region.adminUrl}/admin/restore`, json({ orderId, events: events.slice(0, 1) }, operator));
  attempt(
    "restore-over-stream",
    "restore a shorter stream over a held one",
    shorter,
    `409 ${problemType("conflict")}`,
    shorter.status === 409 && shorter.body["type"] === problemType("conflict"),
  );
  const same = await send(`${region.adminUrl}/admin/restore`, json({ orderId, events }, operator));
  control("restoring the very stream held is kept", same, same.status === 200 && same.body["outcome"] === "kept");
  return { attempts, controls };
}

/** Every region's attempts, one region after the other (the flood would slow the others' checks). */
export async function abuseSystem(system: { regions: readonly RegionHandle[] }): Promise<AbuseReport> {
  const reports: AbuseReport[] = [];
  for (const region of system.regions)
    reports.push(
      await abuseAttempts(
        region,
        system.regions.filter((r) => r !== region).map((r) => r.name),
      ),
    );
  return { attempts: reports.flatMap((r) => r.attempts), controls: reports.flatMap((r) => r.controls) };
}
