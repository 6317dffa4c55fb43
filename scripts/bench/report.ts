/** The benchmark report: one JSON document, rendered as Markdown for people. */
import type { SagaStyle } from "../../platform/topology.js";
import type { Correctness } from "./correctness.js";
import type { DirectBaselineResult } from "./direct.js";
import type { FloorResult } from "./floor/floor.js";
import { renderSideBySide } from "./floor/report-floor.js";
import type { PerOrderCost } from "./per-order.js";
import { renderPerOrder } from "./report-per-order.js";
import type { Throughput } from "./phases.js";
import type { Usage } from "./proc.js";
import { type Summary, round } from "./stats.js";
import { targets } from "./targets.js";

export interface ProcessCost {
  readonly name: string;
  readonly kind: Usage["kind"];
  readonly region: string;
  readonly cpuSecondsPer1000Events: number;
  readonly peakRssMb: number;
  /** Private resident memory after the window; reports from before it have none. */
  readonly privateMb?: number;
}

export interface TargetCheck {
  readonly name: string;
  readonly target: string;
  readonly actual: string;
  readonly met: boolean;
}

export interface BenchReport {
  readonly startedAt: string;
  readonly durationSeconds: number;
  readonly settings: {
    readonly scale: string;
    /** How every region ran its saga; reports from before the option are choreographed. */
    readonly saga?: SagaStyle;
    readonly publishOnCommit: boolean;
    readonly daprVersion: string;
    readonly cpus: number;
    readonly node: string;
    readonly regions: readonly string[];
    /** Instances of each app per region (REPLICAS, REPLICAS_<APP>); absent means one. */
    readonly replicas?: Readonly<Record<string, number>>;
  };
  readonly readySeconds: number;
  readonly throughput: {
    readonly single: readonly Throughput[];
    readonly both: readonly Throughput[];
    readonly bothTotalPerSecond: number;
  };
  readonly latency: {
    readonly ratePerSecond: Readonly<Record<string, number>>;
    readonly postToConfirmedMs: Summary;
    readonly postToPeerVisibleMs: Summary;
    readonly replicationLagMs: Summary;
    readonly maxSendDelayMs: number;
  };
  readonly direct: DirectBaselineResult;
  /** The Dapr floor, measured in the same run; reports from before it have none. */
  readonly floor?: FloorResult;
  readonly ratios: {
    readonly throughputSingleRegionToDirect: number;
    readonly throughputBothRegionsToDirect: number;
    readonly p50ToDirect: number;
    readonly p99ToDirect: number;
    /** Best single region's saturation over the floor's (one region); with a floor only. */
    readonly throughputSingleRegionToFloor?: number;
  };
  readonly resources: {
    readonly window: string;
    readonly events: number;
    readonly processes: readonly ProcessCost[];
    /** Every process the benchmark started for the regions, by PID (all stopped when it ends). */
    readonly pids: readonly number[];
  };
  /** By process and by operation: CPU, sidecar operations and Redis commands per confirmed order. */
  readonly perOrder: PerOrderCost;
  /** Where `--profile` wrote its flame graphs and profile.md, relative to the report. */
  readonly profile?: string;
  readonly correctness: Correctness & {
    readonly requests: { readonly failed: number; readonly retried: number; readonly unacknowledgedButPlaced: number };
  };
  readonly targets: readonly TargetCheck[];
}

/**
 * CPU per confirmed order over every process of the regions (the load generator is not the
 * system), or over the processes of one kind.
 */
export function cpuMsPerOrder(perOrder: PerOrderCost, kind?: PerOrderCost["cpuMsPerOrder"][number]["kind"]): number {
  return perOrder.cpuMsPerOrder.filter((p) => (kind ? p.kind === kind : p.kind !== "bench")).reduce((sum, p) => sum + p.ms, 0);
}

export function checkTargets(r: Omit<BenchReport, "targets">): TargetCheck[] {
  const daprds = r.resources.processes.filter((p) => p.kind === "daprd");
  const services = r.resources.processes.filter((p) => p.kind === "service");
  const worst = <T>(xs: readonly T[], f: (x: T) => number): number => Math.max(...xs.map(f));
  const ms = (v: number): string => `${round(v)} ms`;
  return [
    {
      name: "Dapr-path throughput / direct",
      target: `≥ ${targets.throughputRatioToDirect}`,
      actual: String(round(r.ratios.throughputSingleRegionToDirect)),
      met: r.ratios.throughputSingleRegionToDirect >= targets.throughputRatioToDirect,
    },
    ...(r.ratios.throughputSingleRegionToFloor === undefined
      ? []
      : [
          {
            name: "system throughput / Dapr floor",
            target: `≥ ${targets.throughputRatioToFloor}`,
            actual: String(round(r.ratios.throughputSingleRegionToFloor)),
            met: r.ratios.throughputSingleRegionToFloor >= targets.throughputRatioToFloor,
          },
        ]),
    {
      name: "confirmed orders/s, both regions at saturation",
      target: `≥ ${targets.bothRegionsPerSecond}`,
      actual: String(round(r.throughput.bothTotalPerSecond)),
      met: r.throughput.bothTotalPerSecond >= targets.bothRegionsPerSecond,
    },
    {
      name: "CPU ms per confirmed order, all processes",
      target: `≤ ${targets.cpuMsPerOrder} ms`,
      actual: ms(cpuMsPerOrder(r.perOrder)),
      met: cpuMsPerOrder(r.perOrder) <= targets.cpuMsPerOrder,
    },
    {
      name: "POST→confirmed p99 at 50% saturation",
      target: `≤ ${targets.postToConfirmedP99Ms} ms`,
      actual: ms(r.latency.postToConfirmedMs.p99),
      met: r.latency.postToConfirmedMs.p99 <= targets.postToConfirmedP99Ms,
    },
    {
      name: "replication lag p99",
      target: `≤ ${targets.replicationLagP99Ms} ms`,
      actual: ms(r.latency.replicationLagMs.p99),
      met: r.latency.replicationLagMs.p99 <= targets.replicationLagP99Ms,
    },
    {
      name: "daprd CPU per 1000 events (worst sidecar)",
      target: `≤ ${targets.daprdCpuSecondsPer1000Events} s`,
      actual: `${round(worst(daprds, (d) => d.cpuSecondsPer1000Events))} s`,
      met: worst(daprds, (d) => d.cpuSecondsPer1000Events) <= targets.daprdCpuSecondsPer1000Events,
    },
    {
      name: "daprd private memory (worst sidecar)",
      target: `≤ ${targets.daprdPrivateMb} MB`,
      actual: `${round(worst(daprds, (d) => d.privateMb ?? Number.NaN))} MB`,
      met: worst(daprds, (d) => d.privateMb ?? Number.NaN) <= targets.daprdPrivateMb,
    },
    {
      name: "service peak RSS (worst service)",
      target: `≤ ${targets.servicePeakRssMb} MB`,
      actual: `${round(worst(services, (s) => s.peakRssMb))} MB`,
      met: worst(services, (s) => s.peakRssMb) <= targets.servicePeakRssMb,
    },
    {
      name: "both regions ready",
      target: `≤ ${targets.readySeconds} s`,
      actual: `${round(r.readySeconds)} s`,
      met: r.readySeconds <= targets.readySeconds,
    },
    {
      name: "orders lost + duplicated effects",
      target: "0",
      actual: String(r.correctness.total),
      met: r.correctness.total === 0,
    },
  ];
}

const row = (cells: readonly (string | number)[]): string => `| ${cells.join(" | ")} |`;
const fmt = (v: number): string => (Number.isFinite(v) ? String(round(v)) : "n/a");

function latencyRow(name: string, s: Summary): string {
  return row([name, s.count, fmt(s.p50), fmt(s.p90), fmt(s.p99), fmt(s.p999), fmt(s.max)]);
}

export function renderMarkdown(r: BenchReport, chartFile: string): string {
  const lines: string[] = [];
  const push = (...l: string[]): void => void lines.push(...l);
  push(
    `# Benchmark report`,
    "",
    `${r.startedAt}, ${round(r.durationSeconds)} s; Dapr ${r.settings.daprVersion}, Node ${r.settings.node}, ${r.settings.cpus} CPUs; ` +
      `scale \`${r.settings.scale}\`; saga: ${r.settings.saga ?? "choreography"}; publish on commit: ${r.settings.publishOnCommit ? "on" : "off (outbox only)"}; ` +
      `replicas per app: ${replicasText(r.settings.replicas)}.`,
    "",
    `![throughput and latency](${chartFile})`,
    "",
    "## Targets",
    "",
    row(["figure", "target", "measured", ""]),
    row(["---", "---", "---", "---"]),
    ...r.targets.map((t) => row([t.name, t.target, t.actual, t.met ? "met" : "**missed**"])),
    "",
    "## Saturation throughput (orders confirmed per second)",
    "",
    row(["load", "region", "offered /s", "confirmed /s", "saturated"]),
    row(["---", "---", "---", "---", "---"]),
    ...r.throughput.single.map((t) =>
      row(["one region alone", t.region, fmt(t.offeredPerSecond), fmt(t.confirmedPerSecond), t.saturated ? "yes" : "no (lower bound)"]),
    ),
    ...r.throughput.both.map((t) =>
      row(["both regions at once", t.region, fmt(t.offeredPerSecond), fmt(t.confirmedPerSecond), t.saturated ? "yes" : "no (lower bound)"]),
    ),
    row(["both regions at once", "total", "", fmt(r.throughput.bothTotalPerSecond), ""]),
    row(["direct Redis pipeline", "-", "", fmt(r.direct.saturation.perSecond), "yes"]),
    "",
    `Dapr / direct: one region ${fmt(r.ratios.throughputSingleRegionToDirect)}, both regions ${fmt(r.ratios.throughputBothRegionsToDirect)}.`,
    "",
    `## Latency at 50% of saturation (ms, from when each order was due: corrected for coordinated omission)`,
    "",
    `Offered: ${Object.entries(r.latency.ratePerSecond)
      .map(([k, v]) => `${k} ${fmt(v)}/s`)
      .join(", ")}; the generator's worst send delay was ${fmt(r.latency.maxSendDelayMs)} ms.`,
    "",
    row(["path", "n", "p50", "p90", "p99", "p99.9", "max"]),
    row(["---", "---", "---", "---", "---", "---", "---"]),
    latencyRow("POST → confirmed in the home region's view", r.latency.postToConfirmedMs),
    latencyRow("POST → confirmed visible in the other region", r.latency.postToPeerVisibleMs),
    latencyRow("replication lag (home commit → other region's view)", r.latency.replicationLagMs),
    latencyRow(`direct Redis pipeline (${r.direct.hops} hops) at 50% of its saturation`, r.direct.atHalf.latencyMs),
    "",
    `Dapr / direct: p50 ${fmt(r.ratios.p50ToDirect)}×, p99 ${fmt(r.ratios.p99ToDirect)}×. Direct pipeline: ${r.direct.description}`,
    "",
    `## Cost per process (${r.resources.window}; ${r.resources.events} events)`,
    "",
    row(["process", "kind", "region", "CPU s / 1000 events", "peak RSS MB", "private MB"]),
    row(["---", "---", "---", "---", "---", "---"]),
    ...r.resources.processes.map((p) =>
      row([p.name, p.kind, p.region, fmt(p.cpuSecondsPer1000Events), fmt(p.peakRssMb), fmt(p.privateMb ?? Number.NaN)]),
    ),
    row(["direct pipeline worker", "baseline", "-", fmt(r.direct.workerCpuSecondsPer1000), fmt(r.direct.workerPeakRssMb), ""]),
    row(["direct pipeline redis-server", "baseline", "-", fmt(r.direct.redisCpuSecondsPer1000), "", ""]),
    "",
    ...(r.floor
      ? renderSideBySide({
          direct: r.direct,
          floor: r.floor,
          system: {
            confirmedPerSecond: Math.max(...r.throughput.single.map((t) => t.confirmedPerSecond)),
            postToConfirmedMs: r.latency.postToConfirmedMs,
            perOrder: r.perOrder,
          },
        })
      : []),
    ...renderPerOrder(r.perOrder),
    ...(r.profile
      ? [`CPU profiles of every process at saturation, flame graphs and top functions: [${r.profile}](${r.profile}).`, ""]
      : []),
    "## Correctness under load",
    "",
    row(["orders placed", "lost", "not replicated", "stock mismatches", "extra payments", "duplicated histories", "histories checked"]),
    row(["---", "---", "---", "---", "---", "---", "---"]),
    row([
      r.correctness.ordersPlaced,
      r.correctness.lost,
      r.correctness.notReplicated,
      r.correctness.stockMismatches,
      r.correctness.extraPayments,
      r.correctness.duplicatedHistories,
      r.correctness.historiesChecked,
    ]),
    "",
    `POSTs retried with the same Idempotency-Key after a failure or timeout: ${r.correctness.requests.retried}; failed for good: ${r.correctness.requests.failed}, ` +
      `of which ${r.correctness.requests.unacknowledgedButPlaced} had placed their order all the same (counted above like every other order).`,
    "",
  );
  return lines.join("\n");
}

function replicasText(replicas: Readonly<Record<string, number>> | undefined): string {
  const scaled = Object.entries(replicas ?? {}).filter(([, n]) => n > 1);
  if (scaled.length === 0) return "1";
  const counts = new Set(scaled.map(([, n]) => n));
  return counts.size === 1 && scaled.length >= 6 ? String([...counts][0]) : scaled.map(([app, n]) => `${app} ${n}`).join(", ");
}
