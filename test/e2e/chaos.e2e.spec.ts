import { describe, expect, it } from "vitest";
import { chaosOptions } from "../../scripts/chaos/options.js";
import { chaosTable, runChaos } from "../../scripts/chaos/suite.js";
import { useTestSystem } from "../support/system.js";

const ctx = useTestSystem(["east", "west"]);

describe("faults and attackers (npm run chaos)", () => {
  it("loses, strands, doubles and lets in nothing: broker, sidecar and service kills, a 30 s outage, a partition, a duplicate storm, 10,000 bad requests, unauthorised attempts", async () => {
    const report = await runChaos(ctx.system, { ...chaosOptions("full"), log: (line) => void process.stdout.write(`[chaos] ${line}\n`) });
    process.stdout.write(`\n${chaosTable(report)}\n`);
    for (const phase of report.phases) {
      expect(phase.accepted, phase.phase).toBeGreaterThan(0);
      expect({
        phase: phase.phase,
        lost: phase.lost,
        stuck: phase.stuck,
        doubled: phase.doubled,
        uncatalogued: phase.uncatalogued,
        openDeadLetters: phase.openDeadLetters,
        digestsEqual: phase.digestsEqual,
        notes: phase.notes,
      }).toEqual({
        phase: phase.phase,
        lost: 0,
        stuck: 0,
        doubled: 0,
        uncatalogued: 0,
        openDeadLetters: 0,
        digestsEqual: true,
        notes: [],
      });
    }
    expect(report.badRequests.sent).toBe(10_000);
    expect(report.badRequests.serverErrors, report.badRequests.examples.join("\n")).toBe(0);
    expect(report.badRequests.notProblem, report.badRequests.examples.join("\n")).toBe(0);
    expect(report.unauthorised.attempted).toBeGreaterThanOrEqual(50);
    expect(report.unauthorised.accepted).toBe(0);
    // The insider and outsider abuse (scripts/chaos/abuse.ts): each refused for its expected reason.
    expect(report.abuse.attempts.filter((a) => !a.refusedAsExpected)).toEqual([]);
    expect(report.abuse.controls.filter((c) => !c.ok)).toEqual([]);
    expect(report.ok).toBe(true);
  }, 1_500_000);
});
