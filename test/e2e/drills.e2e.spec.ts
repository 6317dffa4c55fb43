import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { projectRoot } from "../../platform/paths.js";
import { converge, digest, place, setStock } from "../../scripts/drills/probes.js";
import { convergeBoundMs, drillSuite } from "../support/drill-suite.js";
import { adminCall } from "../support/http.js";
import { useFreshSystemEach } from "../support/system.js";

// Failover and partition on the default profiles with every app at two replicas, as the clusters
// run them; test/profiles/ runs them at one replica on every other pub/sub profile.
drillSuite(undefined, { replicas: 2 });

// The same drills with the two regions running different saga styles: east orchestrated (Dapr
// Workflow, its placement and scheduler stopped and restarted with the region), west choreographed.
drillSuite(undefined, { saga: { east: "orchestration", west: "choreography" } });

describe("re-seeding a region (its state on the region's own redis-server)", () => {
  const ctx = useFreshSystemEach();

  it("re-seeding: east loses all its data, comes back empty, and is re-seeded from west's event lake", async () => {
    const east = ctx.system.region("east");
    const west = ctx.system.region("west");
    const sku = `seed-${Date.now().toString(36)}`;
    for (const region of ctx.system.regions) await setStock(region, sku, 100);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      for (const region of ctx.system.regions) {
        const id = await place(region, `seed-${sku}-${region.name}-${i}`, sku);
        expect(id).toBeDefined();
        ids.push(id!);
      }
    }
    const before = await converge(ctx.system, 10, convergeBoundMs);

    await ctx.system.stopRegion("east", "crash");
    rmSync(join(east.runDir, "redis"), { recursive: true, force: true });
    await ctx.system.startRegion("east");
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
    const after = await converge(ctx.system, 10, convergeBoundMs);
    expect(after.digests[0]?.digest).toBe(before.digests[0]?.digest);
    // The read model is back too: east serves its orders again.
    for (const id of ids) expect((await adminCall(east, `/admin/orders/${id}`)).status).toBe(200);
  });
});
