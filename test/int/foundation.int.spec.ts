import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { Redis } from "ioredis";
import { beforeAll, describe, expect, it } from "vitest";
import { relayTopicOf } from "../../platform/topology.js";
import { daprVersion } from "../../platform/versions.js";
import { SignJWT, generateKeyPair } from "jose";
import { setPrice, stockSku } from "../../scripts/local/operator.js";
import { type Answer, adminCall, call, postJson } from "../support/http.js";
import { signedIn } from "../support/orders-api.js";
import { eventually, useTestSystem } from "../support/system.js";

const order = { customerId: "cust-1", items: [{ sku: "sku-1", quantity: 2, unitPrice: 9.99 }] };

const ctx = useTestSystem(["east", "west"]);

/** The `Authorization` header of a customer signed in at the system's issuer (one issuer for every region). */
const as = (customerId: string): Promise<Record<string, string>> => signedIn(ctx.system.region("east"), customerId);

// sku-1 is listed at the price `order` states, and has no stock (these tests are about the API, not the saga).
beforeAll(async () => {
  for (const region of ctx.system.regions) await setPrice(region, "sku-1", 9.99);
});

describe("prices come from the server", () => {
  const place = async (items: unknown) => postJson(`${ctx.system.region("east").gatewayUrl}/orders`, { items }, await as("c-price"));
  const refusedAs = (answer: Answer, detail: string) => {
    expect(answer.status, JSON.stringify(answer.body)).toBe(422);
    expect(answer.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(answer.body).toMatchObject({ type: "urn:meridian:problem:unpriced", detail });
  };

  it("refuses the tester's attack, 50 units at a price of 0, naming the listed price", async () => {
    refusedAs(await place([{ sku: "sku-1", quantity: 50, unitPrice: 0 }]), "items[0].unitPrice: 0 is not the listed price of sku-1 (9.99)");
  });

  it("refuses a price other than the listed one, and a SKU without a price", async () => {
    refusedAs(
      await place([{ sku: "sku-1", quantity: 1, unitPrice: 9.98 }]),
      "items[0].unitPrice: 9.98 is not the listed price of sku-1 (9.99)",
    );
    refusedAs(await place([{ sku: "sku-unlisted", quantity: 1 }]), "items[0].sku: sku-unlisted has no listed price");
  });

  it("charges the listed price when the client states none, and shows it on the public API", async () => {
    const { gatewayUrl } = ctx.system.region("east");
    const placed = await place([{ sku: "sku-1", quantity: 3 }]);
    expect(placed.status, JSON.stringify(placed.body)).toBe(202);
    const { orderId } = placed.body as { orderId: string };
    const read = await eventually(
      async () => call(`${gatewayUrl}/orders/${orderId}`, { headers: await as("c-price") }),
      (a) => a.status === 200,
    );
    expect(read.body).toMatchObject({ items: [{ sku: "sku-1", quantity: 3, unitPrice: 9.99 }], total: 29.97 });
    expect((await call(`${gatewayUrl}/prices/sku-1`)).body).toMatchObject({ sku: "sku-1", unitPrice: 9.99, currency: "EUR" });
  });

  it("lists no price of 0: the operator's price must be > 0", async () => {
    const east = ctx.system.region("east");
    const zero = await adminCall(east, "/admin/prices/sku-free", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ unitPrice: 0 }),
    });
    expect(zero.status).toBe(400);
    expect(zero.body).toMatchObject({ detail: "unitPrice: must be > 0" });
  });
});

describe("foundation: two regions with real daprd", () => {
  it.each(["east", "west"])("places an order in %s and reads it back through order-view", async (region) => {
    const { gatewayUrl } = ctx.system.region(region);
    const placed = await postJson(`${gatewayUrl}/orders`, order, await as("cust-1"));
    expect(placed.status).toBe(202);
    const { orderId } = placed.body as { orderId: string };
    expect(placed.body).toEqual({ orderId, status: "pending", region });
    expect(placed.headers.get("location")).toBe(`/orders/${orderId}`);

    const read = await eventually(
      async () => call(`${gatewayUrl}/orders/${orderId}`, { headers: await as("cust-1") }),
      (a) => a.status === 200,
    );
    expect(read.body).toMatchObject({ orderId, customerId: "cust-1", homeRegion: region, items: order.items, total: 19.98 });
    // sku-1 has no stock here: the saga may already have rejected it (events are published on commit).
    expect(["pending", "rejected"]).toContain((read.body as { status: string }).status);
    const list = await eventually(
      async () => call(`${gatewayUrl}/orders`, { headers: await as("cust-1") }),
      (a) => ((a.body as { orders?: { orderId: string }[] }).orders ?? []).some((o) => o.orderId === orderId),
    );
    expect(list.status).toBe(200);
  });

  it("answers a repeated Idempotency-Key with the same answer, and a changed body with 422", async () => {
    const { gatewayUrl } = ctx.system.region("east");
    const headers = { ...(await as("cust-1")), "Idempotency-Key": "retry-me" };
    const first = await postJson(`${gatewayUrl}/orders`, order, headers);
    const again = await postJson(`${gatewayUrl}/orders`, order, headers);
    expect(first.status).toBe(202);
    expect(again.status).toBe(202);
    expect(again.body).toEqual(first.body);
    const changed = await postJson(`${gatewayUrl}/orders`, { ...order, items: [{ ...order.items[0]!, quantity: 3 }] }, headers);
    expect(changed.status).toBe(422);
    expect(changed.contentType).toContain("application/problem+json");
  });

  it("was served by real daprd sidecars of the pinned version", async () => {
    const east = ctx.system.region("east");
    for (const app of Object.values(east.apps)) {
      const cmdline = readFileSync(`/proc/${app.sidecar.child.pid}/cmdline`, "utf8").split("\0");
      expect(cmdline[0]).toMatch(/daprd$/);
      expect(cmdline).toContain(app.app);
      const meta = await call(`http://127.0.0.1:${app.daprHttpPort}/v1.0/metadata`, { headers: { "dapr-api-token": app.daprApiToken } });
      expect(meta.body).toMatchObject({ id: app.app, runtimeVersion: daprVersion });
    }
    // The gateway's sidecar counted the service invocations the tests above made through it.
    const metrics = await call(`http://127.0.0.1:${east.apps.gateway.metricsPort}/metrics`);
    const sent = String(metrics.body)
      .split("\n")
      .filter((l) => l.startsWith("dapr_runtime_service_invocation_req_sent_total{") && l.includes('app_id="gateway"'))
      .reduce((sum, l) => sum + Number(l.split(" ").pop()), 0);
    expect(sent).toBeGreaterThan(0);
  });

  it("homes an order where it was placed; another region holds it only as a replica", async () => {
    const placed = await postJson(`${ctx.system.region("east").gatewayUrl}/orders`, order, await as("cust-1"));
    const { orderId } = placed.body as { orderId: string };
    const home = await eventually(
      async () => call(`${ctx.system.region("east").gatewayUrl}/orders/${orderId}`, { headers: await as("cust-1") }),
      (a) => a.status === 200,
    );
    const replica = await eventually(
      async () => call(`${ctx.system.region("west").gatewayUrl}/orders/${orderId}`, { headers: await as("cust-1") }),
      (a) => a.status === 200,
      20_000,
    );
    expect(home.body).toMatchObject({ homeRegion: "east" });
    expect(replica.body).toMatchObject({ orderId, homeRegion: "east" });
  });
});

describe("bad input gets a problem+json answer, never a 500", () => {
  const raw = (body: string, contentType = "application/json", headers: Record<string, string> = {}) => ({
    method: "POST",
    headers: { "content-type": contentType, ...headers },
    body,
  });
  const unknownId = "5b0c9a51-7f3c-4a52-9f0e-0b1f7a1e2d3c";
  const cases: [string, string, RequestInit | undefined, number, RegExp][] = [
    ["malformed JSON", "/orders", raw('{"customerId": "c1", "items": ['), 400, /not valid JSON/],
    ["wrong content type", "/orders", raw(JSON.stringify(order), "text/plain"), 415, /application\/json/],
    // The customer is the token's subject (c1 here); the body may only repeat it.
    ["another customer's customerId", "/orders", raw(JSON.stringify({ customerId: "c2", items: order.items })), 403, /signed-in customer/],
    ["unknown field", "/orders", raw(JSON.stringify({ ...order, coupon: "FREE" })), 400, /coupon/],
    [
      "quantity of the wrong type",
      "/orders",
      raw(JSON.stringify({ customerId: "c1", items: [{ sku: "a", quantity: "2", unitPrice: 1 }] })),
      400,
      /items\[0\]\.quantity/,
    ],
    ["empty items", "/orders", raw(JSON.stringify({ customerId: "c1", items: [] })), 400, /items: must hold at least one item/],
    [
      "negative quantity",
      "/orders",
      raw(JSON.stringify({ customerId: "c1", items: [{ sku: "a", quantity: -1, unitPrice: 1 }] })),
      400,
      /quantity: must be > 0/,
    ],
    [
      "fractional quantity",
      "/orders",
      raw(JSON.stringify({ customerId: "c1", items: [{ sku: "a", quantity: 1.5, unitPrice: 1 }] })),
      400,
      /quantity/,
    ],
    [
      "negative price",
      "/orders",
      raw(JSON.stringify({ customerId: "c1", items: [{ sku: "a", quantity: 1, unitPrice: -5 }] })),
      400,
      /unitPrice: must be >= 0/,
    ],
    [
      "huge quantity",
      "/orders",
      raw(JSON.stringify({ customerId: "c1", items: [{ sku: "a", quantity: 1e12, unitPrice: 1 }] })),
      400,
      /quantity: must be <=/,
    ],
    ["infinite price", "/orders", raw('{"customerId":"c1","items":[{"sku":"a","quantity":1,"unitPrice":1e400}]}'), 400, /unitPrice/],
    ["body that is not an object", "/orders", raw("[1,2,3]"), 400, /body/],
    ["oversized body", "/orders", raw(JSON.stringify({ ...order, pad: "x".repeat(200_000) })), 413, /exceeds the limit/],
    [
      "over-long Idempotency-Key",
      "/orders",
      raw(JSON.stringify(order), "application/json", { "Idempotency-Key": "k".repeat(300) }),
      400,
      /Idempotency-Key/,
    ],
    ["unknown order id", `/orders/${unknownId}`, undefined, 404, /does not exist/],
    ["malformed order id", "/orders/not-a-uuid", undefined, 400, /orderId: must be a UUID/],
    ["listing another customer's orders", "/orders?customerId=c2", { method: "GET" }, 403, /only their own orders/],
    ["unknown route", "/nope", undefined, 404, /no route/],
    ["malformed percent-encoding in an id", "/orders/%ff", undefined, 400, /decode|malformed/i],
    ["overlong UTF-8 in an id", "/orders/%c0%ae%c0%ae", undefined, 400, /decode|malformed/i],
    [
      "gzip declared, body not compressed",
      "/orders",
      raw(JSON.stringify(order), "application/json", { "content-encoding": "gzip" }),
      400,
      /./,
    ],
    [
      "an unsupported content encoding",
      "/orders",
      raw(JSON.stringify(order), "application/json", { "content-encoding": "br2" }),
      415,
      /encoding/,
    ],
    ["JSON nested 5000 deep", "/orders", raw(`${"[".repeat(5000)}${"]".repeat(5000)}`), 400, /nests deeper/],
    ["admin path on the public port", "/admin/restore", raw(JSON.stringify({ orderId: unknownId, events: [{}] })), 404, /no route/],
    // Stock changes only on the admin port: the public one has no such route, credential or not.
    ["stock change on the public port", "/inventory/sku-1", { ...raw(JSON.stringify({ available: 5 })), method: "PUT" }, 404, /no route/],
  ];

  it.each(cases)("%s", async (_name, path, init, status, detail) => {
    // Signed in as c1: these are about the input, not the credential (see "customers are authenticated").
    const signed = { ...init, headers: { ...(init?.headers as Record<string, string>), ...(await as("c1")) } };
    const answer: Answer = await call(`${ctx.system.region("east").gatewayUrl}${path}`, signed);
    expect(answer.status).toBe(status);
    expect(answer.contentType).toContain("application/problem+json");
    const problem = answer.body as { status: number; title: string; detail: string };
    expect(problem.status).toBe(status);
    expect(problem.detail).toMatch(detail);
    expect(JSON.stringify(problem)).not.toMatch(/at .*\.js:\d+/);
  });
});

describe("the operator port", () => {
  it("refuses every request without the operator credential, and a wrong one", async () => {
    const east = ctx.system.region("east");
    for (const [path, method] of [
      ["/admin/digest", "GET"],
      ["/admin/restore", "POST"],
      ["/admin/dead-letters", "GET"],
      ["/admin/rebuild-view", "POST"],
    ] as const) {
      for (const authorization of [undefined, "Bearer wrong", `Bearer ${east.adminToken}x`, east.adminToken]) {
        const answer = await call(`${east.adminUrl}${path}`, { method, headers: authorization ? { authorization } : {} });
        expect(answer.status, `${method} ${path} with ${authorization ?? "nothing"}`).toBe(401);
        expect(answer.contentType).toContain("application/problem+json");
      }
    }
    expect((await adminCall(east, "/admin/digest")).status).toBe(200);
  });

  it("listens on loopback only", async () => {
    const east = ctx.system.region("east");
    const port = Number(new URL(east.adminUrl).port);
    const listening = readFileSync("/proc/net/tcp", "utf8") + readFileSync("/proc/net/tcp6", "utf8");
    const hex = port.toString(16).toUpperCase().padStart(4, "0");
    const rows = listening.split("\n").filter((l) => l.includes(`:${hex} `) && l.trim().split(/\s+/)[3] === "0A");
    expect(rows.length).toBeGreaterThan(0);
    // 0100007F is 127.0.0.1 in /proc's little-endian notation.
    for (const row of rows) expect(row.trim().split(/\s+/)[1]).toBe(`0100007F:${hex}`);
  });

  it("answers junk restore input as a client error, and bad events are never stored", async () => {
    const east = ctx.system.region("east");
    const orderId = randomUUID();
    for (const body of [{ orderId, events: [{ junk: true }] }, { orderId, events: "x" }, { orderId: "nope", events: [] }, [1]]) {
      const answer = await adminCall(east, "/admin/restore", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(answer.status, JSON.stringify(answer.body)).toBe(400);
      expect(answer.contentType).toContain("application/problem+json");
    }
    expect((await adminCall(east, `/admin/orders/${orderId}/events`)).status).toBe(404);
  });
});

describe("customers are authenticated, and see and change only their own orders", () => {
  const east = () => ctx.system.region("east");
  const placeAs = async (customerId: string, key: string = randomUUID()) => {
    const placed = await postJson(
      `${east().gatewayUrl}/orders`,
      { items: order.items },
      { ...(await as(customerId)), "Idempotency-Key": key },
    );
    expect(placed.status, JSON.stringify(placed.body)).toBe(202);
    return (placed.body as { orderId: string }).orderId;
  };
  const refused = (answer: Answer, status: number, type: string, detail: RegExp) => {
    expect(answer.status, JSON.stringify(answer.body)).toBe(status);
    expect(answer.contentType).toContain("application/problem+json");
    expect(answer.body).toMatchObject({ type: `urn:meridian:problem:${type}` });
    expect((answer.body as { detail: string }).detail).toMatch(detail);
  };

  it("refuses every customer route without a token, naming what is missing", async () => {
    const id = randomUUID();
    for (const [method, path] of [
      ["POST", "/orders"],
      ["GET", "/orders"],
      ["GET", `/orders/${id}`],
      ["POST", `/orders/${id}/cancel`],
      ["GET", `/orders/${id}/events`],
    ] as const) {
      const answer = await call(`${east().gatewayUrl}${path}`, {
        method,
        headers: { "content-type": "application/json" },
        body: method === "POST" ? JSON.stringify(order) : null,
      });
      refused(answer, 401, "unauthorized", /access token is required/);
      expect(answer.headers.get("www-authenticate")).toMatch(/^Bearer error="invalid_request"/);
    }
  });

  it("refuses a token the issuer did not sign, one for another audience, and the operator's credential", async () => {
    const { privateKey } = await generateKeyPair("ES256");
    const forge = (audience: string) =>
      new SignJWT({ scope: "orders" })
        .setProtectedHeader({ alg: "ES256", kid: "forged" })
        .setSubject("cust-1")
        .setIssuer(ctx.system.issuer.url)
        .setAudience(audience)
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
    const get = async (authorization: string) => call(`${east().gatewayUrl}/orders`, { headers: { authorization } });
    refused(await get(`Bearer ${await forge(ctx.system.issuer.audience)}`), 401, "unauthorized", /key the issuer does not publish/);
    // A real token of the issuer, its signature made over another payload (audience changed after signing).
    const [header, payload, signature] = (await ctx.system.issuer.token("cust-1")).split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>;
    const altered = Buffer.from(JSON.stringify({ ...claims, sub: "someone-else" })).toString("base64url");
    refused(await get(`Bearer ${header}.${altered}.${signature}`), 401, "unauthorized", /signature does not verify/);
    refused(await get(`Bearer ${east().adminToken}`), 401, "unauthorized", /not a valid JWT/);
    // Positive control: the issuer's own token for this audience is accepted.
    expect((await call(`${east().gatewayUrl}/orders`, { headers: await as("cust-1") })).status).toBe(200);
  });

  it("answers another customer's order as no order at all: read, history and cancel", async () => {
    const mine = await placeAs("owner-1");
    await eventually(
      async () => call(`${east().gatewayUrl}/orders/${mine}`, { headers: await as("owner-1") }),
      (a) => a.status === 200,
    );
    const intruder = await as("intruder-1");
    refused(await call(`${east().gatewayUrl}/orders/${mine}`, { headers: intruder }), 404, "not-found", /does not exist/);
    refused(await call(`${east().gatewayUrl}/orders/${mine}/events`, { headers: intruder }), 404, "not-found", /does not exist/);
    refused(
      await call(`${east().gatewayUrl}/orders/${mine}/cancel`, { method: "POST", headers: intruder }),
      404,
      "not-found",
      /does not exist/,
    );
    // The intruder's listing holds nothing of the owner's; the owner still reads all of it
    // (sku-1 has no stock, so the order is rejected by now: a cancel would be 409, not 404).
    expect(((await call(`${east().gatewayUrl}/orders`, { headers: intruder })).body as { orders: unknown[] }).orders).toEqual([]);
    const owner = await as("owner-1");
    expect((await call(`${east().gatewayUrl}/orders/${mine}/events`, { headers: owner })).status).toBe(200);
    expect((await call(`${east().gatewayUrl}/orders/${mine}/cancel`, { method: "POST", headers: owner })).status).not.toBe(404);
  });

  it("pages a customer's listing: no request reads more than a page, and `next` leads on", async () => {
    const customer = `pager-${randomUUID().slice(0, 8)}`;
    const ids = [await placeAs(customer), await placeAs(customer), await placeAs(customer)];
    const headers = await as(customer);
    type Page = { orders: { orderId: string }[]; next?: string };
    const first = (
      await eventually(
        () => call(`${east().gatewayUrl}/orders?limit=2`, { headers }),
        (a) => (a.body as Page).next !== undefined,
      )
    ).body as Page;
    expect(first.orders).toHaveLength(2);
    const second = (await call(`${east().gatewayUrl}${first.next}`, { headers })).body as Page;
    expect(second.next).toBeUndefined();
    expect([...first.orders, ...second.orders].map((o) => o.orderId).sort()).toEqual([...ids].sort());
    refused(await call(`${east().gatewayUrl}/orders?limit=500`, { headers }), 400, "validation", /limit: must be <= 100/);
  });

  it("answers a flood from one customer with 429 and Retry-After, and leaves other customers alone", async () => {
    const flooder = await as(`flood-${randomUUID().slice(0, 8)}`);
    const statuses: number[] = [];
    let lastRefusal: Answer | undefined;
    const started = Date.now();
    // Past the default burst of 200, in waves of 25 at once, until refused (a slow machine refills
    // more tokens while the flood runs, so how many it takes depends on its pace; at most 2,000).
    for (let wave = 0; wave < 80 && lastRefusal === undefined; wave++) {
      const answers = await Promise.all(
        Array.from({ length: 25 }, () => call(`${east().gatewayUrl}/orders/${randomUUID()}`, { headers: flooder })),
      );
      for (const a of answers) {
        statuses.push(a.status);
        if (a.status === 429) lastRefusal = a;
      }
    }
    const seconds = (Date.now() - started) / 1000;
    // Every request either reached the system (404: no such order) or was refused for its rate.
    expect(new Set(statuses)).toEqual(new Set([404, 429]));
    // The bucket's arithmetic: the burst (200) plus what 50 a second refilled while the flood ran.
    const admitted = statuses.filter((s) => s === 404).length;
    expect(admitted).toBeLessThanOrEqual(200 + Math.ceil(50 * seconds));
    expect(admitted).toBeGreaterThanOrEqual(200);
    refused(lastRefusal!, 429, "too-many-requests", /requests a second .* from one client/);
    expect(Number(lastRefusal!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Positive control: another customer is served meanwhile.
    expect((await call(`${east().gatewayUrl}/orders`, { headers: await as("bystander") })).status).toBe(200);
  });

  it("keeps idempotency keys per customer: the same key is two orders, and claiming it first takes nothing from anyone", async () => {
    const key = `shared-${randomUUID()}`;
    const claimed = await placeAs("claimer", key);
    const victims = await placeAs("victim", key);
    expect(victims).not.toBe(claimed);
  });
});

describe("resiliency", () => {
  it("answers 4xx as answers: a run of lookups of unknown orders does not cut the gateway off order-view", async () => {
    const { gatewayUrl } = ctx.system.region("east");
    const headers = await as("cust-1");
    const placed = await postJson(`${gatewayUrl}/orders`, order, headers);
    const { orderId } = placed.body as { orderId: string };
    await eventually(
      () => call(`${gatewayUrl}/orders/${orderId}`, { headers }),
      (a) => a.status === 200,
    );
    // More 404s in a row than any circuit breaker would allow (Dapr counts 4xx as failures).
    for (let i = 0; i < 15; i++) expect((await call(`${gatewayUrl}/orders/${randomUUID()}`, { headers })).status).toBe(404);
    expect((await call(`${gatewayUrl}/orders/${orderId}`, { headers })).status).toBe(200);
  });
});

describe("publish on commit, with Dapr's outbox as the safety net", () => {
  it("confirms an order far faster than the outbox's second per hop, and subscribers get each event once", async () => {
    const east = ctx.system.region("east");
    await stockSku(east, "sku-fast", 5, 1);
    const headers = await as("c-fast");
    const placed = await postJson(`${east.gatewayUrl}/orders`, { items: [{ sku: "sku-fast", quantity: 1, unitPrice: 1 }] }, headers);
    const { orderId } = placed.body as { orderId: string };
    const view = await eventually(
      async () =>
        (await call(`${east.gatewayUrl}/orders/${orderId}`, { headers })).body as {
          status?: string;
          placedAt: string;
          projectedAt: string;
        },
      (v) => v.status === "confirmed",
    );
    // Three outbox hops (placed, reserved, authorized) cannot take less than 3 s; published on commit they take milliseconds.
    expect(Date.parse(view.projectedAt) - Date.parse(view.placedAt)).toBeLessThan(1000);

    // The outbox relays each event to the writer's relay topic; the writer had published it
    // already, so the public topic holds each event exactly once.
    const { events } = (await call(`${east.gatewayUrl}/orders/${orderId}/events`, { headers })).body as { events: { id: string }[] };
    const redis = new Redis({ host: "127.0.0.1", port: east.redis.port, password: east.redis.password, lazyConnect: true });
    await redis.connect();
    try {
      const copies = async (stream: string): Promise<number[]> => {
        const entries = await redis.xrange(stream, "-", "+");
        const ids = entries.map(([, fields]) => (JSON.parse(fields[fields.indexOf("data") + 1]!) as { data: { id: string } }).data.id);
        return events.map((e) => ids.filter((id) => id === e.id).length);
      };
      await eventually(
        () => copies(relayTopicOf("orders")),
        (n) => n.every((c) => c === 1),
        15_000,
        250,
      );
      expect(await copies("orders")).toEqual(events.map(() => 1));
    } finally {
      redis.disconnect();
    }
  });
});
