/**
 * One app of the Dapr floor (started by floor.ts through the local runner, never on its own):
 * plain node:http, no Express, validation, metrics, tracing or domain logic. It makes the sidecar
 * calls of plan.ts under the app-id in APP_ID, with the environment the runner gives a service
 * (APP_PORT, DAPR_HTTP_PORT, DAPR_API_TOKEN, APP_API_TOKEN, REGION).
 */
import { randomUUID } from "node:crypto";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import { components, topics } from "../../../platform/topology.js";
import { orderIdForKey } from "../../../services/gateway/idempotency.js";
import { HttpMethod, Sidecar, type Versioned } from "../../../services/shared/dapr/sidecar.js";
import { secretEquals } from "../../../services/shared/http/secret-equal.js";
import { shardOf } from "../../../services/shared/orders/catalog-shards.js";
import { floorEventTypes } from "./plan.js";

const env = (name: string): string => {
  const v = process.env[name];
  if (v === undefined) throw new Error(`${name} is not set`);
  return v;
};
const app = env("APP_ID");
const region = env("REGION");
const appToken = process.env["APP_API_TOKEN"];
const sidecar = new Sidecar({ httpPort: Number(env("DAPR_HTTP_PORT")), apiToken: env("DAPR_API_TOKEN") });
const source = `${app}/${region}`;

/** The fields of the system's event records, so messages are of a like size. */
interface FloorEvent {
  readonly id: string;
  readonly type: string;
  readonly schemaVersion: number;
  readonly subject: string;
  readonly aggregateVersion: number;
  readonly occurredAt: string;
  readonly originRegion: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly data: Record<string, unknown>;
}

function next(type: string, subject: string, cause: FloorEvent | null, data: Record<string, unknown>, version = 1): FloorEvent {
  return {
    id: randomUUID(),
    type,
    schemaVersion: 1,
    subject,
    aggregateVersion: version,
    occurredAt: new Date().toISOString(),
    originRegion: region,
    correlationId: cause?.correlationId ?? subject,
    causationId: cause?.id ?? null,
    data,
  };
}

/** The CloudEvent attributes a transaction's outbox copies onto the message it publishes. */
const attributes = (e: FloorEvent): Record<string, string> => ({ type: e.type, subject: e.subject, source, time: e.occurredAt });

/** Published right after the commit, as the system's CommitPublisher does (the outbox relays to `<topic>-relay`). */
async function publish(topic: string, events: readonly FloorEvent[]): Promise<void> {
  await Promise.all(
    events.map((e) =>
      sidecar.publish(
        components.pubsub,
        topic,
        { specversion: "1.0", id: e.id, datacontenttype: "application/json", ...attributes(e), data: e },
        "application/cloudevents+json",
      ),
    ),
  );
}

/** Records of one store, each an event its outbox publishes. */
async function commitRecords(store: string, topic: string, records: readonly { key: string; event: FloorEvent }[]): Promise<void> {
  await sidecar.getMany(
    store,
    records.map((r) => r.key),
  );
  await sidecar.write(
    store,
    records.map((r) => ({
      key: r.key,
      value: r.event,
      metadata: attributes(r.event),
      contentType: "application/json" as const,
      overwrite: true,
    })),
  );
  await publish(
    topic,
    records.map((r) => r.event),
  );
}

interface Stream {
  readonly events: FloorEvent[];
}

const streamKey = (orderId: string): string => `order-${orderId}`;

/** Appends to an order's stream: the stream and its outbox projection in one transaction, then the publish. */
async function append(orderId: string, prior: Versioned<Stream> | undefined, event: FloorEvent): Promise<void> {
  await sidecar.write(components.ordersStore, [
    { key: streamKey(orderId), value: { events: [...(prior?.value.events ?? []), event] }, etag: prior?.etag, metadata: attributes(event) },
    { key: streamKey(orderId), value: event, metadata: { "outbox.projection": "true" }, contentType: "application/json" },
  ]);
  await publish(topics.orders, [event]);
}

/**
 * Idempotent as the system's orders is: a POST retried with its key (the benchmark retries
 * timeouts) or a redelivered event finds the stream already written and writes nothing.
 */
async function place(body: { orderId: string; customerId: string; items: unknown[] }): Promise<void> {
  const prior = await sidecar.get<Stream>(components.ordersStore, streamKey(body.orderId));
  if (prior) return;
  const shardKey = `catalog-${shardOf(body.orderId)}`;
  const shard = await sidecar.get<{ orderIds: string[] }>(components.ordersCatalog, shardKey);
  await sidecar.write(components.ordersCatalog, [
    { key: shardKey, value: { orderIds: [...(shard?.value.orderIds ?? []).slice(-50), body.orderId] }, overwrite: true },
  ]);
  await append(body.orderId, prior, next(floorEventTypes.placed, body.orderId, null, { ...body, total: 20, currency: "EUR" }));
}

async function confirm(cause: FloorEvent): Promise<void> {
  const prior = await sidecar.get<Stream>(components.ordersStore, streamKey(cause.subject));
  const events = prior?.value.events ?? [];
  if (events.some((e) => e.type === floorEventTypes.confirmed)) return;
  await append(cause.subject, prior, next(floorEventTypes.confirmed, cause.subject, cause, { orderId: cause.subject }, events.length + 1));
}

interface View {
  readonly orderId: string;
  readonly status: string;
  readonly projectedAt: string;
  readonly updatedAt: string;
}

async function project(event: FloorEvent, status: string, customerId?: string): Promise<void> {
  const key = `order-${event.subject}`;
  const indexKey = `customer-${customerId ?? ""}`;
  // As the system's read model: an order's placement reads its view and its customer's index in one call.
  const found = await sidecar.getMany<unknown>(components.viewStore, customerId === undefined ? [key] : [key, indexKey]);
  const prior = found.get(key) as Versioned<View> | undefined;
  if (customerId !== undefined) {
    const index = found.get(indexKey) as Versioned<{ orderIds: string[] }> | undefined;
    await sidecar.write(components.viewStore, [
      { key: indexKey, value: { orderIds: [...(index?.value.orderIds ?? []).slice(-50), event.subject] }, overwrite: true },
    ]);
  }
  // A confirmation that overtook its placement stays (the system folds by version instead).
  if (status === "pending" && prior?.value.status === "confirmed") return;
  const view: View = { orderId: event.subject, status, projectedAt: new Date().toISOString(), updatedAt: event.occurredAt };
  // As the system's views: a new view is created (a write that fails if the key appeared since
  // the read), so a placement and its confirmation delivered at once cannot both take the view
  // for absent and leave it pending; the loser is retried and reads the winner's view.
  if (!prior) await sidecar.create(components.viewStore, key, view);
  else await sidecar.write(components.viewStore, [{ key, value: view, etag: prior.etag }]);
}

/** This app's reaction to a delivered event (plan.ts); every other event is acknowledged and ignored. */
async function react(topic: string, e: FloorEvent): Promise<void> {
  // The outbox's relay topics (`<topic>-relay`) are acknowledged: every event was published on
  // commit, so the system's writers forward none of them either.
  if (topic !== topics.orders && topic !== topics.inventory && topic !== topics.payments) return;
  switch (`${app} ${e.type}`) {
    case `inventory ${floorEventTypes.placed}`: {
      const lines = (e.data["items"] ?? []) as { sku: string }[];
      await commitRecords(components.inventoryStore, topics.inventory, [
        ...lines.map((l) => ({ key: `stock-${l.sku}`, event: next(floorEventTypes.levelChanged, l.sku, e, { sku: l.sku }) })),
        { key: `reservation-${e.subject}`, event: next(floorEventTypes.reserved, e.subject, e, { orderId: e.subject }) },
      ]);
      return;
    }
    case `payments ${floorEventTypes.reserved}`:
      await commitRecords(components.paymentsStore, topics.payments, [
        { key: `payment-${e.subject}`, event: next(floorEventTypes.authorized, e.subject, e, { orderId: e.subject, amount: 20 }) },
      ]);
      return;
    case `orders ${floorEventTypes.authorized}`:
      await confirm(e);
      return;
    case `order-view ${floorEventTypes.placed}`:
      await project(e, "pending", String(e.data["customerId"]));
      return;
    case `order-view ${floorEventTypes.confirmed}`:
      await project(e, "confirmed");
      return;
  }
}

/**
 * A delivery, as the system's subscriptions get them: in bulk (the gathered ones), one verdict
 * per entry; or one CloudEvent (the prompt ones), answered 500 to have it retried.
 */
async function deliver(
  topic: string,
  body: { entries?: { entryId: string; event: unknown }[]; data?: FloorEvent },
): Promise<[number, unknown]> {
  if (!Array.isArray(body.entries)) {
    const status = body.data ? await react(topic, body.data).then(() => "SUCCESS" as const, retry) : "SUCCESS";
    return [status === "SUCCESS" ? 200 : 500, { status }];
  }
  const statuses = await Promise.all(
    body.entries.map(async (entry) => {
      const cloudEvent = (typeof entry.event === "string" ? JSON.parse(entry.event) : entry.event) as { data?: FloorEvent };
      const status = cloudEvent.data ? await react(topic, cloudEvent.data).then(() => "SUCCESS" as const, retry) : "SUCCESS";
      return { entryId: entry.entryId, status };
    }),
  );
  return [200, { statuses }];
}

/** The `sub` of a bearer JWT, unverified. */
function subjectOf(authorization: string | undefined): string {
  const payload = authorization?.replace(/^Bearer /, "").split(".")[1] ?? "";
  return (JSON.parse(Buffer.from(payload, "base64url").toString("utf8") || "{}") as { sub?: string }).sub ?? "anonymous";
}

function retry(err: unknown): "RETRY" {
  process.stderr.write(`${app}: ${err instanceof Error ? err.message : String(err)}\n`);
  return "RETRY";
}

async function route(req: IncomingMessage, body: string): Promise<[number, unknown]> {
  // The operator app's admin port serves the judges' reads (`/admin/orders/{id}`) as the gateway's public port does.
  const path = (req.url ?? "/").split("?")[0]!.replace(/^\/admin(?=\/orders\/)/, "");
  if (req.method === "POST" && path.startsWith("/events/")) {
    const topic = path.slice("/events/".length);
    return deliver(topic, JSON.parse(body) as Parameters<typeof deliver>[1]);
  }
  const orderPath = /^\/orders\/([^/]+)$/.exec(path);
  if (app === "gateway" && req.method === "POST" && path === "/orders") {
    const key = req.headers["idempotency-key"];
    // The floor does no work of its own: the customer is read from the token, not verified (the system verifies it).
    const customerId = subjectOf(req.headers.authorization);
    const orderId = orderIdForKey(region, customerId, typeof key === "string" ? key : randomUUID());
    const parsed = JSON.parse(body) as { items: unknown[] };
    await sidecar.invoke("orders", "orders", HttpMethod.POST, { ...parsed, customerId, orderId });
    return [202, { orderId, status: "pending", region }];
  }
  if ((app === "gateway" || app === "operator") && req.method === "GET" && orderPath)
    return [200, await sidecar.invoke("order-view", `orders/${orderPath[1]}`, HttpMethod.GET)];
  if (app === "orders" && req.method === "POST" && path === "/orders") {
    const parsed = JSON.parse(body) as { orderId: string; customerId: string; items: unknown[] };
    await place(parsed);
    return [200, { orderId: parsed.orderId, status: "pending", region }];
  }
  if (app === "order-view" && req.method === "GET" && orderPath) {
    const view = await sidecar.get<View>(components.viewStore, `order-${orderPath[1]}`);
    return view ? [200, view.value] : [404, { title: "Not Found", detail: "no such order" }];
  }
  return [404, { title: "Not Found", detail: `${req.method} ${path}` }];
}

/** Whether a request may pass: the app port takes the sidecar's app token, the operator's admin port its bearer. */
type Gate = (req: IncomingMessage) => boolean;
const fromSidecar: Gate = (req) => appToken === undefined || secretEquals(req.headers["dapr-api-token"], appToken);
const fromOperator: Gate = (req) => secretEquals(req.headers.authorization?.replace(/^Bearer /, ""), process.env["ADMIN_TOKEN"] ?? "");

const handle =
  (gate: Gate) =>
  (req: IncomingMessage, res: ServerResponse): void => {
    const send = (status: number, payload: unknown): void => {
      const text = JSON.stringify(payload ?? null);
      res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) }).end(text);
    };
    if (req.url === "/readyz" || req.url === "/healthz") return send(200, { status: "ok" });
    // The sidecar presents the app token, as to the system's services (the gateway's callers are users).
    if (!gate(req)) return send(401, { title: "Unauthorized" });
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      route(req, Buffer.concat(chunks).toString("utf8")).then(
        ([status, payload]) => send(status, payload),
        (err: unknown) => send(503, { title: "Service Unavailable", detail: err instanceof Error ? err.message : String(err) }),
      );
    });
  };

const listeners: [string, Gate][] = [
  [env("APP_PORT"), fromSidecar],
  ...(app === "operator" && process.env["ADMIN_PORT"] ? [[process.env["ADMIN_PORT"], fromOperator] as [string, Gate]] : []),
];
const servers = listeners.map(([port, gate]) => {
  const server = createServer(handle(gate));
  server.keepAliveTimeout = 65_000;
  return server.listen(Number(port), "127.0.0.1");
});
process.on("SIGTERM", () => {
  let open = servers.length;
  for (const server of servers) server.close(() => --open === 0 && process.exit(0));
});
