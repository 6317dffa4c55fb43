import { z } from "zod";
import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema, regionName } from "../shared/config.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { runService } from "../shared/service.js";
import { Lake } from "./lake.js";
import { replicationMetrics } from "./metrics.js";
import { replicatorRoutes } from "./routes.js";

await runService({
  name: apps.replicator,
  env: baseEnvSchema.extend({
    /** The regions this one replicates from, comma-separated; each has a peer link component. */
    PEER_REGIONS: z
      .string()
      .default("")
      .transform((s) =>
        s
          .split(",")
          .map((r) => r.trim())
          .filter(Boolean),
      )
      .pipe(z.array(regionName)),
  }),
  routes: ({ config, sidecar, log, registry }) => [
    replicatorRoutes({
      region: config.REGION,
      peers: config.PEER_REGIONS,
      sidecar,
      lake: new Lake(sidecar, components.lakeStore),
      log,
      metrics: eventMetrics(registry),
      replication: replicationMetrics(registry),
      clock: () => new Date(),
      ackIntervalMs: 1000,
    }),
  ],
});
