import { describe, expect, it } from "vitest";
import { benchReport, runQuickBench } from "../support/bench-run.js";

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
    const { code, output, out } = await runQuickBench({ PUBSUB: pubsub, REPLICAS: replicas });
    expect(code, output.slice(-3000)).toBe(0);
    const report = benchReport(out);
    expect(report.correctness).toMatchObject({ lost: 0, notReplicated: 0, stockMismatches: 0, extraPayments: 0, duplicatedHistories: 0 });
    expect(report.correctness.ordersPlaced).toBeGreaterThan(50);
    // Twice the processes at two replicas: the smoke run takes longer than the project default.
  }, 600_000);
});
