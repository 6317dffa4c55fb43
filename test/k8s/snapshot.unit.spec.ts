import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { synthesise, toYaml } from "./synth.js";

/** The synthesised YAML, file by file: a review sees every change to what reaches the clusters. */
describe.each(synthesise().map((r) => [r.config.name, r] as const))("region %s", (name, region) => {
  it.each([...region.files.entries()])("%s", async (file, manifests) => {
    const snapshot = `__snapshots__/${name}/${file}.snap`;
    // Outside CI, vitest would write a missing snapshot and pass: a new manifest file would then
    // never be reviewed. A missing one fails; `vitest run test/k8s/snapshot.unit.spec.ts -u` writes it.
    const updating = expect.getState().snapshotState["_updateSnapshot"] === "all";
    if (!updating)
      expect(existsSync(join(import.meta.dirname, snapshot)), `${snapshot} is missing: write it with -u and review it`).toBe(true);
    await expect(toYaml(manifests)).toMatchFileSnapshot(snapshot);
  });
});
