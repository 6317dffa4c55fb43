import { describe, expect, it } from "vitest";
import { correctnessTotal, median, medianFigures, renderMedians } from "../../scripts/bench/medians.js";
import type { BenchReport } from "../../scripts/bench/report.js";

/** The parts of a report the medians read; one run's figures from a few numbers. */
function report(o: {
  both: number;
  cpu: { daprd: number; service: number; broker: number; bench: number };
  p99: number;
  privateMb: number;
  lost?: number;
}) {
  return {
    settings: { scale: "full", daprVersion: "1.16.1", node: "v20", cpus: 2 },
    readySeconds: 3,
    throughput: {
      single: [{ confirmedPerSecond: o.both * 0.7 }, { confirmedPerSecond: o.both * 0.6 }],
      both: [],
      bothTotalPerSecond: o.both,
    },
    latency: {
      postToConfirmedMs: { p50: o.p99 / 4, p99: o.p99 },
      replicationLagMs: { p99: 90 },
    },
    direct: { saturation: { perSecond: 4000 } },
    floor: { saturation: { confirmedPerSecond: 40 } },
    ratios: { throughputSingleRegionToFloor: (o.both * 0.7) / 40 },
    resources: {
      processes: [
        { kind: "daprd", peakRssMb: 60, privateMb: o.privateMb },
        { kind: "daprd", peakRssMb: 50, privateMb: o.privateMb - 10 },
        { kind: "service", peakRssMb: 100 },
      ],
    },
    perOrder: { cpuMsPerOrder: Object.entries(o.cpu).map(([kind, ms]) => ({ kind, ms })) },
    correctness: { total: o.lost ?? 0, ordersPlaced: 1000 },
  } as unknown as BenchReport;
}

const runs = [
  report({ both: 30, cpu: { daprd: 200, service: 150, broker: 20, bench: 50 }, p99: 400, privateMb: 45 }),
  report({ both: 20, cpu: { daprd: 100, service: 90, broker: 10, bench: 50 }, p99: 150, privateMb: 35 }),
  report({ both: 40, cpu: { daprd: 150, service: 100, broker: 15, bench: 50 }, p99: 200, privateMb: 38 }),
];
const figure = (name: string) => medianFigures(runs).find((f) => f.name === name)!;

describe("benchmark medians over repeated runs", () => {
  it("takes the middle value of an odd count and the mean of the middle two of an even one, ignoring figures a run could not measure", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
  });

  it("reports each figure's median with the range of the runs", () => {
    expect(figure("confirmed orders/s, both regions at saturation")).toMatchObject({ median: 30, min: 20, max: 40, met: false });
    expect(figure("POST→confirmed p99 at 50% of saturation")).toMatchObject({ median: 200, min: 150, max: 400 });
    expect(figure("daprd private memory (worst sidecar)")).toMatchObject({ median: 38, min: 35, max: 45, met: true });
  });

  it("costs an order over the regions' processes only: the load generator is not the system", () => {
    // Per run 370, 200 and 265 ms without the generator's 50.
    expect(figure("CPU per confirmed order, all processes")).toMatchObject({ median: 265, min: 200, max: 370, met: false });
    expect(figure("… in the sidecars").median).toBe(150);
  });

  it("counts a lost order in any run against the whole, and links every run's report", () => {
    expect(correctnessTotal(runs)).toBe(0);
    expect(
      correctnessTotal([...runs, report({ both: 1, cpu: { daprd: 1, service: 1, broker: 1, bench: 1 }, p99: 1, privateMb: 1, lost: 2 })]),
    ).toBe(2);
    const md = renderMedians(runs, ["run-1", "run-2", "run-3"]);
    expect(md).toContain("| confirmed orders/s, both regions at saturation | 30 | 20–40 | ≥ 80 | **missed** |");
    expect(md).toContain("[run 2](run-2/report.md)");
  });
});
