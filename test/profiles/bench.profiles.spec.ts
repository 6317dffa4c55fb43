import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { projectRoot } from "../../platform/paths.js";
import type { BenchReport } from "../../scripts/bench/report.js";

/**
 * The benchmark's correctness checks on the other pub/sub profiles, and on the default one with
 * every app at two replicas (the default profile at one replica is test/e2e/bench.e2e.spec.ts).
 */
describe.each([
  { pubsub: "jetstream", replicas: "1" },
  { pubsub: "rabbitmq", replicas: "1" },
  { pubsub: "redis", replicas: "2" },
])("npm run bench on $pubsub, replicas $replicas (smoke scale)", ({ pubsub, replicas }) => {
  it("finds nothing lost, doubled or unreplicated", async () => {
    const out = mkdtempSync(join(tmpdir(), `meridian-bench-${pubsub}-`));
    const bench = spawn(process.execPath, [join(projectRoot, "dist/scripts/bench/run.js"), "--scale", "quick", "--out", out], {
      env: { ...process.env, DAPRD: inject("daprd"), PUBSUB: pubsub, REPLICAS: replicas },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    bench.stdout.on("data", (d: Buffer) => (output += d.toString()));
    bench.stderr.on("data", (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => bench.once("exit", resolve));
    expect(code, output.slice(-3000)).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as BenchReport;
    expect(report.correctness).toMatchObject({ lost: 0, notReplicated: 0, stockMismatches: 0, extraPayments: 0, duplicatedHistories: 0 });
    expect(report.correctness.ordersPlaced).toBeGreaterThan(50);
    // Twice the processes at two replicas: the smoke run takes longer than the project default.
  }, 600_000);
});
