import { apps, components } from "../../platform/topology.js";
import { baseEnvSchema } from "../shared/config.js";
import { RecordStore } from "../shared/dapr/record-store.js";
import { commitPublisherFor } from "../shared/dapr/commit-publisher.js";
import { eventMetrics } from "../shared/events/metrics.js";
import { KeyedLock } from "../shared/keyed-lock.js";
import { runService } from "../shared/service.js";
import { inventoryRoutes } from "./routes.js";

await runService({
  name: apps.inventory,
  env: baseEnvSchema,
  routes: ({ config, sidecar, log, registry }) => {
    const metrics = eventMetrics(registry);
    const source = `${apps.inventory}/${config.REGION}`;
    const publisher = commitPublisherFor({
      enabled: config.PUBLISH_ON_COMMIT,
      sidecar,
      store: components.inventoryStore,
      source,
      log,
      metrics,
    });
    return [
      inventoryRoutes({
        region: config.REGION,
        records: new RecordStore(sidecar, components.inventoryStore, source, publisher),
        lock: new KeyedLock(),
        clock: () => new Date(),
        sidecar,
        log,
        metrics,
      }),
    ];
  },
});
