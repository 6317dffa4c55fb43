/**
 * `npm run bench:sagas`: the benchmark once per saga style, each on a fresh system (choreography,
 * then orchestration on Dapr Workflow), and the two side by side in <out>/sagas.md: throughput,
 * CPU per confirmed order by kind of process, POST→confirmed latency and sidecar operations per
 * order. Extra arguments go to both runs (e.g. `-- --scale quick`).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { projectRoot } from "../../platform/paths.js";
import { type SagaStyle, sagaStyles } from "../../platform/topology.js";
import { type BenchReport, cpuMsPerOrder } from "./report.js";
import { type OpKind, opKinds, totalOps } from "./sidecar-ops.js";
import { round } from "./stats.js";

const { values: args } = parseArgs({
  options: {
    scale: { type: "string", default: "full" },
    out: { type: "string", default: join(projectRoot, "bench", "out", "sagas") },
  },
});
const outDir = resolve(args.out);

const reports: Record<string, BenchReport> = {};
for (const style of sagaStyles) {
  const dir = join(outDir, style);
  mkdirSync(dir, { recursive: true });
  process.stdout.write(`[sagas] benchmark with every region's saga ${style}: ${dir}\n`);
  const run = spawnSync(
    process.execPath,
    [join(projectRoot, "dist/scripts/bench/run.js"), "--scale", args.scale, "--saga", style, "--out", dir],
    { stdio: "inherit" },
  );
  if (run.status !== 0) {
    process.stderr.write(`[sagas] the ${style} benchmark failed (exit ${run.status ?? run.signal}); see its output above\n`);
    process.exit(1);
  }
  reports[style] = JSON.parse(readFileSync(join(dir, "report.json"), "utf8")) as BenchReport;
}

writeFileSync(join(outDir, "sagas.md"), renderComparison(reports));
process.stdout.write(`[sagas] comparison: ${join(outDir, "sagas.md")}\n`);

function opsPerOrder(r: BenchReport, kind: OpKind): number {
  return totalOps(r.perOrder.sidecarOps)[kind] / Math.max(1, r.perOrder.confirmedOrders);
}

function renderComparison(byStyle: Readonly<Record<string, BenchReport>>): string {
  const styles = sagaStyles.filter((s): s is SagaStyle => byStyle[s] !== undefined);
  const cell = (f: (r: BenchReport) => string): string[] => styles.map((s) => f(byStyle[s]!));
  const row = (label: string, f: (r: BenchReport) => string): string => `| ${[label, ...cell(f)].join(" | ")} |`;
  const kinds = opKinds.filter((k) => styles.some((s) => opsPerOrder(byStyle[s]!, k) > 0));
  const first = byStyle[styles[0]!]!;
  return [
    "# The two saga styles, side by side",
    "",
    `Each column is one \`npm run bench -- --scale ${first.settings.scale} --saga <style>\` on a fresh system of both regions ` +
      `(${first.settings.cpus} CPUs, Dapr ${first.settings.daprVersion}). CPU and sidecar operations are per confirmed order, ` +
      "over the window with both regions at saturation, every process of both regions included.",
    "",
    `| | ${styles.join(" | ")} |`,
    `|---|${styles.map(() => "---").join("|")}|`,
    row("confirmed orders/s, both regions at saturation", (r) => String(round(r.throughput.bothTotalPerSecond))),
    row("CPU ms per order, all processes", (r) => String(round(cpuMsPerOrder(r.perOrder)))),
    row("… of it in the sidecars", (r) => String(round(cpuMsPerOrder(r.perOrder, "daprd")))),
    row("… in the services", (r) => String(round(cpuMsPerOrder(r.perOrder, "service")))),
    row("… in Redis", (r) => String(round(cpuMsPerOrder(r.perOrder, "broker")))),
    row("… in placement and scheduler", (r) => String(round(cpuMsPerOrder(r.perOrder, "control-plane")))),
    row("POST→confirmed p50 at 50% of saturation (ms)", (r) => String(round(r.latency.postToConfirmedMs.p50))),
    row("POST→confirmed p99 (ms)", (r) => String(round(r.latency.postToConfirmedMs.p99))),
    row("replication lag p99 (ms)", (r) => String(round(r.latency.replicationLagMs.p99))),
    ...kinds.map((k) => row(`sidecar ${k} per order`, (r) => String(round(opsPerOrder(r, k))))),
    row("lost, doubled or not replicated", (r) => String(r.correctness.total)),
    "",
    "The full reports are next to this file, one folder per style.",
    "",
  ].join("\n");
}
