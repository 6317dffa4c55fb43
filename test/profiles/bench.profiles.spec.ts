import { describe, expect, it } from "vitest";
import { benchReport, runQuickBench } from "../support/bench-run.js";

/** The benchmark's correctness checks on the other pub/sub profiles (the default one is test/e2e/bench.e2e.spec.ts). */
describe.each(["jetstream", "rabbitmq"])("npm run bench on %s (smoke scale)", (pubsub) => {
  it("finds nothing lost, doubled or unreplicated", async () => {
    const { code, output, out } = await runQuickBench({ PUBSUB: pubsub });
    expect(code, output.slice(-3000)).toBe(0);
    const report = benchReport(out);
    expect(report.correctness).toMatchObject({ lost: 0, notReplicated: 0, stockMismatches: 0, extraPayments: 0, duplicatedHistories: 0 });
    expect(report.correctness.ordersPlaced).toBeGreaterThan(50);
  });
});
