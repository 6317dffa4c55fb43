import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { projectRoot } from "../../platform/paths.js";
import { converge, digest, place, setStock } from "../../scripts/drills/probes.js";
import { failoverDrill } from "../../scripts/drills/failover.js";
import { partitionDrill } from "../../scripts/drills/partition.js";
import type { SystemHandle } from "../../scripts/local/system.js";
import { isAlive, startTestSystem } from "../support/system.js";

/** Time within which the regions must converge after the failure ends (asserted, and printed by the drills). */
const convergeBoundMs = 90_000;

let system: SystemHandle;
let pids: number[] = [];

beforeEach(async () => {
  system = await startTestSystem(["east", "west"]);
  pids = system.group.pids;
});

afterEach(async () => {
  const all = [...pids, ...system.group.pids];
  await system?.stop();
  expect(all.filter(isAlive)).toEqual([]);
});

describe("multi-region drills", () => {
  it("re-seeding: east loses all its data, comes back empty, and is re-seeded from west's event lake", async () => {
    const east = system.region("east");
    const west = system.region("west");
    const sku = `seed-${Date.now().toString(36)}`;
    for (const region of system.regions) await setStock(region, sku, 100);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      for (const region of system.regions) {
        const id = await place(region, `seed-${sku}-${region.name}-${i}`, sku);
        expect(id).toBeDefined();
        ids.push(id!);
      }
    }
    const before = await converge(system, 10, convergeBoundMs);

    await system.stopRegion("east", "crash");
    rmSync(join(east.runDir, "redis"), { recursive: true, force: true });
    await system.startRegion("east");
    expect((await digest(east))?.orders).toBe(0);

    const run = spawnSync(
      process.execPath,
      [
        join(projectRoot, "dist/scripts/ops/reseed.js"),
        "--from",
        west.adminUrl,
        "--from-token-file",
        join(west.runDir, "admin-token"),
        "--to",
        east.adminUrl,
        "--to-token-file",
        join(east.runDir, "admin-token"),
      ],
      { encoding: "utf8", timeout: 120_000 },
    );
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toContain('"restored":10');
    const after = await converge(system, 10, convergeBoundMs);
    expect(after.digests[0]?.digest).toBe(before.digests[0]?.digest);
    // The read model is back too: east serves its orders again.
    for (const id of ids) expect((await fetch(`${east.gatewayUrl}/orders/${id}`)).status).toBe(200);
  });

  it("failover and failback: east stops entirely, west keeps serving, east returns and both converge", async () => {
    const report = await failoverDrill(system, { victim: "east", ordersPerPhase: 10, convergeTimeoutMs: convergeBoundMs });
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
    const report = await partitionDrill(system, { ordersPerRegion: 10, convergeTimeoutMs: convergeBoundMs });
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
