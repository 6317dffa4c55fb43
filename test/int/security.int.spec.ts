/**
 * The local system is secured as the clusters are: mTLS between sidecars (Sentry per region),
 * access control from the topology, one token per app each way, loopback only, Redis with a
 * password, topic scopes. Every attempt here is one the independent tester made and got through.
 */
import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { allApps, apps, components, topics } from "../../platform/topology.js";
import { type AbuseKind, type AbuseReport, abuseSystem } from "../../scripts/chaos/abuse.js";
import { type Attempt, regionAttempts } from "../../scripts/chaos/unauthorised.js";
import { redisCommand } from "../../scripts/local/redis.js";
import { call, postJson } from "../support/http.js";
import { ordersApi } from "../support/orders-api.js";
import { useTestSystem } from "../support/system.js";

// Two regions: the peer link is one of the paths a compromised app tries (abuse.ts).
const ctx = useTestSystem(["east", "west"]);

/** Listening TCP sockets (address:port) of a process, from /proc/net/tcp{,6} and its fds. */
function listeningSockets(pid: number): string[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]].filter((x): x is string => !!x);
      } catch {
        return [];
      }
    }),
  );
  const sockets: string[] = [];
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    for (const line of readFileSync(table, "utf8").trim().split("\n").slice(1)) {
      const [, local, , state, , , , , , inode] = line.trim().split(/\s+/);
      if (state !== "0A" || !inode || !inodes.has(inode)) continue; // 0A: LISTEN
      const [hex, port] = local!.split(":");
      // IPv4 addresses are little-endian hex; anything else (IPv6) is reported as is, and fails the test.
      const address =
        hex!.length === 8
          ? [...hex!.matchAll(/../g)]
              .map((b) => parseInt(b[0], 16))
              .reverse()
              .join(".")
          : `[${hex}]`;
      sockets.push(`${address}:${parseInt(port!, 16)}`);
    }
  }
  return sockets;
}

const refusedOf = (attempts: readonly Attempt[], kind: Attempt["kind"]) => attempts.filter((a) => a.kind === kind);

/** The probe's attempts, made once (about 20 s) and read by several tests. */
let probed: Promise<Attempt[]> | undefined;
const attempts = (): Promise<Attempt[]> => (probed ??= regionAttempts(ctx.system.region("east")));

describe("security, locally as in the clusters", () => {
  it("still runs the saga: every allowed invocation and publish works under mTLS and the policies", async () => {
    const api = ordersApi(ctx.system.region("east"));
    await api.setStock("sec-1", 5);
    const orderId = await api.place("sec", [{ sku: "sec-1", quantity: 1, unitPrice: 3 }]);
    expect((await api.settled(orderId, ["confirmed", "rejected", "cancelled"])).status).toBe("confirmed");
    expect(await api.payment(orderId)).toMatchObject({ status: "authorized" });
  });

  it("refuses plain and certificate-less connections to daprd's sidecar-to-sidecar port", async () => {
    const internal = refusedOf(await attempts(), "internal-grpc-without-mtls");
    expect(internal).toHaveLength(2 * allApps.length);
    for (const a of internal) expect(a.refused, `${a.what}: ${a.outcome}`).toBe(true);
  });

  it("lets the gateway's sidecar invoke only what the topology allows", async () => {
    const east = ctx.system.region("east");
    const gateway = east.apps.gateway;
    const invoke = (to: string, method: string, init: RequestInit = {}) =>
      call(`http://127.0.0.1:${gateway.daprHttpPort}/v1.0/invoke/${to}/method/${method}`, {
        ...init,
        headers: { "content-type": "application/json", "dapr-api-token": gateway.daprApiToken, ...init.headers },
      });
    // Allowed pair and route.
    expect((await invoke(apps.inventory, "inventory/sec-1")).status).toBe(200);
    // The tester's attack: a forged stock.reserved through the gateway's sidecar to payments.
    const forged = await invoke(apps.payments, "events/inventory", { method: "POST", body: JSON.stringify({ data: {} }) });
    expect(forged.status, JSON.stringify(forged.body)).toBe(403);
    // An allowed callee, but a delivery route the gateway has no business calling.
    expect((await invoke(apps.orders, "events/payments", { method: "POST", body: "{}" })).status).toBe(403);
  });

  it("takes each app's token only on that app's own sidecar and app", async () => {
    const east = ctx.system.region("east");
    const orders = east.apps.orders;
    const metadata = (token: string) =>
      call(`http://127.0.0.1:${orders.daprHttpPort}/v1.0/metadata`, { headers: { "dapr-api-token": token } });
    expect((await metadata(orders.daprApiToken)).status).toBe(200);
    expect((await metadata(east.apps.gateway.daprApiToken)).status).toBe(401);
    const tokens = Object.values(east.apps).flatMap((a) => [a.daprApiToken, a.appApiToken]);
    expect(new Set(tokens).size).toBe(tokens.length);
  });

  it("answers 401 to an event posted to an app port without its app token", async () => {
    const payments = ctx.system.region("east").apps.payments;
    const forged = { specversion: "1.0", id: "x", type: "io.meridian.stock.reserved", source: "attacker", data: {} };
    const url = `http://127.0.0.1:${payments.appPort}/events/${topics.inventory}`;
    expect((await postJson(url, forged)).status).toBe(401);
    expect((await postJson(url, forged, { "dapr-api-token": ctx.system.region("east").apps.orders.appApiToken })).status).toBe(401);
    // Health stays open for the runner's and the kubelet's probes.
    expect((await call(`http://127.0.0.1:${payments.appPort}/healthz`)).status).toBe(200);
  });

  it("refuses Redis clients without the password", async () => {
    const { redis } = ctx.system.region("east");
    expect(await redisCommand(redis.port, "PING")).toMatch(/^-NOAUTH/);
    // A wrong password is refused, and the command after it is still unauthenticated.
    expect(await redisCommand(redis.port, "PING", "wrong")).toMatch(/^-NOAUTH/);
    expect(await redisCommand(redis.port, "PING", redis.password)).toBe("+PONG");
  });

  it("binds every port of every process it started to loopback", () => {
    const running = ctx.system.group.running();
    expect(running.some((m) => m.name.endsWith("-sentry"))).toBe(true);
    for (const m of running) {
      const sockets = listeningSockets(m.child.pid!);
      expect(sockets.length, m.name).toBeGreaterThan(0);
      // The one exception, upstream's: Sentry 1.16.1 ignores --healthz-listen-address.
      const sentry = ctx.system.regions.find((r) => r.sentry.process === m)?.sentry;
      const exempt = sentry ? [`[00000000000000000000000000000000]:${sentry.healthzPort}`] : [];
      for (const s of sockets.filter((x) => !exempt.includes(x))) expect(s, m.name).toMatch(/^127\.0\.0\.1:\d+$/);
    }
  });

  it("refuses a publish outside the app's topic scope", async () => {
    const east = ctx.system.region("east");
    const inventory = east.apps.inventory;
    const publish = (topic: string) =>
      postJson(
        `http://127.0.0.1:${inventory.daprHttpPort}/v1.0/publish/${components.pubsub}/${topic}`,
        { nonsense: true },
        { "dapr-api-token": inventory.daprApiToken },
      );
    expect((await publish(topics.payments)).status).toBe(403);
    for (const a of refusedOf(await attempts(), "publish-outside-scope")) expect(a.refused, `${a.what}: ${a.outcome}`).toBe(true);
  });

  it("refuses every unauthorised attempt of the probe", async () => {
    const all = await attempts();
    expect(all.length).toBeGreaterThanOrEqual(50);
    const accepted = all.filter((a) => !a.refused);
    expect(accepted.map((a) => `${a.kind}: ${a.what} -> ${a.outcome}`)).toEqual([]);
  });
});

describe("abuse: a customer going for others' orders, and a compromised app going for other apps", () => {
  /** Both regions' attempts, made once (about 30 s) and read by each test. */
  let abused: Promise<AbuseReport> | undefined;
  const report = (): Promise<AbuseReport> => (abused ??= abuseSystem(ctx.system));
  const of = async (kind: AbuseKind) => (await report()).attempts.filter((a) => a.kind === kind);

  it.each([
    ["other-customers-order", 10],
    ["forged-price", 4],
    ["operator-credential-on-public-port", 4],
    ["flood", 2],
    ["forged-fault", 2],
    ["forged-replica", 6],
    ["peer-link-publish", 2],
    ["restore-over-stream", 2],
  ] as const)("refuses every %s attempt for its expected reason", async (kind, count) => {
    const attempts = await of(kind);
    expect(attempts).toHaveLength(count);
    for (const a of attempts) expect(a.refusedAsExpected, `${a.region}: ${a.what}: expected ${a.expected}, got ${a.outcome}`).toBe(true);
  });

  it("still serves every legitimate call beside them (the positive controls)", async () => {
    const { controls } = await report();
    expect(controls.length).toBeGreaterThanOrEqual(12);
    expect(controls.filter((c) => !c.ok).map((c) => `${c.region}: ${c.what} -> ${c.outcome}`)).toEqual([]);
  });
});
