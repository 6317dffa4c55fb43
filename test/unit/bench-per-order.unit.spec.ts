import { describe, expect, it } from "vitest";
import { parseSamples } from "../../scripts/bench/metrics-text.js";
import { commandStatsDelta, parseCommandStats } from "../../scripts/bench/redis-stats.js";
import { renderPerOrder } from "../../scripts/bench/report-per-order.js";
import { countOps, noOps, opsByApp, perOrder, subtractOps, totalOps } from "../../scripts/bench/sidecar-ops.js";

/** What a Dapr 1.16 sidecar exposes, cut down to the metrics the benchmark reads (and one it must not). */
const daprdMetrics = (n: number): string =>
  [
    "# HELP dapr_component_state_count The number of operations performed on the state component",
    "# TYPE dapr_component_state_count counter",
    `dapr_component_state_count{app_id="orders",component="orders-store",namespace="",operation="get",success="true"} ${2 * n}`,
    `dapr_component_state_count{app_id="orders",component="orders-store",namespace="",operation="transaction",success="true"} ${n}`,
    `dapr_component_state_count{app_id="orders",component="orders-catalog",namespace="",operation="bulk_get",success="false"} ${n}`,
    `dapr_runtime_service_invocation_req_sent_total{app_id="orders",destination_app_id="inventory",type="unary"} ${n}`,
    `dapr_runtime_service_invocation_req_recv_total{app_id="orders",src_app_id="gateway"} ${n}`,
    `dapr_component_pubsub_egress_count{app_id="orders",component="pubsub",namespace="",success="true",topic="a,b"} ${n}`,
    `dapr_component_pubsub_ingress_count{app_id="orders",component="pubsub",namespace="",process_status="success",status="",topic="t"} ${n}`,
    `dapr_component_pubsub_ingress_bulk_count{app_id="orders",component="pubsub",namespace="",process_status="success",topic="t"} 1`,
    `dapr_component_pubsub_ingress_bulk_event_count{app_id="orders",component="pubsub",namespace="",process_status="success",topic="t"} ${3 * n}`,
    `dapr_http_server_request_count{app_id="orders",method="POST",path="/v1.0-alpha1/lock/{store}",status="200"} ${n}`,
    `dapr_http_server_request_count{app_id="orders",method="POST",path="",status="200"} ${10 * n}`,
    `dapr_http_server_latency_count{app_id="orders",method="POST",path="",status="200"} ${99 * n}`,
  ].join("\n");

describe("Prometheus text", () => {
  it("reads labels whose values hold commas, braces and escaped quotes", () => {
    const [s] = parseSamples('m{a="x,y",b="{\\"q\\"}"} 4\n');
    expect(s).toEqual({ name: "m", labels: { a: "x,y", b: '{"q"}' }, value: 4 });
    expect(parseSamples("up 1\n# c\n")).toEqual([{ name: "up", labels: {}, value: 1 }]);
  });
});

describe("sidecar operations per confirmed order", () => {
  it("sorts daprd's counters into kinds, whatever their success label", () => {
    expect(countOps(daprdMetrics(1))).toMatchObject({
      "state gets": 2,
      "state transactions": 1,
      "state bulk gets": 1,
      "invocations sent": 1,
      "invocations received": 1,
      publishes: 1,
      deliveries: 4,
      "delivery batches": 1,
      "lock calls": 1,
      "HTTP API requests": 11,
      "state sets": 0,
    });
  });

  it("divides the window's delta by the orders confirmed in it, per app over both regions and per region", () => {
    const delta = subtractOps(countOps(daprdMetrics(30)), countOps(daprdMetrics(10)));
    expect(perOrder(delta, 10)["state gets"]).toBe(4);
    expect(Number.isNaN(perOrder(delta, 0)["state gets"])).toBe(true);
    const rows = [
      { region: "east", app: "orders", ops: delta },
      { region: "west", app: "orders", ops: delta },
      { region: "west", app: "inventory", ops: { ...noOps(), publishes: 5 } },
    ];
    expect(opsByApp(rows).map((r) => [r.app, r.ops["state transactions"]])).toEqual([
      ["orders", 40],
      ["inventory", 0],
    ]);
    expect(opsByApp(rows, "west").map((r) => r.app)).toEqual(["orders", "inventory"]);
    expect(totalOps(rows).publishes).toBe(45);
  });

  it("renders the tables with a total row and only the kinds some sidecar did", () => {
    const ops = { ...noOps(), "state gets": 20, publishes: 10 };
    const md = renderPerOrder({
      window: "w",
      confirmedOrders: 10,
      cpuMsPerOrder: [{ name: "east/orders", kind: "service", region: "east", ms: 3 }],
      sidecarOps: [
        { region: "east", app: "orders", ops },
        { region: "west", app: "orders", ops },
      ],
      redis: [{ region: "east", commands: [{ command: "xadd", calls: 50, usec: 500 }] }],
    }).join("\n");
    expect(md).toContain("| app | state gets | publishes |");
    expect(md).toContain("| orders | 4 | 2 |");
    expect(md).toContain("| **total** | 4 | 2 |");
    expect(md).toContain("| orders | 2 | 1 |");
    expect(md).toContain("| `xadd` | 5 | 50 | 5 |");
    expect(md).toMatch(/No sidecar did any: .*lock calls/);
  });
});

describe("Redis INFO commandstats", () => {
  it("parses calls and usec per command and subtracts two readings", () => {
    const before = parseCommandStats(
      "# Commandstats\r\ncmdstat_xadd:calls=10,usec=100,usec_per_call=10.00,rejected_calls=0,failed_calls=0\r\n",
    );
    const after = parseCommandStats(
      "# Commandstats\r\ncmdstat_xadd:calls=15,usec=160,usec_per_call=10.67\r\ncmdstat_client|setinfo:calls=2,usec=1\r\ncmdstat_get:calls=0,usec=0\r\n",
    );
    expect(Object.fromEntries(commandStatsDelta(before, after))).toEqual({
      xadd: { calls: 5, usec: 60 },
      "client|setinfo": { calls: 2, usec: 1 },
    });
  });
});
