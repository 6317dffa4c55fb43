import { describe, expect, it } from "vitest";
import { synthesise, toYaml } from "./synth.js";

/** The synthesised YAML, file by file: a review sees every change to what reaches the clusters. */
describe.each(synthesise().map((r) => [r.config.name, r] as const))("region %s", (name, region) => {
  it.each([...region.files.entries()])("%s", async (file, manifests) => {
    await expect(toYaml(manifests)).toMatchFileSnapshot(`__snapshots__/${name}/${file}.snap`);
  });
});
