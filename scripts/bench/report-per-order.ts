/** The report's "cost per confirmed order" section: by process, by sidecar operation, by Redis command. */
import type { PerOrderCost } from "./per-order.js";
import { type OpCounts, type OpKind, opKinds, opsByApp, perOrder, totalOps } from "./sidecar-ops.js";
import { round } from "./stats.js";

const row = (cells: readonly (string | number)[]): string => `| ${cells.join(" | ")} |`;
const rule = (n: number): string => row(Array.from({ length: n }, () => "---"));
const fmt = (v: number): string => (Number.isFinite(v) ? String(round(v)) : "n/a");

/** The kinds worth a column: those some sidecar did at least once. */
function kindsUsed(rows: readonly { ops: OpCounts }[]): OpKind[] {
  return opKinds.filter((k) => rows.some((r) => r.ops[k] > 0));
}

function opsTable(rows: readonly { app: string; ops: OpCounts }[], kinds: readonly OpKind[], orders: number): string[] {
  const line = (app: string, ops: OpCounts): string => {
    const p = perOrder(ops, orders);
    return row([app, ...kinds.map((k) => fmt(p[k]))]);
  };
  return [row(["app", ...kinds]), rule(kinds.length + 1), ...rows.map((r) => line(r.app, r.ops)), line("**total**", totalOps(rows))];
}

export function renderPerOrder(c: PerOrderCost): string[] {
  const regions = [...new Set(c.sidecarOps.map((r) => r.region))];
  const both = opsByApp(c.sidecarOps);
  const kinds = kindsUsed(both);
  const unused = opKinds.filter((k) => !kinds.includes(k));
  const lines: string[] = [
    `## Cost per confirmed order (${c.window}; ${c.confirmedOrders} orders confirmed)`,
    "",
    "Each figure is what happened in the window divided by the orders placed in it and confirmed: the work of both regions " +
      "(the home region's saga, the other region's replica and both lakes) is charged to the order that caused it. " +
      "The gateway's and order-view's figures include the benchmark's own reads: it polls `GET /orders/{id}` in each region until " +
      "the order shows confirmed there (order-view's invocations received, below, count those polls).",
    "",
    "### CPU ms per confirmed order, by process",
    "",
    row(["process", "kind", "region", "CPU ms / order"]),
    rule(4),
    ...c.cpuMsPerOrder.map((p) => row([p.name, p.kind, p.region, fmt(p.ms)])),
  ];
  for (const kind of ["daprd", "service", "broker"] as const) {
    const sum = c.cpuMsPerOrder.filter((p) => p.kind === kind).reduce((s, p) => s + p.ms, 0);
    lines.push(row([`**every ${kind}**`, kind, "both", fmt(sum)]));
  }
  lines.push(
    row([
      "**the system** (all but the load generator)",
      "",
      "both",
      fmt(c.cpuMsPerOrder.filter((p) => p.kind !== "bench").reduce((s, p) => s + p.ms, 0)),
    ]),
    "",
    "### Sidecar operations per confirmed order",
    "",
    "From each daprd's metrics: invocations it made and received, state API calls by operation, publishes the app asked for, " +
      "messages delivered to the app (one by one or per event of a bulk delivery; a batch is one call to the app), lock API calls, " +
      "and every HTTP call of the app to its sidecar. The outbox's internal publish is not a metric in Dapr 1.16 (its relay shows as a delivery on `outbox-pubsub`).",
    "",
    "Both regions:",
    "",
    ...opsTable(both, kinds, c.confirmedOrders),
    "",
  );
  if (unused.length > 0) lines.push(`No sidecar did any: ${unused.join(", ")}.`, "");
  for (const region of regions) lines.push(`${region}:`, "", ...opsTable(opsByApp(c.sidecarOps, region), kinds, c.confirmedOrders), "");
  lines.push(...redisTable(c), "");
  return lines;
}

const redisTop = 15;

function redisTable(c: PerOrderCost): string[] {
  const commands = new Map<string, { calls: Map<string, number>; usec: Map<string, number> }>();
  for (const r of c.redis)
    for (const s of r.commands) {
      const entry = commands.get(s.command) ?? { calls: new Map(), usec: new Map() };
      entry.calls.set(r.region, s.calls);
      entry.usec.set(r.region, s.usec);
      commands.set(s.command, entry);
    }
  const sum = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((s, v) => s + v, 0);
  const ranked = [...commands].sort(([, a], [, b]) => sum(b.usec) - sum(a.usec));
  const per = (v: number): string => fmt(c.confirmedOrders > 0 ? v / c.confirmedOrders : Number.NaN);
  const regions = c.redis.map((r) => r.region);
  const totalCalls = ranked.reduce((s, [, e]) => s + sum(e.calls), 0);
  // EXEC's time includes the commands it ran, which count under their own names too.
  const totalUsec = ranked.filter(([cmd]) => cmd !== "exec").reduce((s, [, e]) => s + sum(e.usec), 0);
  return [
    "### Redis commands per confirmed order",
    "",
    "From each region's `INFO commandstats`: calls, and microseconds spent executing them inside redis-server " +
      `(not parsing nor network, which its process CPU above includes). \`exec\`'s time includes the commands of its ` +
      `transaction, which are also counted under their own names (the total leaves it out). The ${redisTop} costliest commands:`,
    "",
    row(["command", "calls / order", "µs / order", ...regions.map((r) => `${r} calls / order`)]),
    rule(3 + regions.length),
    ...ranked
      .slice(0, redisTop)
      .map(([cmd, e]) =>
        row([`\`${cmd.replaceAll("|", "\\|")}\``, per(sum(e.calls)), per(sum(e.usec)), ...regions.map((r) => per(e.calls.get(r) ?? 0))]),
      ),
    row([
      "**every command**",
      per(totalCalls),
      per(totalUsec),
      ...regions.map((r) => per(sum(new Map(ranked.map(([k, e]) => [k, e.calls.get(r) ?? 0]))))),
    ]),
  ];
}
