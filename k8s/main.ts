/** `npm run synth`: writes k8s/dist/<region>/*.yaml for every configured region. */
import { rmSync } from "node:fs";
import { relative } from "node:path";
import { projectRoot } from "../platform/paths.js";
import { loadRegionConfigs } from "../platform/regions.js";
import { distRoot, regionApp } from "./region.js";

const regions = loadRegionConfigs();
// A region dropped from the config must not leave stale manifests behind.
rmSync(distRoot, { recursive: true, force: true });
for (const region of regions) {
  const app = regionApp(region, regions);
  app.synth();
  process.stdout.write(`${region.name}: ${relative(projectRoot, app.outdir)}\n`);
}
