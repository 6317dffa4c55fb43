/**
 * Writes one region's Dapr resources for people who run the apps with the Dapr CLI
 * (`dapr run -f dapr.yaml`) against the Redis that `dapr init` starts on localhost:6379.
 */
import { join } from "node:path";
import { projectRoot } from "../../platform/paths.js";
import { writeRegionResources } from "./resources.js";

const dir = join(projectRoot, ".run", "cli", "east");
writeRegionResources({
  dir,
  redisAddress: process.env["REDIS_ADDRESS"] ?? "localhost:6379",
  nameResolutionDb: join(dir, "name-resolution.db"),
  region: "east",
  // One region under the CLI: no peers to replicate with.
  peers: [],
});
process.stdout.write(`wrote ${dir}\n`);
