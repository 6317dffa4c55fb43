/**
 * Several full runs of the benchmark, reduced to one table: each headline figure as the median of
 * the runs with their range, and the targets judged on the medians. One run on 2 cores swings by
 * half (the backlog one phase leaves to the next, whatever else the machine does); the median of
 * three is the figure to quote, the range how far to trust it.
 */
import { type BenchReport, cpuMsPerOrder } from "./report.js";
import { round } from "./stats.js";
import { targets } from "./targets.js";

export interface MedianFigure {
  readonly name: string;
  readonly unit: string;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** The target the median is judged against, as text; none for figures without one. */
  readonly target?: string;
  readonly met?: boolean;
}

export function median(values: readonly number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const worst = (r: BenchReport, kind: string, f: (p: BenchReport["resources"]["processes"][number]) => number | undefined): number =>
  Math.max(...r.resources.processes.filter((p) => p.kind === kind).map((p) => f(p) ?? Number.NaN));
const bestSingle = (r: BenchReport): number => Math.max(...r.throughput.single.map((t) => t.confirmedPerSecond));

interface FigureSpec {
  readonly name: string;
  readonly unit: string;
  readonly of: (r: BenchReport) => number;
  /** `atLeast`: higher is better; `atMost`: lower is better. */
  readonly target?: { readonly atLeast: number } | { readonly atMost: number };
}

const figures: readonly FigureSpec[] = [
  {
    name: "confirmed orders/s, both regions at saturation",
    unit: "/s",
    of: (r) => r.throughput.bothTotalPerSecond,
    target: { atLeast: targets.bothRegionsPerSecond },
  },
  { name: "confirmed orders/s, best region alone", unit: "/s", of: bestSingle },
  { name: "Dapr floor, orders/s (one region)", unit: "/s", of: (r) => r.floor?.saturation.confirmedPerSecond ?? Number.NaN },
  {
    name: "system / Dapr floor",
    unit: "",
    of: (r) => r.ratios.throughputSingleRegionToFloor ?? Number.NaN,
    target: { atLeast: targets.throughputRatioToFloor },
  },
  { name: "direct pipeline, messages/s", unit: "/s", of: (r) => r.direct.saturation.perSecond },
  {
    name: "CPU per confirmed order, all processes",
    unit: "ms",
    of: (r) => cpuMsPerOrder(r.perOrder),
    target: { atMost: targets.cpuMsPerOrder },
  },
  { name: "… in the sidecars", unit: "ms", of: (r) => cpuMsPerOrder(r.perOrder, "daprd") },
  { name: "… in the services", unit: "ms", of: (r) => cpuMsPerOrder(r.perOrder, "service") },
  { name: "… in Redis", unit: "ms", of: (r) => cpuMsPerOrder(r.perOrder, "broker") },
  { name: "POST→confirmed p50 at 50% of saturation", unit: "ms", of: (r) => r.latency.postToConfirmedMs.p50 },
  {
    name: "POST→confirmed p99 at 50% of saturation",
    unit: "ms",
    of: (r) => r.latency.postToConfirmedMs.p99,
    target: { atMost: targets.postToConfirmedP99Ms },
  },
  { name: "replication lag p99", unit: "ms", of: (r) => r.latency.replicationLagMs.p99, target: { atMost: targets.replicationLagP99Ms } },
  {
    name: "daprd private memory (worst sidecar)",
    unit: "MB",
    of: (r) => worst(r, "daprd", (p) => p.privateMb),
    target: { atMost: targets.daprdPrivateMb },
  },
  { name: "daprd peak RSS (worst sidecar)", unit: "MB", of: (r) => worst(r, "daprd", (p) => p.peakRssMb) },
  {
    name: "service peak RSS (worst service)",
    unit: "MB",
    of: (r) => worst(r, "service", (p) => p.peakRssMb),
    target: { atMost: targets.servicePeakRssMb },
  },
  { name: "both regions ready", unit: "s", of: (r) => r.readySeconds, target: { atMost: targets.readySeconds } },
];

export function medianFigures(reports: readonly BenchReport[]): MedianFigure[] {
  return figures.map((f) => {
    const values = reports.map(f.of).filter(Number.isFinite);
    const m = median(values);
    const judged = f.target
      ? "atLeast" in f.target
        ? { target: `≥ ${f.target.atLeast}${f.unit === "/s" || f.unit === "" ? "" : ` ${f.unit}`}`, met: m >= f.target.atLeast }
        : { target: `≤ ${f.target.atMost} ${f.unit}`, met: m <= f.target.atMost }
      : {};
    return { name: f.name, unit: f.unit, median: m, min: Math.min(...values), max: Math.max(...values), ...judged };
  });
}

/** Lost orders and duplicated effects, over every run: any is a failure, not a figure. */
export function correctnessTotal(reports: readonly BenchReport[]): number {
  return reports.reduce((sum, r) => sum + r.correctness.total, 0);
}

export function renderMedians(reports: readonly BenchReport[], runDirs: readonly string[]): string {
  const first = reports[0]!;
  const fmt = (v: number): string => (Number.isFinite(v) ? String(round(v)) : "n/a");
  const rows = medianFigures(reports).map(
    (f) =>
      `| ${f.name} | ${fmt(f.median)}${f.unit && f.unit !== "/s" ? ` ${f.unit}` : ""} | ${fmt(f.min)}–${fmt(f.max)} | ${f.target ?? ""} | ${
        f.met === undefined ? "" : f.met ? "met" : "**missed**"
      } |`,
  );
  const orders = reports.reduce((sum, r) => sum + r.correctness.ordersPlaced, 0);
  return [
    "# Benchmark: medians of repeated runs",
    "",
    `${reports.length} full runs, each on a fresh system of both regions (scale \`${first.settings.scale}\`, saga ${first.settings.saga ?? "choreography"}, ` +
      `Dapr ${first.settings.daprVersion}, Node ${first.settings.node}, ${first.settings.cpus} CPUs). Each figure is the median of the runs, with their range; ` +
      "targets are judged on the median.",
    "",
    "| figure | median | range | target | |",
    "|---|---|---|---|---|",
    ...rows,
    "",
    `Correctness over all runs: ${orders} orders, ${correctnessTotal(reports)} lost or with a duplicated effect.`,
    "",
    `Each run's full report (targets, throughput, latency, cost by process and by operation, the three-way baseline): ${runDirs
      .map((d, i) => `[run ${i + 1}](${d}/report.md)`)
      .join(", ")}.`,
    "",
  ].join("\n");
}
