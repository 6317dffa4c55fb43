/**
 * The report's "direct / Dapr floor / system" section: the same figures of the three pipelines
 * side by side, so a gap between direct and the floor is Dapr's, and one between the floor and
 * the system is our code's.
 */
import type { DirectBaselineResult } from "../direct.js";
import type { PerOrderCost } from "../per-order.js";
import { type OpCounts, type OpKind, opKinds, opsByApp, perOrder, totalOps } from "../sidecar-ops.js";
import { type Summary, round } from "../stats.js";
import type { FloorResult } from "./floor.js";

/** What the section needs of a report (a subset of BenchReport, so it renders without the rest). */
export interface SideBySideInput {
  readonly direct: DirectBaselineResult;
  readonly floor: FloorResult;
  readonly system: {
    /** The best single region's saturation, as the floor is one region. */
    readonly confirmedPerSecond: number;
    readonly postToConfirmedMs: Summary;
    readonly perOrder: PerOrderCost;
  };
}

const row = (cells: readonly (string | number)[]): string => `| ${cells.join(" | ")} |`;
const rule = (n: number): string => row(Array.from({ length: n }, () => "---"));
const fmt = (v: number): string => (Number.isFinite(v) ? String(round(v)) : "n/a");
const ratio = (a: number, b: number): string => (b > 0 && Number.isFinite(a / b) ? `${fmt(a / b)}×` : "n/a");

/** CPU ms per order of the processes of one kind. */
function cpuOf(c: PerOrderCost, kind: "daprd" | "service" | "broker"): number {
  return c.cpuMsPerOrder.filter((p) => p.kind === kind).reduce((s, p) => s + p.ms, 0);
}

/** Per-order CPU of the direct pipeline's saturation phase, in ms, from its cost totals. */
function directCpu(d: DirectBaselineResult): { worker: number; redis: number } {
  const orders = d.saturation.messages;
  return { worker: (d.saturation.cost.workerCpuSeconds / orders) * 1000, redis: (d.saturation.cost.redisCpuSeconds / orders) * 1000 };
}

/** Op kinds either side used, in the usual order. */
function kindsUsed(...tables: readonly { ops: OpCounts }[][]): OpKind[] {
  return opKinds.filter((k) => tables.some((t) => t.some((r) => r.ops[k] > 0)));
}

export function renderSideBySide(r: SideBySideInput): string[] {
  const { direct, floor, system } = r;
  const d = directCpu(direct);
  const f = { apps: cpuOf(floor.perOrder, "service"), daprd: cpuOf(floor.perOrder, "daprd"), redis: cpuOf(floor.perOrder, "broker") };
  const s = {
    apps: cpuOf(system.perOrder, "service"),
    daprd: cpuOf(system.perOrder, "daprd"),
    redis: cpuOf(system.perOrder, "broker"),
  };
  const floorApps = opsByApp(floor.perOrder.sidecarOps);
  const systemApps = opsByApp(system.perOrder.sidecarOps);
  const kinds = kindsUsed(floorApps, systemApps);
  const apps = [...new Set([...floorApps, ...systemApps].map((a) => a.app))];
  const opsOf = (rows: readonly { app: string; ops: OpCounts }[], app: string): OpCounts | undefined =>
    rows.find((x) => x.app === app)?.ops;
  const cell = (fo: OpCounts | undefined, so: OpCounts | undefined, k: OpKind): string => {
    const fv = fo ? perOrder(fo, floor.perOrder.confirmedOrders)[k] : 0;
    const sv = so ? perOrder(so, system.perOrder.confirmedOrders)[k] : 0;
    return `${fmt(fv)} / ${fmt(sv)}`;
  };
  return [
    "## Direct / Dapr floor / system",
    "",
    `The Dapr floor (\`scripts/bench/floor/\`): ${floor.description}. It runs the same load phases as the system, ` +
      "between the direct baseline and the system. What the floor adds to direct is Dapr's cost; what the system adds to the floor is our code's " +
      "(Express, validation, domain logic, telemetry, leases, and replication and the lake, which the one-region floor leaves out).",
    "",
    row(["figure", "direct", "Dapr floor", "system", "floor / direct", "system / floor"]),
    rule(6),
    row([
      "saturation, orders/s (system: best single region)",
      fmt(direct.saturation.perSecond),
      fmt(floor.saturation.confirmedPerSecond),
      fmt(system.confirmedPerSecond),
      ratio(floor.saturation.confirmedPerSecond, direct.saturation.perSecond),
      ratio(system.confirmedPerSecond, floor.saturation.confirmedPerSecond),
    ]),
    ...(["p50", "p99"] as const).map((p) =>
      row([
        `POST → confirmed ${p} at 50% load, ms`,
        fmt(direct.atHalf.latencyMs[p]),
        fmt(floor.latency.postToConfirmedMs[p]),
        fmt(system.postToConfirmedMs[p]),
        ratio(floor.latency.postToConfirmedMs[p], direct.atHalf.latencyMs[p]),
        ratio(system.postToConfirmedMs[p], floor.latency.postToConfirmedMs[p]),
      ]),
    ),
    row([
      "CPU ms / order: apps (direct: its worker)",
      fmt(d.worker),
      fmt(f.apps),
      fmt(s.apps),
      ratio(f.apps, d.worker),
      ratio(s.apps, f.apps),
    ]),
    row(["CPU ms / order: every daprd", "-", fmt(f.daprd), fmt(s.daprd), "", ratio(s.daprd, f.daprd)]),
    row(["CPU ms / order: redis-server", fmt(d.redis), fmt(f.redis), fmt(s.redis), ratio(f.redis, d.redis), ratio(s.redis, f.redis)]),
    row([
      "CPU ms / order: all of it",
      fmt(d.worker + d.redis),
      fmt(f.apps + f.daprd + f.redis),
      fmt(s.apps + s.daprd + s.redis),
      ratio(f.apps + f.daprd + f.redis, d.worker + d.redis),
      ratio(s.apps + s.daprd + s.redis, f.apps + f.daprd + f.redis),
    ]),
    "",
    `CPU per order over each one's saturation window (the system's: both regions at once, so an order's replica and both lakes are in it). ` +
      `The floor: ${floor.orders.placed} orders placed, ${floor.orders.confirmed} confirmed, ${floor.orders.failedPosts} POSTs failed for good; ready in ${fmt(floor.readySeconds)} s.`,
    "",
    "### Sidecar operations per confirmed order, Dapr floor / system",
    "",
    "Each cell is floor / system (both regions: the home saga plus its replica in the other region). Both are polled alike by the benchmark " +
      "(the gateway's invocations and order-view's reads include the polls, which depend on how fast each confirms).",
    "",
    row(["app", ...kinds]),
    rule(kinds.length + 1),
    ...apps.map((app) => row([app, ...kinds.map((k) => cell(opsOf(floorApps, app), opsOf(systemApps, app), k))])),
    row(["**total**", ...kinds.map((k) => cell(totalOps(floorApps), totalOps(systemApps), k))]),
    "",
  ];
}
