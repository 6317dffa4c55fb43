import { describe, expect, it } from "vitest";
import { runOpenModel } from "../../scripts/bench/open-model.js";
import { percentile, steadyRate, summarize } from "../../scripts/bench/stats.js";

describe("benchmark statistics", () => {
  it("takes nearest-rank percentiles over every sample", () => {
    const samples = Array.from({ length: 1000 }, (_, i) => i + 1);
    const s = summarize(samples.reverse());
    expect(s).toMatchObject({ count: 1000, p50: 500, p90: 900, p99: 990, p999: 999, max: 1000 });
    expect(percentile([7], 0.999)).toBe(7);
    expect(Number.isNaN(summarize([]).p99)).toBe(true);
  });

  it("measures the steady rate between the 10th and 90th percentile completions", () => {
    // 100 completions 10 ms apart, then a long straggler that must not dilute the rate.
    const times = [...Array.from({ length: 100 }, (_, i) => i * 10), 60_000];
    expect(steadyRate(times)).toBeCloseTo(100, 0);
  });
});

describe("open-model load", () => {
  it("keeps the arrival rate while the system stalls, and charges the stall to every request that waited", async () => {
    let release: () => void = () => undefined;
    const stalled = new Promise<void>((r) => (release = r));
    setTimeout(release, 300);
    const result = await runOpenModel({
      ratePerSecond: 100,
      count: 40,
      maxInFlight: 5,
      // The first five requests hang for 300 ms; a closed-loop generator would just send less.
      send: async ({ index }) => {
        if (index < 5) await stalled;
        return index;
      },
    });
    expect(result.results).toHaveLength(40);
    const latency = (i: number): number => {
      const r = result.results.find((x) => x.arrival.index === i)!;
      return r.doneAt - r.arrival.dueAt;
    };
    // Request 10 was due at 100 ms but could only go once a slot freed at ~300 ms.
    expect(latency(10)).toBeGreaterThanOrEqual(150);
    // Due times follow the schedule, not the system's pace.
    expect(result.results.find((x) => x.arrival.index === 39)!.arrival.dueAt - result.startedAt).toBeCloseTo(390, 0);
  });

  it("reports failed requests without stopping the load", async () => {
    const result = await runOpenModel({
      ratePerSecond: 1000,
      count: 20,
      maxInFlight: 50,
      send: async ({ index }) => {
        if (index % 2) throw new Error("boom");
        return index;
      },
    });
    expect(result.results.filter((r) => !r.ok)).toHaveLength(10);
  });
});
