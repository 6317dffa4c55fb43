import { z } from "zod";
import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema, regionName } from "../shared/config.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { runService } from "../shared/service.js";
import { backgroundTurns, writeLease } from "../shared/application/lease.js";
import { Lake } from "./lake.js";
import { replicationMetrics } from "./metrics.js";
import { lakeRoutes } from "./lake-routes.js";
import { Replication, startAcknowledger } from "./replication.js";
import { replicatorSubscriptions } from "./subscriptions.js";

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
  compose: ({ config, sidecar, log, registry }) => {
    const region = config.REGION;
    const peers = config.PEER_REGIONS;
    const lease = config.WRITE_LEASE;
    const lake = new Lake(sidecar, components.lakeStore, { lease: writeLease(lease, sidecar, apps.replicator) });
    const replication = replicationMetrics(registry);
    const protocol = new Replication({ region, peers, sidecar, lake, log, replication, clock: () => new Date() });
    const metrics = eventMetrics(registry);
    return {
      routes: [replicatorSubscriptions({ region, sidecar, log, metrics, peers, lake, replication }, protocol), lakeRoutes(lake, region)],
      // How often this region tells its peers how far it has applied their changes.
      workers: [startAcknowledger(protocol, 1000, log, backgroundTurns(lease, sidecar, `${apps.replicator}-acks`, 5))],
    };
  },
});
