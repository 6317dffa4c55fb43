import { readFileSync } from "node:fs";
import { allApps } from "../../platform/topology.js";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { targets } from "../../scripts/bench/targets.js";
import { benchReport, runQuickBench } from "../support/bench-run.js";
import { isAlive } from "../support/system.js";

describe("npm run bench (the benchmark, at smoke scale)", () => {
  // The project's 300 s, plus about a minute for the Dapr floor's own start-up and phases.
  it("measures every figure, finds nothing lost or doubled, writes JSON, Markdown and a chart, and leaves nothing behind", async () => {
    const { code, output, out } = await runQuickBench();
    expect(code, output.slice(-3000)).toBe(0);

    const report = benchReport(out);
    expect(report.correctness).toMatchObject({ lost: 0, notReplicated: 0, stockMismatches: 0, extraPayments: 0, duplicatedHistories: 0 });
    expect(report.correctness.ordersPlaced).toBeGreaterThan(50);
    for (const t of [...report.throughput.single, ...report.throughput.both]) expect(t.confirmedPerSecond).toBeGreaterThan(0);
    expect(report.direct.saturation.perSecond).toBeGreaterThan(0);
    expect(report.latency.postToConfirmedMs.count).toBeGreaterThan(0);
    expect(report.latency.replicationLagMs.count).toBe(report.latency.postToConfirmedMs.count);
    // Every sidecar and service of both regions was measured from /proc.
    expect(report.resources.processes.filter((p) => p.kind === "daprd")).toHaveLength(2 * allApps.length);
    expect(report.resources.processes.filter((p) => p.kind === "service")).toHaveLength(2 * allApps.length);
    // One check per target in targets.ts (the floor ran, so its ratio is judged too), plus correctness.
    expect(report.targets).toHaveLength(Object.keys(targets).length + 1);
    expect(report.targets.map((t) => t.name)).toContain("system throughput / Dapr floor");
    // The Dapr floor ran in the same run, lost nothing, and left no process behind.
    expect(report.floor?.saturation.confirmedPerSecond).toBeGreaterThan(0);
    expect(report.floor?.latency.postToConfirmedMs.count).toBeGreaterThan(0);
    expect(report.floor?.orders.confirmed).toBe(report.floor?.orders.placed);
    // Six apps, six sidecars, its redis-server and its Sentry.
    expect(report.floor?.pids.length).toBeGreaterThanOrEqual(14);
    expect(report.floor?.pids.filter(isAlive)).toEqual([]);
    expect(readFileSync(join(out, "report.md"), "utf8")).toMatch(/## Direct \/ Dapr floor \/ system/);
    expect(readFileSync(join(out, "report.md"), "utf8")).toMatch(/## Saturation throughput/);
    expect(readFileSync(join(out, "report.svg"), "utf8")).toMatch(/^<svg /);
    // The Markdown report shows the chart written next to it.
    expect(readFileSync(join(out, "report.md"), "utf8")).toContain("](report.svg)");
    // Every process it started (26 for the regions, then the direct baseline's own) is gone.
    expect(report.resources.pids.length).toBeGreaterThanOrEqual(26);
    expect(report.resources.pids.filter(isAlive)).toEqual([]);
    expect([report.direct.pids.worker, report.direct.pids.redis].filter(isAlive)).toEqual([]);
  }, 420_000);
});
