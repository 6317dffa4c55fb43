import { describe, expect, inject, it } from "vitest";
import { failoverDrill } from "../../scripts/drills/failover.js";
import { partitionDrill } from "../../scripts/drills/partition.js";
import { type LocalProfiles, defaultProfiles } from "../../scripts/local/profiles.js";
import { everyApp } from "../../scripts/local/replicas.js";
import type { SagaStyle } from "../../platform/topology.js";
import { useFreshSystemEach } from "./system.js";

/** Time within which the regions must converge after the failure ends (asserted, and printed by the drills). */
export const convergeBoundMs = 90_000;

/** The failover and partition drills on two regions of the given profiles, a fresh system for each. */
export function drillSuite(
  profiles: LocalProfiles = defaultProfiles,
  options: { readonly replicas?: number; readonly saga?: Readonly<Record<string, SagaStyle>> } = {},
): void {
  const replicas = options.replicas ?? 1;
  const scale = replicas > 1 ? `, every app at ${replicas} replicas` : "";
  const orchestrated = Object.entries(options.saga ?? {}).filter(([, style]) => style === "orchestration");
  const styles = orchestrated.length > 0 ? `, ${orchestrated.map(([r]) => r).join(" and ")} orchestrated` : "";
  describe(`multi-region drills (pub/sub ${profiles.pubsub}, state ${profiles.state}${scale}${styles})`, () => {
    const ctx = useFreshSystemEach(["east", "west"], {
      profiles,
      replicas: everyApp(replicas),
      ...(orchestrated.length > 0
        ? { saga: options.saga, workflows: { placement: inject("placement"), scheduler: inject("scheduler") } }
        : {}),
    });

    it("failover and failback: east stops entirely, west keeps serving, east returns and both converge", async () => {
      const report = await failoverDrill(ctx.system, { victim: "east", ordersPerPhase: 10, convergeTimeoutMs: convergeBoundMs });
      const total = Object.values(report.placed).reduce((a, b) => a + b, 0);
      // West took orders in every phase; east refused while it was down.
      expect(report.placed["west"]).toBe(30);
      expect(report.placed["east"]).toBe(20);
      expect(report.refusedWhileDown).toBe(10);
      // Every east order west held before the stop stayed readable in west throughout.
      expect(report.replicatedBeforeStop).toBe(10);
      expect(report.replicatedReadableWhileDown).toBe(report.replicatedBeforeStop);
      expect(report.present).toEqual({ east: total, west: total });
      expect(report.convergeMs).toBeLessThan(convergeBoundMs);
      expect(report.effects).toEqual({ missing: [], misplaced: [], stockMismatch: [] });
    });

    it("partition: only the replication links are cut, both regions keep writing, heal, converge", async () => {
      const report = await partitionDrill(ctx.system, { ordersPerRegion: 10, convergeTimeoutMs: convergeBoundMs });
      expect(report.placed).toEqual({ east: 10, west: 10 });
      expect(report.present).toEqual({ east: 20, west: 20 });
      // While cut, each region counts the order events its peer has not got (ten orders a region,
      // two events each: placed, confirmed); after healing, none.
      expect(report.backlogWhileCut).toEqual({ east: { west: 20 }, west: { east: 20 } });
      expect(report.backlogAfter).toEqual({ east: { west: 0 }, west: { east: 0 } });
      expect(report.convergeMs).toBeLessThan(convergeBoundMs);
      expect(report.effects).toEqual({ missing: [], misplaced: [], stockMismatch: [] });
    });
  });
}
