/**
 * Unauthorised attempts against a running system, each of which the security must refuse:
 * forged events posted to app ports, apps' tokens used on another app's sidecar, invocations
 * outside the access-control policy, publishing outside an app's topic scope, plain and
 * certificate-less connections to daprd's mTLS port, Redis without its password, and the admin
 * endpoints without a credential. `npm run chaos` and test/int/security.int.spec.ts run it.
 */
import { randomUUID } from "node:crypto";
import { connect as http2Connect } from "node:http2";
import { connect as tlsConnect } from "node:tls";
import { type AppId, allApps, apps, components, invocations, isWorkflowApp, subscriptions, topics } from "../../platform/topology.js";
import { redisCommand } from "../local/redis.js";
import type { RegionHandle, SystemHandle } from "../local/system.js";

export type AttemptKind =
  | "forged-event"
  | "foreign-app-token"
  | "foreign-sidecar-token"
  | "invocation-outside-policy"
  | "publish-outside-scope"
  | "internal-grpc-without-mtls"
  | "redis-without-password"
  | "admin-without-credential";

export interface Attempt {
  readonly kind: AttemptKind;
  readonly region: string;
  readonly what: string;
  /** Refused: what the system answered (status, error); accepted: what got through. */
  readonly outcome: string;
  readonly refused: boolean;
}

export interface ProbeReport {
  readonly attempted: number;
  readonly refused: number;
  readonly accepted: number;
  readonly byKind: Readonly<Record<string, { attempted: number; refused: number; accepted: number }>>;
  readonly attempts: readonly Attempt[];
}

const timeout = (): AbortSignal => AbortSignal.timeout(5000);

/** A CloudEvent shaped like a real delivery (the attack: a `stock.reserved` for an order that does not exist). */
function forgedEvent(topic: string): Record<string, unknown> {
  const orderId = randomUUID();
  return {
    specversion: "1.0",
    id: randomUUID(),
    source: "attacker",
    type: "io.meridian.stock.reserved",
    topic,
    pubsubname: components.pubsub,
    datacontenttype: "application/json",
    data: { eventId: randomUUID(), type: "io.meridian.stock.reserved", orderId, subject: orderId, total: 1, lines: [] },
  };
}

async function status(url: string, init: RequestInit): Promise<string> {
  try {
    return String((await fetch(url, { ...init, signal: timeout() })).status);
  } catch (err) {
    return `error: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/**
 * Refused for the expected reason: one of the statuses that mean it. A timeout or a connection
 * error is not a refusal (a wrong port, or a process that is down, would pass for one).
 */
const refusedStatus = (outcome: string, refusals: readonly string[]): boolean => refusals.includes(outcome);

/** A plain connection to a TLS-only port waits for a handshake that never comes: the only refusal it gets. */
const plainRefused = (outcome: string): boolean => outcome === "error: no answer within 3 s";
/** TLS 1.3 answers a handshake without a client certificate with a `certificate required` alert, or closes. */
const certificateRequired = (outcome: string): boolean => /certificate required|closed by server/i.test(outcome);

/** A plain HTTP/2 (gRPC) call to daprd's internal port: the port speaks only mTLS. */
function plainGrpc(port: number): Promise<string> {
  return new Promise((resolve) => {
    const session = http2Connect(`http://127.0.0.1:${port}`);
    const timer = setTimeout(() => done("error: no answer within 3 s"), 3000);
    const done = (outcome: string): void => {
      clearTimeout(timer);
      session.destroy();
      resolve(outcome);
    };
    session.on("error", (err) => done(`error: ${err.message}`));
    const req = session.request({
      ":method": "POST",
      ":path": "/dapr.proto.internals.v1.ServiceInvocation/CallLocal",
      "content-type": "application/grpc",
      "dapr-caller-app-id": apps.gateway,
    });
    req.on("response", (headers) => done(`answered ${String(headers[":status"])} grpc-status ${String(headers["grpc-status"])}`));
    req.on("error", (err) => done(`error: ${err.message}`));
    req.end(Buffer.alloc(5));
  });
}

/** A TLS handshake without a client certificate: daprd requires one signed by the region's CA. */
function tlsWithoutCertificate(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false, ALPNProtocols: ["h2"] });
    const timer = setTimeout(() => done("error: no answer within 3 s"), 3000);
    const done = (outcome: string): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(outcome);
    };
    socket.on("error", (err) => done(`error: ${err.message}`));
    // TLS 1.3 reports a missing client certificate after the handshake: the server then closes.
    socket.on("secureConnect", () => {
      socket.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n");
      socket.once("data", () => done("answered"));
      socket.once("close", () => done("error: closed by server"));
    });
  });
}

/** Everything the security must refuse, in one region. */
export async function regionAttempts(region: RegionHandle): Promise<Attempt[]> {
  const attempts: Attempt[] = [];
  const record = (kind: AttemptKind, what: string, outcome: string, refused: boolean): void => {
    attempts.push({ kind, region: region.name, what, outcome, refused });
  };
  const app = (id: AppId) => region.apps[id];
  const post = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

  // Forged deliveries straight to app ports: without a token, and with another app's token.
  for (const sub of subscriptions) {
    // A workflow app's subscription counts only where the region runs it.
    const target = isWorkflowApp(sub.app) ? region.workflowApps[sub.app] : app(sub.app);
    if (!target) continue;
    const url = `http://127.0.0.1:${target.appPort}${sub.route}`;
    const none = await status(url, post(forgedEvent(sub.topic)));
    record("forged-event", `POST ${sub.app}${sub.route} without a token`, none, refusedStatus(none, ["401"]));
    const other = allApps.find((a) => a !== sub.app && a !== apps.gateway)!;
    const foreign = await status(url, post(forgedEvent(sub.topic), { "dapr-api-token": app(other).appApiToken }));
    record("foreign-app-token", `POST ${sub.app}${sub.route} with ${other}'s app token`, foreign, refusedStatus(foreign, ["401"]));
  }

  // The gateway's token on every other sidecar: each sidecar takes only its own app's token.
  for (const id of allApps.filter((a) => a !== apps.gateway)) {
    const outcome = await status(`http://127.0.0.1:${app(id).daprHttpPort}/v1.0/invoke/${apps.payments}/method/payments/x`, {
      headers: { "dapr-api-token": app(apps.gateway).daprApiToken },
    });
    record("foreign-sidecar-token", `${id}'s sidecar with the gateway's token`, outcome, refusedStatus(outcome, ["401"]));
  }

  // Invocations the topology does not allow, each through the caller's own sidecar with its own token.
  const allowed = (from: AppId, to: AppId, route: string): boolean =>
    invocations.some((i) => i.from === from && i.to === to && i.routes.includes(route));
  const outsidePolicy: [AppId, AppId, string][] = (
    [
      [apps.gateway, apps.payments, "events/inventory"],
      [apps.gateway, apps.payments, "payments/x"],
      [apps.gateway, apps.orders, "events/payments"],
      [apps.gateway, apps.orders, "replica/events"],
      [apps.gateway, apps.inventory, "events/orders"],
      [apps.gateway, apps.orderView, "events/orders"],
      [apps.replicator, apps.payments, "events/inventory"],
      [apps.replicator, apps.orders, "events/inventory"],
      [apps.inventory, apps.orders, "orders"],
      [apps.payments, apps.inventory, "events/payments"],
      [apps.orders, apps.gateway, "orders"],
    ] as [AppId, AppId, string][]
  ).filter(([from, to, method]) => !allowed(from, to, method.split("/")[0]!));
  for (const [from, to, method] of outsidePolicy) {
    const outcome = await status(
      `http://127.0.0.1:${app(from).daprHttpPort}/v1.0/invoke/${to}/method/${method}`,
      post(forgedEvent(topics.inventory), { "dapr-api-token": app(from).daprApiToken }),
    );
    record("invocation-outside-policy", `${from} -> ${to} /${method}`, outcome, refusedStatus(outcome, ["403"]));
  }

  // Publishing topics the app does not own: refused by topic scopes, or by component scopes.
  const foreignTopics: [AppId, string][] = [
    [apps.inventory, topics.payments],
    [apps.payments, topics.inventory],
    [apps.orderView, topics.orders],
    [apps.replicator, topics.orders],
    [apps.gateway, topics.orders],
    [apps.orders, topics.payments],
  ];
  for (const [from, topic] of foreignTopics) {
    const outcome = await status(
      `http://127.0.0.1:${app(from).daprHttpPort}/v1.0/publish/${components.pubsub}/${topic}`,
      post(forgedEvent(topic), { "dapr-api-token": app(from).daprApiToken }),
    );
    // 403: topic not in the app's publishing scope; 404/400: the app has no such component at all.
    record("publish-outside-scope", `${from} publishes ${topic}`, outcome, refusedStatus(outcome, ["403", "404", "400"]));
  }

  // daprd's sidecar-to-sidecar port: no plain gRPC, no TLS without a certificate from the region's CA.
  // (All at once: a plain connection is never answered, so each waits out its 3 s.)
  const internal = await Promise.all(
    allApps.map(
      async (id) => [id, await plainGrpc(app(id).internalGrpcPort), await tlsWithoutCertificate(app(id).internalGrpcPort)] as const,
    ),
  );
  for (const [id, plain, noCert] of internal) {
    record("internal-grpc-without-mtls", `plain CallLocal to ${id}'s internal port`, plain, plainRefused(plain));
    record("internal-grpc-without-mtls", `TLS without a client certificate to ${id}'s internal port`, noCert, certificateRequired(noCert));
  }

  // The broker without its password.
  const ping = await redisCommand(region.redis.port, "PING").catch((err: unknown) => `error: ${String(err)}`);
  record("redis-without-password", "PING", ping, ping.startsWith("-NOAUTH"));
  const read = await redisCommand(region.redis.port, "KEYS *").catch((err: unknown) => `error: ${String(err)}`);
  record("redis-without-password", "KEYS *", read, read.startsWith("-NOAUTH"));

  // Admin without a credential on the public port.
  for (const [method, path] of [
    ["POST", "/admin/restore"],
    ["POST", "/admin/rebuild-view"],
    ["GET", "/admin/digest"],
  ] as const) {
    const outcome = await status(`${region.gatewayUrl}${path}`, method === "POST" ? post({}) : {});
    record("admin-without-credential", `${method} ${path} on the public port`, outcome, refusedStatus(outcome, ["401", "403", "404"]));
    // The operator port itself: without the credential, and with a wrong one.
    for (const authorization of [undefined, "Bearer forged"]) {
      const direct = await status(`${region.adminUrl}${path}`, {
        ...(method === "POST" ? post({}) : {}),
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      });
      record(
        "admin-without-credential",
        `${method} ${path} on the admin port, ${authorization ?? "no credential"}`,
        direct,
        refusedStatus(direct, ["401"]),
      );
    }
  }
  // Stock and prices change only on the admin port: the public port has no such route, so even
  // the operator's own credential changes nothing there (404, not 401: it is not a login wall).
  for (const [path, body] of [
    ["/inventory/sku-forged", { available: 1_000_000 }],
    ["/prices/sku-forged", { unitPrice: 0.01 }],
  ] as const) {
    const write = await status(`${region.gatewayUrl}${path}`, {
      ...post(body),
      method: "PUT",
      headers: { "content-type": "application/json", authorization: `Bearer ${region.adminToken}` },
    });
    record("admin-without-credential", `PUT ${path} on the public port with the operator's credential`, write, write === "404");
  }
  return attempts;
}

/** Runs every attempt in every region and counts what was refused and what got through. */
export async function probeUnauthorised(system: SystemHandle): Promise<ProbeReport> {
  const attempts = (await Promise.all(system.regions.map(regionAttempts))).flat();
  const byKind: Record<string, { attempted: number; refused: number; accepted: number }> = {};
  for (const a of attempts) {
    const k = (byKind[a.kind] ??= { attempted: 0, refused: 0, accepted: 0 });
    k.attempted += 1;
    if (a.refused) k.refused += 1;
    else k.accepted += 1;
  }
  const refused = attempts.filter((a) => a.refused).length;
  return { attempted: attempts.length, refused, accepted: attempts.length - refused, byKind, attempts };
}
