import { describe, expect, it } from "vitest";
import type { DirectBaselineResult } from "../../scripts/bench/direct.js";
import type { FloorResult } from "../../scripts/bench/floor/floor.js";
import { type FloorApp, expectedOpsPerOrder, floorPlan } from "../../scripts/bench/floor/plan.js";
import { renderSideBySide } from "../../scripts/bench/floor/report-floor.js";
import type { PerOrderCost } from "../../scripts/bench/per-order.js";
import { type OpCounts, noOps } from "../../scripts/bench/sidecar-ops.js";
import { summarize } from "../../scripts/bench/stats.js";

const ops = (o: Partial<OpCounts>): OpCounts => ({ ...noOps(), ...o });

/**
 * The home region's saga in `npm run bench -- --scale quick` (choreography, publish on commit),
 * per order and app: the report's both-regions figures less the other region's replica.
 */
const systemHomeSaga: Readonly<Record<FloorApp, Partial<OpCounts>>> = {
  gateway: { "invocations sent": 1 },
  orders: { "invocations received": 1, "state bulk gets": 3, "state transactions": 3, publishes: 2 },
  inventory: { "state bulk gets": 1, "state transactions": 1, publishes: 3 },
  payments: { "state bulk gets": 1, "state transactions": 1, publishes: 1 },
  // The view created (a state set) on the placement, the customer's index written, the view
  // updated on the confirmation.
  "order-view": { "state bulk gets": 2, "state transactions": 2, "state sets": 1 },
  replicator: {},
};

describe("the Dapr floor's calibration", () => {
  it("makes the system's state calls, publishes and invocations per order, app by app", () => {
    const expected = expectedOpsPerOrder();
    for (const [app, figures] of Object.entries(systemHomeSaga)) expect(expected[app as FloorApp], app).toMatchObject(figures);
  });

  it("counts every call the app makes to its sidecar as one HTTP API request", () => {
    expect(expectedOpsPerOrder().orders["HTTP API requests"]).toBe(8);
    expect(expectedOpsPerOrder().inventory["HTTP API requests"]).toBe(5);
    expect(expectedOpsPerOrder().replicator).toEqual(noOps());
  });

  it("follows the plan it is given", () => {
    const plan = { ...floorPlan, payments: [{ on: "x", steps: [{ reads: 2, store: "s", published: 4, topic: "t" }] }] };
    expect(expectedOpsPerOrder(plan).payments).toMatchObject({ "state bulk gets": 2, "state transactions": 1, publishes: 4 });
  });
});

function perOrderCost(orders: number, cpu: Record<"daprd" | "service" | "broker", number>, appOps: Record<string, OpCounts>): PerOrderCost {
  return {
    window: "test",
    confirmedOrders: orders,
    cpuMsPerOrder: [
      { name: "x daprd", kind: "daprd", region: "r", ms: cpu.daprd },
      { name: "x", kind: "service", region: "r", ms: cpu.service },
      { name: "redis", kind: "broker", region: "r", ms: cpu.broker },
      { name: "bench", kind: "bench", region: "-", ms: 1000 },
    ],
    sidecarOps: Object.entries(appOps).map(([app, o]) => ({ region: "r", app, ops: o })),
    redis: [],
  };
}

const direct = {
  saturation: { messages: 1000, seconds: 1, perSecond: 1000, cost: { workerCpuSeconds: 0.5, redisCpuSeconds: 0.25, events: 4000 } },
  atHalf: { latencyMs: summarize([10, 10, 20]) },
} as unknown as DirectBaselineResult;

const floor = {
  description: "the floor",
  readySeconds: 5,
  saturation: { region: "floor", offeredPerSecond: 200, confirmedPerSecond: 100, saturated: true },
  latency: { ratePerSecond: 50, postToConfirmedMs: summarize([100, 100, 200]), maxSendDelayMs: 1 },
  perOrder: perOrderCost(10, { daprd: 40, service: 20, broker: 10 }, { orders: ops({ "state transactions": 30, publishes: 20 }) }),
  orders: { placed: 10, confirmed: 10, failedPosts: 0 },
  pids: [],
} satisfies FloorResult;

describe("the direct / Dapr floor / system section of the report", () => {
  const lines = renderSideBySide({
    direct,
    floor,
    system: {
      confirmedPerSecond: 50,
      postToConfirmedMs: summarize([400, 400, 800]),
      perOrder: perOrderCost(
        20,
        { daprd: 80, service: 80, broker: 20 },
        { orders: ops({ "state transactions": 120, publishes: 80 }), replicator: ops({ deliveries: 100 }) },
      ),
    },
  });
  const rowOf = (start: string): string => lines.find((l) => l.startsWith(`| ${start}`)) ?? "";

  it("puts the three pipelines' throughput side by side, with what each step costs", () => {
    expect(rowOf("saturation")).toBe("| saturation, orders/s (system: best single region) | 1000 | 100 | 50 | 0.1× | 0.5× |");
  });

  it("compares latency percentiles at half load", () => {
    expect(rowOf("POST → confirmed p50")).toContain("| 10 | 100 | 400 | 10× | 4× |");
  });

  it("divides the direct pipeline's CPU by its orders, and leaves the load generator out", () => {
    expect(rowOf("CPU ms / order: apps")).toContain("| 0.5 | 20 | 80 |");
    expect(rowOf("CPU ms / order: redis-server")).toContain("| 0.25 | 10 | 20 |");
    expect(rowOf("CPU ms / order: all of it")).toContain("| 0.75 | 70 | 180 |");
  });

  it("shows each app's sidecar operations per order as floor / system, apps only one side has included", () => {
    expect(rowOf("orders")).toBe("| orders | 3 / 6 | 2 / 4 | 0 / 0 |");
    expect(rowOf("replicator")).toBe("| replicator | 0 / 0 | 0 / 0 | 0 / 5 |");
    expect(lines).toContain("| app | state transactions | publishes | deliveries |");
  });
});
