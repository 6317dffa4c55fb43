import { randomBytes, randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setPrice } from "../../scripts/local/operator.js";
import type { SystemHandle } from "../../scripts/local/system.js";
import { postJson } from "../support/http.js";
import { ordersApi, signedIn } from "../support/orders-api.js";
import { OtlpReceiver } from "../support/otlp-receiver.js";
import { appsIn, edges, orphans } from "../support/trace-tree.js";
import { eventually, isAlive, startTestSystem } from "../support/system.js";

let system: SystemHandle;
let receiver: OtlpReceiver;
let pids: number[] = [];

beforeAll(async () => {
  receiver = await OtlpReceiver.start();
  system = await startTestSystem(["east", "west"], { otlpEndpoint: receiver.endpoint });
  pids = system.group.pids;
});

afterAll(async () => {
  await system?.stop();
  await receiver?.close();
  expect(pids.filter(isAlive)).toEqual([]);
});

describe("one trace follows an order", () => {
  it("from the POST in east through every saga hop to the view update in west", async () => {
    const east = ordersApi(system.region("east"));
    const west = ordersApi(system.region("west"));
    const sku = `trace-${Date.now()}`;
    await east.setStock(sku, 1);
    // Listed as `place` lists what it orders, since this order is posted by hand.
    await setPrice(system.region("east"), sku, 1);
    // The client sends a trace context of its own, sampled, with baggage for the services behind.
    // The public edge trusts none of it: the order's trace is the gateway's, the client's span
    // only a link of its root (test/unit/edge-trace.unit.spec.ts checks the link and the baggage).
    const clientTraceId = randomBytes(16).toString("hex");
    const placed = await postJson(
      `${system.region("east").gatewayUrl}/orders`,
      { items: [{ sku, quantity: 1, unitPrice: 1 }] },
      {
        ...(await signedIn(system.region("east"), "tracer")),
        "Idempotency-Key": randomUUID(),
        traceparent: `00-${clientTraceId}-${randomBytes(8).toString("hex")}-01`,
        tracestate: "client=opaque",
        baggage: "tenant=someone-else",
      },
    );
    expect(placed.status, JSON.stringify(placed.body)).toBe(202);
    const id = (placed.body as { orderId: string }).orderId;
    east.owns(id, "tracer");
    await east.settled(id, ["confirmed"]);
    await eventually(
      () => west.get(id),
      (o) => o?.status === "confirmed",
      20_000,
    );

    // The gateway's server span for this POST is the root of the order's trace.
    const expected = [
      "gateway@east",
      "inventory@east",
      "order-view@east",
      "order-view@west",
      "orders@east",
      "orders@west",
      "payments@east",
      "replicator@west",
    ];
    const trace = await eventually(
      async () => {
        const root = receiver.spans.find(
          (s) => s.service === "gateway" && s.region === "east" && !s.parentSpanId && s.name.startsWith("POST"),
        );
        return root ? receiver.spans.filter((s) => s.traceId === root.traceId) : [];
      },
      // Sidecars export in batches: wait until every hop and every parent has arrived.
      (spans) => expected.every((a) => appsIn(spans).includes(a)) && orphans(spans).length === 0,
      30_000,
      500,
    ).catch((err: unknown) => {
      const root = receiver.spans.find((s) => s.service === "gateway" && !s.parentSpanId);
      const spans = root ? receiver.spans.filter((s) => s.traceId === root.traceId) : [];
      throw new Error(`${String(err).slice(0, 200)}\nin the trace: ${appsIn(spans).join(", ")}\norphans: ${orphans(spans).join(", ")}`);
    });
    // One connected tree: every span's parent is in the trace, and there is one root.
    expect(trace.filter((s) => !s.parentSpanId)).toHaveLength(1);
    // No service and no sidecar continued the client's trace.
    expect(trace[0]?.traceId).not.toBe(clientTraceId);
    expect(receiver.spans.filter((s) => s.traceId === clientTraceId)).toEqual([]);
    expect(orphans(trace)).toEqual([]);
    expect(appsIn(trace)).toEqual(expect.arrayContaining(expected));
    // The hops between services, each through Dapr (invocation, pub/sub, the peer link).
    expect(edges(trace)).toEqual(
      expect.arrayContaining([
        "gateway@east -> orders@east",
        "orders@east -> inventory@east",
        "inventory@east -> payments@east",
        "payments@east -> orders@east",
        "orders@east -> order-view@east",
        "orders@east -> replicator@west",
        "replicator@west -> orders@west",
        "orders@west -> order-view@west",
      ]),
    );
  });
});
