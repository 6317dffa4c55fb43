import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type DirectBaselineResult, runDirectBaseline } from "../../scripts/bench/direct.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("direct-broker baseline: the saga's four hops on a plain Redis client", () => {
  const logDir = mkdtempSync(join(tmpdir(), "meridian-direct-"));
  const lines: string[] = [];
  let result: DirectBaselineResult | undefined;

  afterAll(() => rmSync(logDir, { recursive: true, force: true }));

  it("completes every order exactly once, at saturation and at half of it", async () => {
    result = await runDirectBaseline({ saturationMessages: 2000, halfRateSeconds: 3, logDir, onProgress: (l) => lines.push(l) });
    const r = result;

    expect(r.hops).toBe(4);
    expect(r.description).toContain("XREADGROUP");
    expect(r.messageBytes).toBeGreaterThan(400);
    expect(r.saturation.messages).toBe(2000);
    expect(r.saturation.perSecond).toBeGreaterThan(0);
    expect(r.saturation.seconds).toBeGreaterThan(0);

    expect(r.atHalf.ratePerSecond).toBeCloseTo(r.saturation.perSecond / 2);
    expect(r.atHalf.count).toBe(Math.round(r.atHalf.ratePerSecond * 3));
    const lat = r.atHalf.latencyMs;
    expect(lat.count).toBe(r.atHalf.count);
    // Due time to the broker's commit stamp: ms resolution, so a fast hop can round to just below 0.
    expect(lat.p50).toBeGreaterThan(-1);
    expect(lat.p50).toBeLessThanOrEqual(lat.p99);
    expect(lat.p99).toBeLessThanOrEqual(lat.max);
    expect(lat.max).toBeLessThan(30_000);

    // No loss, no duplicates, nothing foreign.
    expect(r.injected).toBe(2000 + r.atHalf.count);
    expect(r.completed).toBe(r.injected);
    expect(r.duplicates).toBe(0);
    expect(r.unexpected).toBe(0);

    expect(r.saturation.cost.events).toBe(2000 * 4);
    expect(r.workerCpuSecondsPer1000).toBeGreaterThan(0);
    expect(r.redisCpuSecondsPer1000).toBeGreaterThan(0);
    expect(r.workerPeakRssMb).toBeGreaterThan(10);
    expect(lines.some((l) => l.startsWith("direct saturation"))).toBe(true);
  });

  it("leaves no process and no broker data behind", () => {
    expect(result).toBeDefined();
    const { worker, redis } = result!.pids;
    expect(alive(worker)).toBe(false);
    expect(alive(redis)).toBe(false);
    expect(existsSync(join(logDir, "direct-redis-data"))).toBe(false);
    expect(readFileSync(join(logDir, "direct-worker.log"), "utf8")).toMatch(/^ready/m);
  });
});
