import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { SystemHandle } from "../../scripts/local/system.js";
import { ordersApi } from "../support/orders-api.js";
import { OtlpReceiver } from "../support/otlp-receiver.js";
import { replicationSuite } from "../support/replication-suite.js";
import { eventually, isAlive, startTestSystem } from "../support/system.js";
import { appsIn, edges } from "../support/trace-tree.js";
import { sagaSuite } from "../support/saga-suite.js";

// The same suite with region east orchestrated: the order-saga workflow (Dapr Workflow, with
// placement, scheduler and the actor state store) drives the saga through the services' commands.
sagaSuite({ pubsub: "redis", state: "redis" }, { saga: "orchestration" });

// Regions of different styles replicate to each other unchanged: only order events cross, and
// both styles write the same ones.
replicationSuite({ pubsub: "redis", state: "redis" }, { saga: { east: "orchestration", west: "choreography" } });

describe("one trace follows an orchestrated order", () => {
  let receiver: OtlpReceiver;
  let system: SystemHandle;
  let pids: number[] = [];
  beforeAll(async () => {
    receiver = await OtlpReceiver.start();
    system = await startTestSystem(["east"], {
      otlpEndpoint: receiver.endpoint,
      workflows: { placement: inject("placement"), scheduler: inject("scheduler") },
      saga: { east: "orchestration" },
    });
    pids = system.group.pids;
  });
  afterAll(async () => {
    await system?.stop();
    await receiver?.close();
    expect([...new Set([...pids, ...(system?.group.pids ?? [])])].filter(isAlive)).toEqual([]);
  });

  it("from the POST through the workflow's activities to every service they call", async () => {
    // A client retries a 503 with its key, as documented (a loaded machine, a fresh region).
    const east = ordersApi(system.region("east"), { retry503: 3 });
    const sku = `wftrace-${Date.now()}`;
    await east.setStock(sku, 1);
    const id = await east.place("tracer", [{ sku, quantity: 1, unitPrice: 1 }]);
    await east.settled(id, ["confirmed"]);
    const expected = ["gateway@east", "inventory@east", "order-saga@east", "orders@east", "payments@east"];
    const complete = (found: typeof receiver.spans) =>
      expected.every((a) => appsIn(found).includes(a)) && edges(found).includes("order-saga@east -> payments@east");
    // A retried POST is a second root; the saga hangs under whichever attempt committed the order.
    const spans = await eventually(
      async () => {
        const roots = receiver.spans.filter((s) => s.service === "gateway" && !s.parentSpanId && s.name.startsWith("POST"));
        const traces = roots.map((root) => receiver.spans.filter((s) => s.traceId === root.traceId));
        return traces.find(complete) ?? [];
      },
      complete,
      30_000,
      500,
    );
    expect(edges(spans)).toEqual(
      expect.arrayContaining([
        "gateway@east -> orders@east",
        // The saga starts from the committed order.placed, delivered in the POST's trace.
        "orders@east -> order-saga@east",
        "order-saga@east -> inventory@east",
        "order-saga@east -> payments@east",
        "order-saga@east -> orders@east",
      ]),
    );
  });
});
